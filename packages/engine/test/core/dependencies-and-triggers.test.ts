/**
 * Dependencies (explicit edges, pools), conditions on upstream results, and what each trigger
 * rule does when an upstream task was skipped or failed.
 */
import { deriveDependencies, type TaskDef, type TriggerRule } from '@flow/model';
import { describe, expect, test } from 'vitest';
import { CoreDriver, expr, fail, ofType, ok, runScripted, skipWhen, task, when, workflow } from '../harness.js';

const never = when(expr.literal(false), 'false');

describe('dependencies', () => {
    test('a task waits for the task it comes after', () => {
        const core = new CoreDriver(workflow([task('a'), task('b', { after: ['a'] })]));
        core.start();
        expect(core.isRunning('a')).toBe(true);
        expect(core.isRunning('b')).toBe(false);
        core.succeed('a');
        expect(core.isRunning('b')).toBe(true);
    });

    test('tasks without edges between them run in parallel', () => {
        const core = new CoreDriver(workflow([task('a'), task('b')]));
        core.start();
        expect([...core.running.values()].map(request => request.task)).toEqual(['a', 'b']);
    });

    test('a task with two upstream tasks waits for both', () => {
        const core = new CoreDriver(workflow([task('a'), task('b'), task('c', { after: ['a', 'b'] })]));
        core.start();
        core.succeed('a');
        expect(core.isRunning('c')).toBe(false);
        core.succeed('b');
        expect(core.isRunning('c')).toBe(true);
    });

    test("an attempt sees its upstream tasks' outcomes by id, whatever the id", () => {
        const core = new CoreDriver(workflow([task('__proto__'), task('b', { after: ['__proto__'] })]));
        core.start();
        core.succeed('__proto__', 42);
        const upstream = core.attempt('b').upstream;
        expect(Object.hasOwn(upstream, '__proto__')).toBe(true);
        expect(upstream['__proto__']).toEqual({ status: 'completed', result: 42 });
    });

    test("a pool's concurrency bounds how many of its tasks run at once", () => {
        const inPool = (id: string): TaskDef => task(id, { pool: 'cpu' });
        const core = new CoreDriver(workflow([inPool('a'), inPool('b'), inPool('c'), task('free')], {
            pools: [{ name: 'cpu', concurrency: 2, types: [] }]
        }));
        core.start();
        expect([...core.running.values()].map(request => request.task).sort()).toEqual(['a', 'b', 'free']);
        core.succeed('a');
        expect(core.isRunning('c')).toBe(true);
    });

    test('sequential and parallel streams run as the edges the model derives for them', async () => {
        const layout = {
            tasks: ['s1', 's2', 'p1', 'p2', 'last'].map(id => ({ id, declaredDependencies: [] })),
            phases: [
                { name: 'build', mode: 'parallel' as const, after: [], elements: [
                    { kind: 'stream' as const, name: 'chain', mode: 'sequential' as const, tasks: ['s1', 's2'] },
                    { kind: 'stream' as const, name: 'fan', mode: 'parallel' as const, tasks: ['p1', 'p2'] }
                ] },
                { name: 'ship', mode: 'sequential' as const, after: ['build'], elements: [{ kind: 'task' as const, id: 'last' }] }
            ]
        };
        const edges = deriveDependencies(layout);
        const model = workflow(layout.tasks.map(({ id }) => ({ ...task(id), dependencies: edges.get(id)! })));
        const { events } = await runScripted(model, new Proxy({}, { get: () => ok(null, 1000) }));
        const started = Object.fromEntries(ofType(events, 'task.started').map(event => [event.task, event.time - events[0].time]));
        expect(started).toEqual({ s1: 0, p1: 0, p2: 0, s2: 1000, last: 2000 });
    });

    test('phases report when they start and finish, and whether all their tasks succeeded', async () => {
        const model = workflow([task('a', { phase: 'one' }), task('b', { phase: 'two', after: ['a'] }), task('c', { phase: 'two', after: ['a'] })], {
            phases: [
                { name: 'one', mode: 'parallel', after: [], streams: [], tasks: ['a'] },
                { name: 'two', mode: 'parallel', after: ['one'], streams: [], tasks: ['b', 'c'] }
            ]
        });
        const { events } = await runScripted(model, { c: fail('boom', 0, { nonRetryable: true }) });
        const phases = events.filter(event => event.type === 'phase.started' || event.type === 'phase.completed')
            .map(event => event.type === 'phase.completed' ? `${event.phase} done ok=${event.ok}` : `${(event as { phase: string }).phase} started`);
        expect(phases).toEqual(['one started', 'one done ok=true', 'two started', 'two done ok=false']);
    });
});

