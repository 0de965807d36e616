/**
 * How a run ends (completion criteria, deliverables, notifications), milestones and named
 * checkpoints, progress events, and determinism of the whole event stream.
 */
import type { CompletionDef, WorkflowModel } from '@flow/model';
import { afterEach, describe, expect, test, vi } from 'vitest';
import type { RunEvent } from '../../src/events.js';
import {
    agent, agentTask, CoreDriver, expr, fail, ofType, ok, runScripted, task, when, workflow, type Script
} from '../harness.js';

const boom = fail('boom', 0, { nonRetryable: true });
const completion = (def: Partial<CompletionDef>): CompletionDef => ({ criteria: 'all_tasks_completed', notify: [], deliverables: [], ...def });

describe('completion criteria', () => {
    const pair = (def: Partial<CompletionDef>) => workflow([task('a'), task('b')], { completion: completion(def) });

    test('all_tasks_completed: one failed task fails the run, and the reason names it', async () => {
        const { result } = await runScripted(pair({}), { b: boom });
        expect(result).toMatchObject({ status: 'failed', reason: '1 task did not complete: b (failed)' });
    });

    test('all_tasks_completed: skipped tasks do not fail the run', async () => {
        const model = workflow([task('a'), task('b', { condition: when(expr.literal(false), 'false') })]);
        const { result } = await runScripted(model);
        expect(result.status).toBe('completed');
    });

    test('any_task_completed: one completed task is enough', async () => {
        expect((await runScripted(pair({ criteria: 'any_task_completed' }), { b: boom })).result.status).toBe('completed');
        expect((await runScripted(pair({ criteria: 'any_task_completed' }), { a: boom, b: boom })).result)
            .toMatchObject({ status: 'failed', reason: 'no task completed' });
    });

    test('required_tasks_completed: the `require` expression decides, whatever else failed', async () => {
        const require = expr.binary('==', expr.status('a'), expr.literal('completed'));
        const model = pair({ criteria: 'required_tasks_completed', require });
        expect((await runScripted(model, { b: boom })).result.status).toBe('completed');
        expect((await runScripted(model, { a: boom })).result)
            .toMatchObject({ status: 'failed', reason: 'the completion requirement `a.status == "completed"` is not met' });
    });

    test('deliverables are in the result and run.completed of a completed run, and not of a failed one', async () => {
        const model = pair({ deliverables: ['report.pdf', 'summary.md'] });
        const completed = await runScripted(model);
        expect(completed.result.deliverables).toEqual(['report.pdf', 'summary.md']);
        expect(ofType(completed.events, 'run.completed')).toMatchObject([{ deliverables: ['report.pdf', 'summary.md'] }]);
        expect((await runScripted(model, { a: boom })).result.deliverables).toEqual([]);
    });
});

describe('notifications', () => {
    const model = (): WorkflowModel => workflow([task('a')], {
        notifications: [
            { name: 'team', on: [], run: { kind: 'shell', command: 'notify team' } },
            { name: 'log', on: ['started', 'completed'] }
        ],
        completion: completion({ notify: ['team'] })
    });

    test('each target gets an event; a target with a runner also gets its runner run, before the run ends', async () => {
        const { events, dispatcher } = await runScripted(model(), { 'notify:team': ok(null, 100) });
        expect(ofType(events, 'notification').map(event => [event.target, event.reason, event.hasRunner]))
            .toEqual([['log', 'started', false], ['team', 'completed', true], ['log', 'completed', false]]);
        const request = dispatcher.requests.find(candidate => candidate.purpose === 'notification')!;
        expect(request).toMatchObject({ task: 'team', runner: { kind: 'shell', command: 'notify team' }, inputs: { reason: 'completed' } });
        expect(ofType(events, 'run.completed')[0].time - events[0].time).toBe(100);
    });

    test("a notification runner that fails is reported and does not change the run's status", async () => {
        const { events, result } = await runScripted(model(), { 'notify:team': fail('boom') });
        expect(ofType(events, 'notification.failed')).toMatchObject([{ target: 'team', error: { kind: 'boom' } }]);
        expect(result.status).toBe('completed');
    });
});

describe('on failure', () => {
    test('the failure targets are notified and an escalation is raised with the workflow\'s severity', async () => {
        const model = workflow([task('a')], {
            notifications: [{ name: 'oncall', on: [] }],
            onFailure: { compensate: [], notify: ['oncall'], escalate: 'critical' }
        });
        const { events } = await runScripted(model, { a: boom });
        expect(ofType(events, 'notification')).toMatchObject([{ target: 'oncall', reason: 'failed', message: 'Workflow test failed: 1 task did not complete: a (failed).' }]);
        expect(ofType(events, 'escalation')).toMatchObject([{ severity: 'critical', notify: ['oncall'] }]);
    });
});

describe('milestones and checkpoints', () => {
    test('a milestone is reached once all its tasks are done, once', async () => {
        const model = workflow([task('a'), task('b', { after: ['a'] }), task('c', { after: ['b'] })], {
            milestones: [{ name: 'halfway', after: ['a', 'b'], description: 'a and b are done' }]
        });
        const { events } = await runScripted(model);
        const order = events.filter(event => event.type === 'milestone.reached' || event.type === 'task.completed')
            .map(event => event.type === 'milestone.reached' ? `milestone ${event.milestone}` : (event as { task: string }).task);
        expect(order).toEqual(['a', 'b', 'milestone halfway', 'c']);
        expect(ofType(events, 'milestone.reached')).toMatchObject([{ description: 'a and b are done' }]);
    });

    test('a named checkpoint is reached with the tasks completed so far', async () => {
        const model = workflow([task('a'), task('b', { after: ['a'] }), task('c', { after: ['b'] })], {
            checkpoints: [{ name: 'after_collection', after: ['b'] }]
        });
        const { events } = await runScripted(model);
        expect(ofType(events, 'checkpoint.reached')).toMatchObject([{ checkpoint: 'after_collection', completedTasks: ['a', 'b'] }]);
    });

    test('a skipped task counts as done for a marker; a failed one means it is never reached', async () => {
        const model = workflow([task('skipped', { condition: when(expr.literal(false), 'false') }), task('broken')], {
            milestones: [{ name: 'passes', after: ['skipped'] }, { name: 'blocked', after: ['skipped', 'broken'] }]
        });
        const { events } = await runScripted(model, { broken: boom });
        expect(ofType(events, 'milestone.reached').map(event => event.milestone)).toEqual(['passes']);
    });
});

