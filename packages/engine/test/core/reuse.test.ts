/**
 * Fingerprints and reuse: what a resume keeps. A task keeps an earlier run's result when its
 * definition, the parameters it sees and its upstream outcomes are unchanged; the engine
 * computes the same fingerprint at run time that `runFingerprints` computes from a finished run.
 */
import type { Json, WorkflowModel } from '@flow/model';
import { describe, expect, test } from 'vitest';
import type { ReuseSource } from '../../src/core.js';
import { paramsSeenBy, runFingerprints } from '../../src/fingerprint.js';
import type { RunResult } from '../../src/protocol.js';
import { MemoryResultCache } from '../../src/cache.js';
import { VirtualClock } from '../../src/clock.js';
import { agent, agentTask, ofType, ok, runScripted, task, workflow, type Script } from '../harness.js';

const params = [
    { name: 'region', type: { kind: 'string' as const }, default: 'eu' },
    { name: 'depth', type: { kind: 'string' as const }, default: 'basic' }
];

// extract sees region; transform sees depth; load sees neither; all three in a chain.
function pipeline(transformCommand = 'transform --depth {{param.depth}}'): WorkflowModel {
    return workflow([
        task('extract', { run: { kind: 'shell', command: 'extract {{param.region}}' } }),
        task('transform', { after: ['extract'], run: { kind: 'shell', command: transformCommand } }),
        task('load', { after: ['transform'], run: { kind: 'shell', command: 'load' } })
    ], { params });
}

const script: Script = { extract: ok({ rows: 3 }), transform: ok({ rows: 3, clean: true }), load: ok('done') };

/** What a resume of `result` would pass the engine: every completed task under its fingerprint. */
function reuseOf(model: WorkflowModel, runParams: Record<string, Json>, result: RunResult): ReuseSource {
    const outcomes = Object.fromEntries(result.tasks.map(summary => [summary.id, { status: summary.status, result: summary.result }]));
    const keys = runFingerprints(model, runParams, outcomes);
    const results: ReuseSource['results'] = {};
    for (const summary of result.tasks) {
        if (summary.status === 'completed') results[summary.id] = { key: keys[summary.id], result: summary.result ?? null };
    }
    return { from: { runId: result.runId, checkpoint: 'end' }, results };
}

async function resume(first: { model: WorkflowModel; params?: Record<string, Json>; script?: Script },
    second: { model: WorkflowModel; params?: Record<string, Json>; script?: Script }) {
    const firstParams = { region: 'eu', depth: 'basic', ...first.params };
    const original = await runScripted(first.model, first.script ?? script, { params: firstParams });
    const reuse = reuseOf(first.model, firstParams, original.result);
    return runScripted(second.model, second.script ?? script, { params: { region: 'eu', depth: 'basic', ...second.params }, reuse });
}

