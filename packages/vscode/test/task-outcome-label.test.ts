import { describe, expect, it } from 'vitest';
import { formatDuration } from '@flow/cli/src/run-view.js';
import { taskOutcomeLabel } from '../src/runs/task-outcome-label.js';

describe('taskOutcomeLabel', () => {
    it('gives a completed task\'s duration', () => {
        expect(taskOutcomeLabel({ status: 'completed', runId: 'r', durationMs: 1234, fromCache: false, reused: false }, formatDuration).text)
            .toBe('$(check) completed in 1.2 s');
    });

    it('says when a result came from the cache rather than from running', () => {
        expect(taskOutcomeLabel({ status: 'completed', runId: 'r', durationMs: 0, fromCache: true, reused: false }, formatDuration).text)
            .toBe('$(check) completed from the cache');
    });

    it('gives how long a failed task ran, and its error in the tooltip', () => {
        const label = taskOutcomeLabel({ status: 'failed', runId: 'r', durationMs: 65_000, message: 'exit code 2' }, formatDuration);
        expect(label.text).toBe('$(error) failed after 1m05s');
        expect(label.tooltip).toContain('exit code 2');
    });

    it('tells a task skipped by its condition from one an upstream failure stopped', () => {
        expect(taskOutcomeLabel({ status: 'skipped', runId: 'r', reason: 'condition `a > 1` is false' }, formatDuration).text).toBe('$(debug-step-over) skipped');
        expect(taskOutcomeLabel({ status: 'upstream_failed', runId: 'r', reason: 'upstream task a failed' }, formatDuration).text)
            .toBe('$(debug-step-over) not run: upstream failed');
    });

    it('counts a running task\'s attempts from the second', () => {
        expect(taskOutcomeLabel({ status: 'running', runId: 'r', attempt: 1 }, formatDuration).text).toBe('$(sync~spin) running');
        expect(taskOutcomeLabel({ status: 'running', runId: 'r', attempt: 2 }, formatDuration).text).toBe('$(sync~spin) running (attempt 2)');
    });
});