describe('progress', () => {
    test('each finished task reports percent finished, done/total and the current phase', async () => {
        const model = workflow([
            task('a', { phase: 'collect' }), task('b', { phase: 'collect', condition: when(expr.literal(false), 'false') }),
            task('c', { phase: 'report', after: ['a', 'b'], trigger: 'none_failed' }), task('d', { phase: 'report', after: ['c'] })
        ], {
            phases: [
                { name: 'collect', mode: 'parallel', after: [], streams: [], tasks: ['a', 'b'] },
                { name: 'report', mode: 'sequential', after: ['collect'], streams: [], tasks: ['c', 'd'] }
            ]
        });
        const { events } = await runScripted(model, { d: boom });
        expect(ofType(events, 'progress').map(({ percent, done, total, phase, completed, failed, skipped }) =>
            ({ percent, done, total, phase, completed, failed, skipped }))).toEqual([
            { percent: 0, done: 0, total: 4, phase: 'collect', completed: 0, failed: 0, skipped: 0 },
            { percent: 25, done: 1, total: 4, phase: 'collect', completed: 0, failed: 0, skipped: 1 },
            { percent: 50, done: 2, total: 4, phase: 'report', completed: 1, failed: 0, skipped: 1 },
            { percent: 75, done: 3, total: 4, phase: 'report', completed: 2, failed: 0, skipped: 1 },
            { percent: 100, done: 4, total: 4, phase: undefined, completed: 2, failed: 1, skipped: 1 }
        ]);
    });
});

describe('determinism', () => {
    /** A run that exercises time, randomness, agents and batches. */
    const busy = (): WorkflowModel => workflow([
        agentTask('fetch', ['net'], { retry: { attempts: 4, baseMs: 1000, jitter: 0.5 }, timeoutMs: 5000 }),
        task('crunch', { kind: 'batch', after: ['fetch'], batch: { items: [1, 2, 3, 4, 5], concurrency: 2, aggregate: 'list', onFailure: 'continue' },
            retry: { attempts: 3, baseMs: 200, jitter: 0.3 } }),
        agentTask('publish', ['net'], { after: ['crunch'], deadline: new Date(Date.UTC(2024, 0, 1) + 4000).toISOString() })
    ], {
        agents: [agent('n1', ['net'], { weight: 2 }), agent('n2', ['net'])],
        policies: { scheduling: { algorithm: 'weighted_round_robin' }, breaker: { failures: 2, recoveryMs: 3000, probes: 1 } }
    });
    const script: Script = {
        fetch: [fail('agent_unavailable', 300), fail('timeout', 700), ok({ rows: 5 }, 400)],
        'crunch[1]': [fail('timeout', 50), ok(2, 80)],
        'crunch[3]': fail('resource_exhausted', 30),
        crunch: request => ok((request.item!.value as number) * 10, 100 * (request.item!.index + 1)),
        publish: ok('sent', 250)
    };
    /** A fixed pseudo-random sequence (a linear congruential generator). */
    const sequence = (seed: number) => () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const stream = async (seed: number): Promise<RunEvent[]> => (await runScripted(busy(), script, { random: sequence(seed) })).events;

    test('the same model, outcomes and random numbers give the same event stream', async () => {
        const first = await stream(7);
        expect(first.length).toBeGreaterThan(40);
        expect(await stream(7)).toEqual(first);
    });

    test('other random numbers give other retry times, so the comparison above can fail', async () => {
        expect(await stream(8)).not.toEqual(await stream(7));
    });

    describe('the core alone', () => {
        afterEach(() => {
            vi.restoreAllMocks();
        });

        test('reads no clock, draws no random number and sets no timer: time and chance come in its inputs', () => {
            const forbidden = (what: string) => () => { throw new Error(`the core called ${what}`); };
            vi.spyOn(Date, 'now').mockImplementation(forbidden('Date.now'));
            vi.spyOn(Math, 'random').mockImplementation(forbidden('Math.random'));
            vi.spyOn(globalThis, 'setTimeout').mockImplementation(forbidden('setTimeout') as never);
            const core = new CoreDriver(busy());
            core.start();
            core.fail('fetch', 'agent_unavailable');
            core.advance(5000);
            core.succeed('fetch', { rows: 5 });
            expect(core.isRunning('crunch')).toBe(true);
        });

        test('a cloned state goes on exactly like the original, without touching it', () => {
            const original = new CoreDriver(busy());
            original.start();
            original.fail('fetch', 'agent_unavailable');
            const fork = original.fork();
            const mark = original.events.length;
            const goOn = (core: CoreDriver) => {
                core.advance(5000);
                core.succeed('fetch', { rows: 5 });
            };
            goOn(fork);
            goOn(original);
            expect(fork.events.length).toBeGreaterThan(3);
            expect(original.events.slice(mark)).toEqual(fork.events);
        });
    });
});