describe('reuse', () => {
    test('an unchanged run keeps every result: no attempt, an event and a mark for each task', async () => {
        const { events, dispatcher, result } = await resume({ model: pipeline() }, { model: pipeline() });
        expect(dispatcher.attempts).toEqual([]);
        expect(ofType(events, 'task.reused').map(event => event.task)).toEqual(['extract', 'transform', 'load']);
        expect(ofType(events, 'task.completed').every(event => event.reused?.checkpoint === 'end')).toBe(true);
        expect(result.tasks.map(summary => [summary.id, summary.reused, summary.result])).toEqual([
            ['extract', true, { rows: 3 }], ['transform', true, { rows: 3, clean: true }], ['load', true, 'done']
        ]);
    });

    test('a changed parameter re-runs the tasks that see it; downstream re-runs only if the result changed', async () => {
        const same = await resume({ model: pipeline() }, { model: pipeline(), params: { depth: 'full' } });
        expect(same.dispatcher.attempts.map(request => request.task)).toEqual(['transform']);

        const changed = await resume({ model: pipeline() }, {
            model: pipeline(), params: { depth: 'full' }, script: { ...script, transform: ok({ rows: 2, clean: true }) }
        });
        expect(changed.dispatcher.attempts.map(request => request.task)).toEqual(['transform', 'load']);
    });

    test('a task that sees a changed parameter re-runs; when its result comes out the same, its downstream tasks keep theirs', async () => {
        const { dispatcher } = await resume({ model: pipeline() }, { model: pipeline(), params: { region: 'us' } });
        expect(dispatcher.attempts.map(request => request.task)).toEqual(['extract']);
    });

    test('a changed definition re-runs the task', async () => {
        const { dispatcher } = await resume({ model: pipeline() }, { model: pipeline('transform --depth {{param.depth}} --strict') });
        expect(dispatcher.attempts.map(request => request.task)).toEqual(['transform']);
    });

    test('a changed agent command re-runs the tasks that agent may run', async () => {
        const withAgent = (command: string) => workflow([agentTask('gather', ['web'])], { params, agents: [agent('crawler', ['web'], { run: { kind: 'shell', command } })] });
        const { dispatcher } = await resume({ model: withAgent('crawl'), script: { gather: ok(1) } }, { model: withAgent('crawl --deep'), script: { gather: ok(1) } });
        expect(dispatcher.attempts.map(request => request.task)).toEqual(['gather']);
    });
});

describe('the parameters a task sees', () => {
    test('are those its runner, its agents\' runners and its condition name; a node module sees all', () => {
        expect(paramsSeenBy(task('a', { run: { kind: 'shell', command: 'x {{param.region}} {{ param.depth }}' } }), [{ kind: 'shell', command: 'x {{param.region}} {{ param.depth }}' }]))
            .toEqual(['depth', 'region']);
        expect(paramsSeenBy(task('a'), [{ kind: 'node', module: './a.mjs' }])).toBeUndefined();
    });

    test('and no others reach its runner', async () => {
        const { dispatcher } = await runScripted(pipeline(), script, { params: { region: 'eu', depth: 'basic' } });
        expect(dispatcher.attempts.map(request => [request.task, request.params])).toEqual([
            ['extract', { region: 'eu' }], ['transform', { depth: 'basic' }], ['load', {}]
        ]);
    });
});

describe('a task that reads an upstream task further up', () => {
    // report reads extract's result, though it waits only for transform (as after phase order).
    function reading(): WorkflowModel {
        return workflow([
            task('extract', { run: { kind: 'shell', command: 'extract {{param.region}}' } }),
            task('transform', { after: ['extract'], run: { kind: 'shell', command: 'transform' } }),
            task('report', { after: ['transform'], run: { kind: 'shell', command: 'report {{extract.result.rows}}' } })
        ], { params });
    }

    test('runs again when that result changed, though its direct upstream came out the same', async () => {
        const { dispatcher } = await resume({ model: reading() }, {
            model: reading(), params: { region: 'us' }, script: { ...script, extract: ok({ rows: 9 }), report: ok('done') }
        });
        // transform ran again (extract changed) with the same result; report reads extract too.
        expect(dispatcher.attempts.map(request => request.task)).toEqual(['extract', 'transform', 'report']);
    });

    test('keeps its result when that result came out the same', async () => {
        const { dispatcher } = await resume({ model: reading() }, { model: reading(), params: { region: 'us' } });
        expect(dispatcher.attempts.map(request => request.task)).toEqual(['extract']);
    });
});

describe('a resume and the result cache', () => {
    test('stores nothing for tasks that are not cacheable, though it computes their keys', async () => {
        const clock = new VirtualClock();
        const cache = new MemoryResultCache({ clock });
        const first = await runScripted(pipeline(), script, { params: { region: 'eu', depth: 'basic' }, clock, cache });
        const reuse = reuseOf(pipeline(), { region: 'eu', depth: 'basic' }, first.result);
        await runScripted(pipeline(), script, { params: { region: 'eu', depth: 'full' }, reuse, clock, cache });
        expect(cache.size).toBe(0);
    });
});
