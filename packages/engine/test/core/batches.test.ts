/**
 * Batches: one task template over items, with bounded concurrency, aggregated results, progress
 * per item, and `continue` or `stop` on an item's failure.
 */
import type { BatchDef, Json, TaskDef } from '@flow/model';
import { describe, expect, test } from 'vitest';
import type { RunResult, TaskSummary } from '../../src/protocol.js';
import { fail, hang, ofType, ok, runScripted, startOrder, startTimes, task, workflow, type Script, type TaskSpec } from '../harness.js';

function batch(items: Json[], config: Partial<BatchDef> = {}, spec: TaskSpec = {}): TaskDef {
    return task('quarterly', {
        kind: 'batch', ...spec,
        batch: { items, concurrency: 2, aggregate: 'list', onFailure: 'continue', ...config }
    });
}

const run = (tasks: TaskDef[], script: Script = {}) => runScripted(workflow(tasks), script);
const summaryOf = (result: RunResult, id = 'quarterly'): TaskSummary => result.tasks.find(summary => summary.id === id)!;

describe('running the items', () => {
    test('at most `concurrency` items run at once', async () => {
        const { events } = await run([batch(['q1', 'q2', 'q3', 'q4'])], { quarterly: ok(null, 1000) });
        expect(startTimes(events, 'quarterly')).toEqual([0, 0, 1000, 1000]);
    });

    test('each attempt gets its item and index', async () => {
        const { dispatcher } = await run([batch([{ id: 'q1' }, { id: 'q2' }])]);
        expect(dispatcher.attempts.map(request => request.item)).toEqual([{ index: 0, value: { id: 'q1' } }, { index: 1, value: { id: 'q2' } }]);
    });

    test('progress is reported per item', async () => {
        const { events } = await run([batch(['a', 'b', 'c'], { concurrency: 1 })], { 'quarterly[1]': fail('boom') });
        expect(ofType(events, 'batch.progress').map(({ item, ok: passed, done, failed, total }) => ({ item, ok: passed, done, failed, total }))).toEqual([
            { item: 0, ok: true, done: 1, failed: 0, total: 3 },
            { item: 1, ok: false, done: 2, failed: 1, total: 3 },
            { item: 2, ok: true, done: 3, failed: 1, total: 3 }
        ]);
    });

    test('a failed item is retried on its own', async () => {
        const { events, result } = await run([batch(['a', 'b', 'c'], {}, { retry: { attempts: 2, baseMs: 10 } })],
            { 'quarterly[1]': [fail('timeout'), ok('b2')] });
        expect(startOrder(events)).toEqual(['quarterly[0]', 'quarterly[1]', 'quarterly[2]', 'quarterly[1]']);
        expect(summaryOf(result)).toMatchObject({ status: 'completed', attempts: 4, result: [null, 'b2', null] });
    });

    test('a batch without items completes at once with an empty list', async () => {
        const { result, dispatcher } = await run([batch([])]);
        expect(summaryOf(result)).toMatchObject({ status: 'completed', result: [] });
        expect(dispatcher.attempts).toEqual([]);
    });
});

test('a batch concurrency below 1 is refused before anything runs', async () => {
    await expect(run([batch(['a'], { concurrency: 0 })])).rejects.toThrow('Batch quarterly has concurrency 0: give it at least 1.');
});

describe('aggregation', () => {
    // Later items finish first, so the order of results is the items', not the finishing order.
    const script: Script = { 'quarterly[0]': ok({ q1: 10 }, 300), 'quarterly[1]': ok({ q2: 20 }, 200), 'quarterly[2]': ok({ q3: 30 }, 100) };
    const items = ['q1', 'q2', 'q3'];

    test('list: the results in item order', async () => {
        const { result } = await run([batch(items, { concurrency: 3 })], script);
        expect(summaryOf(result).result).toEqual([{ q1: 10 }, { q2: 20 }, { q3: 30 }]);
    });

    test('merge: the results merged into one object', async () => {
        const { result } = await run([batch(items, { concurrency: 3, aggregate: 'merge' })], script);
        expect(summaryOf(result).result).toEqual({ q1: 10, q2: 20, q3: 30 });
    });

    test('none: no result', async () => {
        const { result } = await run([batch(items, { concurrency: 3, aggregate: 'none' })], script);
        expect(summaryOf(result).result).toBeNull();
    });
});

describe('on failure', () => {
    test('continue: the other items still run; the batch completes with null for the failed item and counts it', async () => {
        const { result } = await run([batch(['a', 'b', 'c'])], { 'quarterly[0]': ok('A'), 'quarterly[1]': fail('boom'), 'quarterly[2]': ok('C') });
        expect(summaryOf(result)).toMatchObject({ status: 'completed', result: ['A', null, 'C'], items: { total: 3, failed: 1, cancelled: 0 } });
    });

    test('continue: when every item failed, the batch fails', async () => {
        const { result } = await run([batch(['a', 'b'])], { quarterly: fail('boom', 0, { message: 'no data' }) });
        expect(summaryOf(result)).toMatchObject({ status: 'failed', items: { total: 2, failed: 2 }, error: { message: 'all 2 items failed; item 0: no data' } });
    });

    test('stop: running items are aborted, no more start, and the batch fails', async () => {
        const { events, dispatcher, result } = await run(
            [batch(['a', 'b', 'c', 'd'], { onFailure: 'stop' }), task('report', { after: ['quarterly'] })],
            { 'quarterly[0]': fail('boom', 100, { message: 'bad rows' }), 'quarterly[1]': hang }
        );
        expect(startOrder(events)).toEqual(['quarterly[0]', 'quarterly[1]']);
        expect(dispatcher.aborted).toEqual([dispatcher.attempts[1].attemptId]);
        expect(summaryOf(result)).toMatchObject({ status: 'failed', error: { message: 'item 0: bad rows' }, items: { total: 4, failed: 4, cancelled: 3 } });
        expect(summaryOf(result, 'report').status).toBe('upstream_failed');
    });
});
