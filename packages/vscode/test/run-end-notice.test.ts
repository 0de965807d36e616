import { describe, expect, it } from 'vitest';
import type { RunResult } from '@flow/engine';
import { runEndNotice, type RunEndContext } from '../src/runs/run-end-notice.js';

function result(status: RunResult['status'], spec: Partial<RunResult> = {}): RunResult {
    return { runId: 'r1', workflow: 'Hello', status, startedAt: 0, finishedAt: 1200, durationMs: 1200, tasks: [], deliverables: [], ...spec };
}

const base: RunEndContext = { setting: 'all', canShowProgress: false, canResume: false, summary: '2 completed, in 1.2 s' };

describe('runEndNotice', () => {
    it('reports a completed run with a button to its log', () => {
        expect(runEndNotice(result('completed'), base)).toEqual({
            severity: 'info', message: 'Flow: Hello completed (2 completed, in 1.2 s).', actions: ['Open Log']
        });
    });

    it('offers the progress panel once one is registered', () => {
        expect(runEndNotice(result('completed'), { ...base, canShowProgress: true })?.actions).toEqual(['Show Progress', 'Open Log']);
    });

    it('names the failed task whose log Open Log opens', () => {
        const failed = result('failed', {
            reason: 'task sign failed',
            tasks: [
                { id: 'greet', status: 'completed', attempts: 1, fromCache: false, demo: false },
                { id: 'sign', status: 'failed', attempts: 1, fromCache: false, demo: false }
            ]
        });
        expect(runEndNotice(failed, base)).toMatchObject({ severity: 'error', message: 'Flow: Hello failed: task sign failed (2 completed, in 1.2 s).', failedTask: 'sign' });
    });

    it('offers Resume for a run that did not complete, only when the command exists', () => {
        expect(runEndNotice(result('cancelled'), base)?.actions).toEqual(['Open Log']);
        expect(runEndNotice(result('cancelled'), { ...base, canResume: true })?.actions).toEqual(['Open Log', 'Resume']);
        expect(runEndNotice(result('completed'), { ...base, canResume: true })?.actions).toEqual(['Open Log']);
    });

    it('says what part of the workflow ran', () => {
        expect(runEndNotice(result('completed'), { ...base, scope: 'task sign and the 1 task it depends on' })?.message)
            .toBe('Flow: Hello (task sign and the 1 task it depends on) completed (2 completed, in 1.2 s).');
    });

    it('keeps quiet as flow.runs.showNotifications asks', () => {
        expect(runEndNotice(result('completed'), { ...base, setting: 'failures' })).toBeUndefined();
        expect(runEndNotice(result('failed'), { ...base, setting: 'failures' })?.severity).toBe('error');
        expect(runEndNotice(result('failed'), { ...base, setting: 'never' })).toBeUndefined();
    });
});
