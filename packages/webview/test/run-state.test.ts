import { describe, expect, it } from 'vitest';
import { applyEvents, initialRunView, runningTasks } from '../src/progress/run-state.js';
import { events } from './fixtures.js';

const failure = { kind: 'exit_code', message: 'exit code 2', nonRetryable: false, exitCode: 2 };

function view(...taskIds: string[]) {
    return initialRunView('run-1', 'Test', taskIds);
}

describe('the run view folded from events', () => {
    it('starts every task pending, with no percentage until the engine sends one', () => {
        const run = view('a');
        expect(run.tasks.a.status).toBe('pending');
        expect(run.percent).toBeUndefined();
    });

    it('takes the percentage, phase and done/total from the engine\'s progress events only', () => {
        const run = applyEvents(view('a', 'b'), events(
            { type: 'task.ready', task: 'a', score: 12 },
            { type: 'task.started', task: 'a', attempt: 1, runner: 'shell', demo: false },
            { type: 'task.completed', task: 'a', result: null, attempts: 1, durationMs: 5, fromCache: false },
            { type: 'progress', percent: 50, phase: 'build', done: 1, total: 2, running: 0, completed: 1, failed: 0, skipped: 0 }));
        expect([run.percent, run.phase, run.done, run.total]).toEqual([50, 'build', 1, 2]);
    });

    it('moves a task from queued to running to completed, keeping its agent, duration, result and log', () => {
        const all = events(
            { type: 'task.ready', task: 'a', score: 12 },
            { type: 'task.started', task: 'a', attempt: 1, agent: 'builder', runner: 'shell', demo: false },
            { type: 'task.completed', task: 'a', result: { rows: 3 }, attempts: 1, durationMs: 1500, agent: 'builder', fromCache: false, logFile: '/logs/a.attempt1.log' });
        const run = applyEvents(view('a'), all.slice(0, 1));
        expect(run.tasks.a.status).toBe('ready');
        applyEvents(run, all.slice(1, 2));
        expect(runningTasks(run)).toEqual(['a']);
        applyEvents(run, all.slice(2));
        expect(run.tasks.a).toMatchObject({
            status: 'completed', agent: 'builder', durationMs: 1500, resultPreview: '{\n  "rows": 3\n}',
            ended: [{ attempt: 1, ok: true, logFile: '/logs/a.attempt1.log' }]
        });
        expect(runningTasks(run)).toEqual([]);
    });

    it('keeps a failed attempt\'s error and log, and the retry it waits for', () => {
        const run = applyEvents(view('a'), events(
            { type: 'task.started', task: 'a', attempt: 1, runner: 'shell', demo: false },
            { type: 'task.attempt_failed', task: 'a', attempt: 1, error: failure, logFile: '/logs/a.attempt1.log' },
            { type: 'task.retry_scheduled', task: 'a', nextAttempt: 2, delayMs: 2000, kind: 'exit_code' }));
        expect(run.tasks.a).toMatchObject({
            status: 'running', error: { kind: 'exit_code', message: 'exit code 2' },
            retry: { nextAttempt: 2, delayMs: 2000 }, ended: [{ attempt: 1, ok: false, logFile: '/logs/a.attempt1.log' }]
        });
    });

    it('gives a task that did not run the status the engine names, with its reason', () => {
        const run = applyEvents(view('a', 'b'), events(
            { type: 'task.failed', task: 'a', error: failure, attempts: 1, durationMs: 3, escalated: false },
            { type: 'task.skipped', task: 'b', status: 'upstream_failed', reason: 'a failed' }));
        expect(run.tasks.a.status).toBe('failed');
        expect(run.tasks.b).toMatchObject({ status: 'upstream_failed', reason: 'a failed' });
    });

    it('ends the run with the status and reason of its last event', () => {
        const run = applyEvents(view('a'), events({ type: 'run.failed', durationMs: 900, reason: '1 task failed', failedTasks: ['a'] }));
        expect(run).toMatchObject({ status: 'failed', reason: '1 task failed', durationMs: 900 });
    });

    it('ignores events it has already folded, so a panel that reopens can be sent them all again', () => {
        const all = events(
            { type: 'task.started', task: 'a', attempt: 1, runner: 'shell', demo: false },
            { type: 'task.attempt_failed', task: 'a', attempt: 1, error: failure });
        const run = applyEvents(view('a'), all);
        applyEvents(run, all);
        expect(run.tasks.a.ended).toHaveLength(1);
    });

    it('ignores events of another run', () => {
        const run = applyEvents(view('a'), events({ type: 'task.ready', task: 'a', score: 12 }).map(event => ({ ...event, runId: 'run-2' })));
        expect(run.tasks.a.status).toBe('pending');
    });

    it('cuts a long result to a preview', () => {
        const run = applyEvents(view('a'), events({ type: 'task.completed', task: 'a', result: 'x'.repeat(10_000), attempts: 1, durationMs: 1, fromCache: false }));
        expect(run.tasks.a.resultPreview!.length).toBeLessThan(2_100);
        expect(run.tasks.a.resultPreview!.endsWith('…')).toBe(true);
    });

    it('is plain data: restored from its saved JSON, it goes on folding as the original does', () => {
        const first = events(
            { type: 'task.started', task: 'a', attempt: 1, runner: 'shell', demo: false },
            { type: 'task.attempt_failed', task: 'a', attempt: 1, error: failure });
        const later = events(
            { type: 'task.started', task: 'a', attempt: 1, runner: 'shell', demo: false },
            { type: 'task.attempt_failed', task: 'a', attempt: 1, error: failure },
            { type: 'task.started', task: 'a', attempt: 2, runner: 'shell', demo: false },
            { type: 'task.completed', task: 'a', result: 1, attempts: 2, durationMs: 10, fromCache: false }).slice(2);
        const original = applyEvents(view('a'), first);
        const restored = JSON.parse(JSON.stringify(original));
        expect(applyEvents(restored, later)).toEqual(applyEvents(original, later));
    });
});
