import { describe, expect, it } from 'vitest';
import type { RunSummary, TaskState } from '@flow/store';
import { checkpointLabel, parentWords, preview, runDescription, startedWords, taskDescription } from '../src/history/run-words.js';
import { changedParameters, resumePlanWords } from '../src/history/resume-words.js';

const noon = new Date(2026, 11, 1, 12, 0, 0).getTime();

function summary(overrides: Partial<RunSummary>): RunSummary {
    return {
        runId: '3f2a1b2c-0000', workflow: 'Report', status: 'completed', startedAt: noon, durationMs: 2_100,
        tasks: { total: 3, completed: 3, failed: 0, skipped: 0 }, ...overrides
    };
}

function task(overrides: Partial<TaskState>): TaskState {
    return { id: 'build', status: 'completed', attempts: 1, fromCache: false, ...overrides };
}

describe('how the Runs view words a run', () => {
    it('gives an ended run its status, start and duration', () => {
        expect(runDescription(summary({}), noon + 60_000)).toBe('completed · 12:00:00 · 2.1 s');
    });

    it('gives a run that has not ended how many of its tasks are done instead of a duration', () => {
        expect(runDescription(summary({ status: 'interrupted', durationMs: undefined, tasks: { total: 3, completed: 1, failed: 0, skipped: 0 } }), noon))
            .toBe('interrupted · 12:00:00 · 1 of 3 tasks done');
    });

    it('dates a run of another day', () => {
        expect(startedWords(noon, noon + 2 * 86_400_000)).toBe('1 Dec 12:00');
    });

    it('says whether a resumed run continues or forks its parent, and from where', () => {
        expect(parentWords({ runId: '3f2a1b2c-0000', checkpoint: 'after_fetch', mode: 'fork' })).toBe('forked from run 3f2a1b2c at checkpoint after_fetch');
        expect(parentWords({ runId: '3f2a1b2c-0000', checkpoint: 2, mode: 'continue' })).toBe('continues run 3f2a1b2c at checkpoint 2');
    });
});

describe('how the Runs view words a task', () => {
    it('gives a task that ran its duration, attempts, agent and result', () => {
        expect(taskDescription(task({ durationMs: 1_200, attempts: 2, agent: 'writer', result: 'hello' }))).toBe('1.2 s · 2 attempts · agent writer · hello');
    });

    it('marks a result kept by a resume or taken from the cache, without a duration it did not take', () => {
        expect(taskDescription(task({ durationMs: 0, attempts: 0, reused: { runId: 'r0' }, result: { n: 3 } }))).toBe('reused · {"n":3}');
        expect(taskDescription(task({ durationMs: 0, attempts: 0, fromCache: true, result: 1 }))).toBe('cached · 1');
    });

    it('gives a failed task its error, and a task that did not run why', () => {
        expect(taskDescription(task({ status: 'failed', durationMs: 300, error: { kind: 'exit_code', message: 'exit code 2', nonRetryable: false } })))
            .toBe('300 ms · exit code 2');
        expect(taskDescription(task({ status: 'upstream_failed', attempts: 0, reason: 'upstream task fetch failed' })))
            .toBe('not run: upstream failed · upstream task fetch failed');
    });

    it('shows what a shell task printed, not the object its result is', () => {
        expect(taskDescription(task({ durationMs: 20, result: { exitCode: 0, output: 'eu\n' } }))).toBe('20 ms · eu');
    });

    it('cuts a long result to one short line', () => {
        expect(preview('a\n'.repeat(40), 10)).toBe('a a a a a…');
    });
});

describe('how the Checkpoints view names a checkpoint', () => {
    it('by its names, else by the task whose end made it; 0 is the start', () => {
        expect(checkpointLabel({ id: 3, task: 'publish' }, ['shipped'])).toBe('3 · shipped');
        expect(checkpointLabel({ id: 3, task: 'publish' })).toBe('3 · after publish');
        expect(checkpointLabel({ id: 0 })).toBe('0 · start');
    });
});

describe('the plan preview of Resume from Checkpoint', () => {
    it('counts what keeps and what runs, lists the changed parameters, then each task and why', () => {
        const words = resumePlanWords('Report', '3 · after publish', [
            { task: 'fetch', keep: true, why: 'unchanged: keeps its result' },
            { task: 'summarize', keep: false, why: 'changed parameter region' }
        ], changedParameters({ region: 'eu', depth: 2 }, { region: 'us', depth: 2 }));
        expect(words.message).toBe('Resume Report from checkpoint 3 · after publish? 1 task keeps its result, 1 runs again.');
        expect(words.detail.split('\n')).toEqual([
            'Parameters changed:', '  region: eu → us', '',
            '✓ keep  fetch — unchanged: keeps its result',
            '↻ run   summarize — changed parameter region'
        ]);
    });

    it('says so when the parameters are the run\'s own', () => {
        expect(resumePlanWords('Report', '1 · after fetch', [], []).detail).toMatch(/^Parameters: as the run had them\./);
    });
});
