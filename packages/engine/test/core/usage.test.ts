/**
 * What a runner measured of an attempt's processes travels in the event that ends the attempt:
 * `task.attempt_failed` for a failed one, `task.completed` (a task) or `batch.progress` (a batch
 * item) for the one that succeeded.
 */
import { describe, expect, test } from 'vitest';
import { VirtualClock } from '../../src/clock.js';
import type { AttemptOutcome, AttemptRequest } from '../../src/protocol.js';
import { fail, ofType, ok, runScripted, ScriptedDispatcher, task, workflow, type Script } from '../harness.js';

/** Plays the script and reports, for each attempt, a CPU time that tells attempts and items apart. */
class MeasuringDispatcher extends ScriptedDispatcher {
    override async execute(request: AttemptRequest, signal: AbortSignal): Promise<AttemptOutcome> {
        const outcome = await super.execute(request, signal);
        return { ...outcome, usage: { cpuMs: 100 * request.attempt + (request.item?.index ?? 0), wallMs: 500 } };
    }
}

function runMeasured(tasks: Parameters<typeof workflow>[0], script: Script) {
    const clock = new VirtualClock();
    return runScripted(workflow(tasks), script, { clock, dispatcher: new MeasuringDispatcher(clock, script) });
}

describe('process usage in events', () => {
    test('a failed attempt carries its usage, and task.completed the usage of the attempt that completed it', async () => {
        const { events } = await runMeasured([task('build', { retry: { attempts: 2, on: ['flaky'] } })], { build: [fail('flaky'), ok()] });
        expect(ofType(events, 'task.attempt_failed').map(event => event.usage)).toEqual([{ cpuMs: 100, wallMs: 500 }]);
        expect(ofType(events, 'task.completed')[0].usage).toEqual({ cpuMs: 200, wallMs: 500 });
    });

    test("a batch item's successful attempt reports in batch.progress; the batch's task.completed has no usage of its own", async () => {
        const batch = task('quarterly', { kind: 'batch', batch: { items: ['q1', 'q2'], concurrency: 1, aggregate: 'list', onFailure: 'continue' } });
        const { events } = await runMeasured([batch], {});
        expect(ofType(events, 'batch.progress').map(event => event.usage)).toEqual([{ cpuMs: 100, wallMs: 500 }, { cpuMs: 101, wallMs: 500 }]);
        expect(ofType(events, 'task.completed')[0].usage).toBeUndefined();
    });
});
