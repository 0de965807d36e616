/**
 * Compensation of completed tasks when a run fails (reverse completion order), and
 * cancellation (running attempts aborted, nothing new starts, the run ends cancelled).
 */
import type { RunnerDef } from '@flow/model';
import { describe, expect, test } from 'vitest';
import { fail, hang, ofType, ok, runScripted, startScripted, startOrder, task, workflow } from '../harness.js';

const undo = (task: string): { task: string; run: RunnerDef } => ({ task, run: { kind: 'shell', command: `undo ${task}` } });

describe('compensation', () => {
    // `first` completes at 100 ms, `second` at 200 ms, `third` at 300 ms; `bad` fails at 400 ms.
    const timed = { first: ok(1, 100), second: ok(2, 200), third: ok(3, 300), bad: fail('boom', 400, { nonRetryable: true }) };
    const model = (compensate = [undo('first'), undo('second'), undo('third')]) => workflow(
        [task('second'), task('first'), task('third'), task('bad'), task('never', { after: ['bad'] })],
        { onFailure: { compensate, notify: [] } }
    );

    test('on failure, completed tasks are compensated one at a time in reverse order of completion', async () => {
        const { events, dispatcher } = await runScripted(model(), timed);
        expect(ofType(events, 'compensation.started').map(event => event.task)).toEqual(['third', 'second', 'first']);
        expect(dispatcher.requests.filter(request => request.purpose === 'compensation').map(request => request.runner))
            .toEqual([{ kind: 'shell', command: 'undo third' }, { kind: 'shell', command: 'undo second' }, { kind: 'shell', command: 'undo first' }]);
    });

    test('each compensation starts after the previous one ended, and the run fails after the last', async () => {
        const { events } = await runScripted(model(), { ...timed, 'undo:third': ok(null, 50), 'undo:second': ok(null, 50) });
        const sequence = events.filter(event => event.type.startsWith('compensation.') || event.type === 'run.failed')
            .map(event => `${event.type}${'task' in event ? ` ${event.task}` : ''} @${event.time - events[0].time}`);
        expect(sequence).toEqual([
            'compensation.started third @400', 'compensation.completed third @450',
            'compensation.started second @450', 'compensation.completed second @500',
            'compensation.started first @500', 'compensation.completed first @500', 'run.failed @500'
        ]);
    });

    test('a compensation that fails is reported, and the others still run', async () => {
        const { events } = await runScripted(model(), { ...timed, 'undo:third': fail('boom') });
        expect(ofType(events, 'compensation.completed').map(event => [event.task, event.ok])).toEqual([['third', false], ['second', true], ['first', true]]);
    });

    test("only completed tasks that have a compensation are compensated, including by their type's rollback runner", async () => {
        const rollback: RunnerDef = { kind: 'shell', command: 'git revert' };
        const withType = workflow([task('deploy', { type: 'release' }), task('plain'), task('bad', { after: ['deploy', 'plain'] })], {
            types: { release: { name: 'release', builtin: false, requires: [], checks: [], parameters: {}, tools: [], permissions: [], rollback } }
        });
        const { dispatcher } = await runScripted(withType, { bad: fail('boom', 0, { nonRetryable: true }) });
        expect(dispatcher.requests.filter(request => request.purpose === 'compensation').map(request => [request.task, request.runner]))
            .toEqual([['deploy', rollback]]);
    });

    test('a run that completes or is cancelled is not compensated', async () => {
        const completed = await runScripted(model());
        expect(ofType(completed.events, 'compensation.started')).toEqual([]);

        const run = startScripted(model(), { first: ok(1), bad: hang });
        await run.clock.advance(10);
        run.handle.cancel();
        await run.clock.runAll();
        expect(run.result?.status).toBe('cancelled');
        expect(ofType(run.events, 'compensation.started')).toEqual([]);
    });

    test('compensation can be turned off by the rollback policy', async () => {
        const off = { ...model(), policies: { ...model().policies, rollback: { checkpoints: true, atomic: false, compensation: false } } };
        const { events } = await runScripted(off, timed);
        expect(ofType(events, 'compensation.started')).toEqual([]);
    });
});

describe('cancellation', () => {
    const model = workflow([task('running'), task('next', { after: ['running'] }), task('done')]);

    test('cancel aborts running attempts, starts nothing new, and ends the run cancelled', async () => {
        const run = startScripted(model, { running: hang });
        await run.clock.advance(1000);
        run.handle.cancel('the user pressed Ctrl-C');
        await run.clock.runAll();
        expect(run.dispatcher.aborted).toEqual([run.dispatcher.attempts[0].attemptId]);
        expect(startOrder(run.events)).toEqual(['running', 'done']);
        expect(run.result).toMatchObject({ status: 'cancelled', reason: 'the user pressed Ctrl-C' });
        expect(run.result!.tasks.map(summary => [summary.id, summary.status])).toEqual([['running', 'cancelled'], ['next', 'cancelled'], ['done', 'completed']]);
        expect(ofType(run.events, 'run.cancelled')).toMatchObject([{ reason: 'the user pressed Ctrl-C', durationMs: 1000 }]);
    });

    test('an aborted signal cancels the run too', async () => {
        const controller = new AbortController();
        const run = startScripted(model, { running: hang }, { signal: controller.signal });
        await run.clock.advance(10);
        controller.abort(new Error('shutting down'));
        await run.clock.runAll();
        expect(run.result).toMatchObject({ status: 'cancelled', reason: 'shutting down' });
    });

    test('a task waiting to retry is cancelled without another attempt', async () => {
        const retrying = workflow([task('flaky', { retry: { attempts: 3, baseMs: 60_000 } })]);
        const run = startScripted(retrying, { flaky: fail('timeout') });
        await run.clock.advance(1000);
        run.handle.cancel();
        await run.clock.runAll();
        expect(run.dispatcher.attempts).toHaveLength(1);
        expect(run.result?.tasks[0]).toMatchObject({ status: 'cancelled', attempts: 1 });
    });

    test('an attempt that ignores the abort is treated as stopped after the grace period', async () => {
        const stubborn = workflow([task('stubborn')]);
        // Unlike the scripted dispatcher, this one never settles, whatever the signal says.
        const deaf = { execute: () => new Promise<never>(() => {}) };
        const run = startScripted(stubborn, {}, { abortGraceMs: 5000, dispatcher: deaf });
        await run.clock.advance(10);
        run.handle.cancel();
        await run.clock.advance(4999);
        expect(run.result).toBeUndefined();
        await run.clock.advance(1);
        expect(run.result?.status).toBe('cancelled');
    });
});