describe('what the engine refuses before anything runs', () => {
    test('maxParallel below 1', () => {
        expect(() => new CoreDriver(workflow([task('a')]), { maxParallel: 0 })).toThrow('maxParallel is 0: give at least 1, or leave it out for no limit.');
    });

    test('a dependency cycle, naming the tasks in it and what waits on them', () => {
        const model = workflow([task('a', { after: ['c'] }), task('b', { after: ['a'] }), task('c', { after: ['b'] }), task('d', { after: ['c'] }), task('free')]);
        expect(() => new CoreDriver(model)).toThrow(
            'Tasks a, b, c, d wait for each other in a cycle (or for a task in one), so none of them could ever start: remove one of the `after` edges between them.');
    });

    test('an upstream task the workflow does not declare', () => {
        expect(() => new CoreDriver(workflow([task('a', { after: ['ghost'] })]))).toThrow('Task a waits for ghost, which the workflow does not declare.');
    });
});

describe('conditions', () => {
    const gated = (condition = when(expr.binary('>', expr.result('a', 'size'), expr.literal(5)), 'a.result.size > 5')) =>
        workflow([task('a'), task('b', { after: ['a'], condition })]);

    test('a true `when` runs the task with its upstream result in view', () => {
        const core = new CoreDriver(gated());
        core.start();
        core.succeed('a', { size: 6 });
        expect(core.isRunning('b')).toBe(true);
    });

    test('a false `when` skips the task and says which condition', () => {
        const core = new CoreDriver(gated());
        core.start();
        core.succeed('a', { size: 5 });
        expect(core.isRunning('b')).toBe(false);
        expect(core.ofType('task.skipped')).toMatchObject([{ task: 'b', status: 'skipped', reason: 'condition `a.result.size > 5` is false' }]);
    });

    test('`skip when` skips on true and runs on false', () => {
        const condition = skipWhen(expr.binary('==', expr.result('a', 'mode'), expr.literal('dry')), 'a.result.mode == "dry"');
        const skipped = new CoreDriver(gated(condition));
        skipped.start();
        skipped.succeed('a', { mode: 'dry' });
        expect(skipped.ofType('task.skipped')).toMatchObject([{ task: 'b', reason: 'skip condition `a.result.mode == "dry"` is true' }]);

        const runs = new CoreDriver(gated(condition));
        runs.start();
        runs.succeed('a', { mode: 'real' });
        expect(runs.isRunning('b')).toBe(true);
    });
});

