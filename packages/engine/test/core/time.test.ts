/**
 * Timing rules on the virtual clock: attempt timeouts, the workflow timeout, deadlines, SLAs and
 * start times. Every time asserted is exact.
 */
import { describe, expect, test } from 'vitest';
import { VirtualClock } from '../../src/clock.js';
import { hang, ofType, ok, runScripted, startScripted, startTimes, task, workflow } from '../harness.js';

const START = Date.UTC(2024, 0, 1);
const at = (ms: number) => new Date(START + ms).toISOString();
const sinceStart = (time: number) => time - START;

describe('task timeouts', () => {
    test('an attempt that runs past its timeout is aborted and fails with kind timeout, which is retried', async () => {
        const model = workflow([task('slow', { timeoutMs: 1000, retry: { attempts: 2, backoff: 'fixed', baseMs: 500 } })]);
        const { events, dispatcher, result } = await runScripted(model, { slow: [hang, ok('done', 100)] });
        expect(ofType(events, 'task.timed_out')).toMatchObject([{ task: 'slow', attempt: 1, timeoutMs: 1000 }]);
        expect(sinceStart(ofType(events, 'task.timed_out')[0].time)).toBe(1000);
        expect(dispatcher.aborted).toEqual([dispatcher.attempts[0].attemptId]);
        expect(ofType(events, 'task.attempt_failed')[0].error).toMatchObject({ kind: 'timeout', nonRetryable: false });
        expect(startTimes(events, 'slow')).toEqual([0, 1500]);
        expect(result.tasks[0]).toMatchObject({ status: 'completed', attempts: 2, result: 'done' });
    });

    test('without retries left, a timed-out task fails with kind timeout', async () => {
        const model = workflow([task('slow', { timeoutMs: 1000 })]);
        const { result } = await runScripted(model, { slow: hang });
        expect(result.tasks[0]).toMatchObject({ status: 'failed', error: { kind: 'timeout' }, durationMs: 1000 });
    });

    test('an attempt that ends before its timeout is not touched', async () => {
        const model = workflow([task('quick', { timeoutMs: 1000 })]);
        const { events, dispatcher } = await runScripted(model, { quick: ok(null, 999) });
        expect(ofType(events, 'task.timed_out')).toEqual([]);
        expect(dispatcher.aborted).toEqual([]);
    });
});

describe('the workflow timeout', () => {
    test('fails the run: running attempts are aborted and the tasks not started are cancelled', async () => {
        const model = workflow([task('long'), task('next', { after: ['long'] }), task('also')], { policies: { timeoutMs: 5000 } });
        const { events, dispatcher, result } = await runScripted(model, { long: hang, also: hang });
        expect(dispatcher.aborted).toHaveLength(2);
        expect(result).toMatchObject({ status: 'failed', reason: 'the workflow timed out after 5000 ms', durationMs: 5000 });
        expect(result.tasks.map(summary => [summary.id, summary.status])).toEqual([['long', 'cancelled'], ['next', 'cancelled'], ['also', 'cancelled']]);
        expect(ofType(events, 'run.failed')).toMatchObject([{ reason: 'the workflow timed out after 5000 ms' }]);
    });

    test("the run's own timeout overrides the workflow's", async () => {
        const model = workflow([task('long')], { policies: { timeoutMs: 5000 } });
        const { result } = await runScripted(model, { long: hang }, { timeoutMs: 200 });
        expect(result).toMatchObject({ status: 'failed', durationMs: 200 });
    });
});

describe('deadlines and SLAs', () => {
    test('a task still running at its deadline gets one deadline.missed, at the deadline', async () => {
        const model = workflow([task('late', { deadline: at(1000) })]);
        const { events } = await runScripted(model, { late: ok(null, 3000) });
        const missed = ofType(events, 'deadline.missed');
        expect(missed).toMatchObject([{ task: 'late', deadline: at(1000) }]);
        expect(sinceStart(missed[0].time)).toBe(1000);
    });

    test('a task that completes before its deadline misses nothing', async () => {
        const model = workflow([task('early', { deadline: at(1000) }), task('other')]);
        const { events } = await runScripted(model, { early: ok(null, 999), other: ok(null, 2000) });
        expect(ofType(events, 'deadline.missed')).toEqual([]);
    });

    test("a task not finished within its level's SLA of the run's start gets sla.missed", async () => {
        const levels = {
            urgent: { weight: 1000, slaMs: 500 }, high: { weight: 100, slaMs: 2000 },
            normal: { weight: 10, slaMs: 2000 }, low: { weight: 1, slaMs: 2000 }
        };
        const model = workflow([task('hot', { priority: 'urgent' }), task('cool', { priority: 'normal' })], { policies: { scheduling: { levels } } });
        const { events } = await runScripted(model, { hot: ok(null, 1000), cool: ok(null, 1000) });
        const missed = ofType(events, 'sla.missed');
        expect(missed).toMatchObject([{ task: 'hot', level: 'urgent', slaMs: 500 }]);
        expect(sinceStart(missed[0].time)).toBe(500);
    });
});

describe('start times', () => {
    test('a task with a start time waits for it, then starts at once', async () => {
        const model = workflow([task('scheduled', { startAt: at(60_000) }), task('now')]);
        const { events } = await runScripted(model);
        expect(startTimes(events, 'now')).toEqual([0]);
        expect(startTimes(events, 'scheduled')).toEqual([60_000]);
    });

    test('a start time in the past does not delay the task', async () => {
        const model = workflow([task('overdue', { startAt: at(-60_000) })]);
        const { events } = await runScripted(model);
        expect(startTimes(events, 'overdue')).toEqual([0]);
    });

    test('a task waiting for its start time is cancelled with the run', async () => {
        const model = workflow([task('scheduled', { startAt: at(60_000) })]);
        const run = startScripted(model);
        await run.clock.advance(1000);
        run.handle.cancel('stop');
        await run.clock.runAll();
        expect(run.result).toMatchObject({ status: 'cancelled', tasks: [{ id: 'scheduled', status: 'cancelled', attempts: 0 }] });
    });
});

describe('the virtual clock', () => {
    test('fires due timers in order of due time, ties in the order they were set, and skips cleared ones', async () => {
        const clock = new VirtualClock(0);
        const fired: string[] = [];
        clock.setTimeout(() => fired.push('late'), 30);
        clock.setTimeout(() => fired.push('tie-1'), 10);
        const cleared = clock.setTimeout(() => fired.push('cleared'), 5);
        clock.setTimeout(() => fired.push('tie-2'), 10);
        clock.clearTimeout(cleared);
        await clock.advance(10);
        expect(fired).toEqual(['tie-1', 'tie-2']);
        expect([clock.now(), clock.pendingTimers]).toEqual([10, 1]);
        await clock.increment(20);
        expect(fired).toEqual(['tie-1', 'tie-2', 'late']);
    });

    test('a timer set by a firing timer fires in the same advance when it is due', async () => {
        const clock = new VirtualClock(0);
        const times: number[] = [];
        clock.setTimeout(() => clock.setTimeout(() => times.push(clock.now()), 5), 5);
        await clock.advance(10);
        expect(times).toEqual([10]);
    });
});