describe('trigger rules', () => {
    type Upstream = 'completed' | 'failed' | 'skipped';

    /** `down` waits for one upstream task per entry, each ending as given, under `trigger`. */
    function decide(trigger: TriggerRule, upstream: Upstream[]): CoreDriver {
        const ids = upstream.map((_, index) => `up${index}`);
        const tasks = [
            ...upstream.map((how, index) => task(ids[index], how === 'skipped' ? { condition: never } : {})),
            task('down', { after: ids, trigger })
        ];
        const core = new CoreDriver(workflow(tasks));
        core.start();
        upstream.forEach((how, index) => {
            if (how === 'completed') core.succeed(ids[index]);
            if (how === 'failed') core.fail(ids[index], 'boom', { nonRetryable: true });
        });
        return core;
    }

    const outcome = (core: CoreDriver): string => core.isRunning('down') ? 'runs' : core.statusOf('down') ?? 'waits';

    test.each<[TriggerRule, Upstream[], string]>([
        ['all_success', ['completed', 'completed'], 'runs'],
        ['all_success', ['completed', 'skipped'], 'skipped'],
        ['all_success', ['completed', 'failed'], 'upstream_failed'],
        ['none_failed', ['completed', 'skipped'], 'runs'],
        ['none_failed', ['skipped', 'skipped'], 'runs'],
        ['none_failed', ['completed', 'failed'], 'upstream_failed'],
        ['all_done', ['failed', 'skipped'], 'runs'],
        ['all_done', ['failed', 'failed'], 'runs'],
        ['one_success', ['failed', 'completed'], 'runs'],
        ['one_success', ['skipped', 'completed'], 'runs'],
        ['one_success', ['failed', 'skipped'], 'upstream_failed'],
        ['one_success', ['skipped', 'skipped'], 'skipped']
    ])('%s with upstream %j: the downstream task %s', (trigger, upstream, expected) => {
        expect(outcome(decide(trigger, upstream))).toBe(expected);
    });

    test('one_success starts as soon as one upstream task succeeds, without waiting for the others', () => {
        const core = new CoreDriver(workflow([task('a'), task('b'), task('down', { after: ['a', 'b'], trigger: 'one_success' })]));
        core.start();
        core.succeed('a');
        expect(core.isRunning('b')).toBe(true);
        expect(core.isRunning('down')).toBe(true);
    });

    test('all_success decides upstream_failed at the first failure, before the other upstream tasks finish', () => {
        const core = new CoreDriver(workflow([task('a'), task('b'), task('down', { after: ['a', 'b'] })]));
        core.start();
        core.fail('a', 'boom', { nonRetryable: true });
        expect(core.isRunning('b')).toBe(true);
        expect(core.ofType('task.skipped')).toMatchObject([{ task: 'down', status: 'upstream_failed', reason: 'upstream task a failed' }]);
    });

    test('a failure propagates down a chain as upstream_failed, each naming its own upstream', () => {
        const core = new CoreDriver(workflow([task('a'), task('b', { after: ['a'] }), task('c', { after: ['b'] })]));
        core.start();
        core.fail('a', 'boom', { nonRetryable: true });
        expect(core.ofType('task.skipped').map(event => [event.task, event.status, event.reason])).toEqual([
            ['b', 'upstream_failed', 'upstream task a failed'],
            ['c', 'upstream_failed', 'upstream task b did not run because its own upstream failed']
        ]);
    });

    test('a skip propagates down an all_success chain as skipped; an all_done task after it still runs', () => {
        const core = new CoreDriver(workflow([
            task('a', { condition: never }), task('b', { after: ['a'] }), task('cleanup', { after: ['b'], trigger: 'all_done' })
        ]));
        core.start();
        expect(core.ofType('task.skipped').map(event => [event.task, event.reason])).toEqual([
            ['a', 'condition `false` is false'], ['b', 'upstream task a was skipped']
        ]);
        expect(core.isRunning('cleanup')).toBe(true);
    });

    test('a run with a failed task fails even when an all_done task after it succeeded', async () => {
        const model = workflow([task('a'), task('cleanup', { after: ['a'], trigger: 'all_done' })]);
        const { result } = await runScripted(model, { a: fail('boom', 0, { nonRetryable: true }), cleanup: ok('cleaned') });
        expect(result.status).toBe('failed');
        expect(result.tasks.map(summary => [summary.id, summary.status])).toEqual([['a', 'failed'], ['cleanup', 'completed']]);
    });

    test('an independent branch keeps running after another branch failed', () => {
        const core = new CoreDriver(workflow([task('a'), task('b'), task('c', { after: ['b'] })]));
        core.start();
        core.fail('a', 'boom', { nonRetryable: true });
        core.succeed('b');
        expect(core.isRunning('c')).toBe(true);
    });
});
