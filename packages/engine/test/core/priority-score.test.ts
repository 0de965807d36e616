/**
 * The ready queue's score: each factor changes the order in which tasks start (one slot at a
 * time), and a task's score can be explained part by part.
 */
import type { SchedulingPolicy } from '@flow/model';
import { DEFAULT_SCHEDULING } from '@flow/model';
import { describe, expect, test } from 'vitest';
import { explainTaskScore } from '../../src/core.js';
import { agent, agentTask, CoreDriver, ok, runScripted, startOrder, startScripted, task, workflow, type Script } from '../harness.js';
import type { TaskDef, WorkflowModel } from '@flow/model';

const START = Date.UTC(2024, 0, 1);
const HOUR = 3_600_000;

function scheduling(overrides: Partial<SchedulingPolicy>): Partial<SchedulingPolicy> {
    return overrides;
}

/** Without a factor: the same policy with that factor's weight at 0. */
function without(factor: keyof SchedulingPolicy['factors']): Partial<SchedulingPolicy> {
    return { factors: { ...DEFAULT_SCHEDULING.factors, [factor]: { ...DEFAULT_SCHEDULING.factors[factor], weight: 0 } } };
}

async function order(tasks: TaskDef[], spec: Parameters<typeof workflow>[1] = {}, script: Script = {}, maxParallel = 1): Promise<string[]> {
    const { events } = await runScripted(workflow(tasks, spec), script, { maxParallel });
    return startOrder(events);
}

describe('each factor changes the start order', () => {
    test('equal tasks start in declaration order', async () => {
        expect(await order([task('a'), task('b')])).toEqual(['a', 'b']);
    });

    test("the level's weight: an urgent task starts before a low one declared first", async () => {
        expect(await order([task('chore', { priority: 'low' }), task('fire', { priority: 'urgent' })])).toEqual(['fire', 'chore']);
    });

    test("levels' weights are configurable", async () => {
        const levels = { ...DEFAULT_SCHEDULING.levels, low: { weight: 5000, slaMs: HOUR }, urgent: { weight: 1, slaMs: HOUR } };
        expect(await order([task('fire', { priority: 'urgent' }), task('chore', { priority: 'low' })], { policies: { scheduling: scheduling({ levels }) } }))
            .toEqual(['chore', 'fire']);
    });

    test('deadline urgency: a task whose deadline is near starts first', async () => {
        const tasks = [task('later'), task('soon', { deadline: new Date(START + HOUR).toISOString() })];
        expect(await order(tasks)).toEqual(['soon', 'later']);
        expect(await order(tasks, { policies: { scheduling: without('deadline') } })).toEqual(['later', 'soon']);
    });

    test('business value: the more valuable task starts first', async () => {
        const tasks = [task('minor', { businessValue: 10 }), task('major', { businessValue: 100 })];
        expect(await order(tasks)).toEqual(['major', 'minor']);
        expect(await order(tasks, { policies: { scheduling: without('value') } })).toEqual(['minor', 'major']);
    });

    test('dependents waiting: a task others wait for starts first', async () => {
        const tasks = [task('leaf'), task('hub'), task('x', { after: ['hub'] }), task('y', { after: ['hub'] })];
        expect((await order(tasks)).slice(0, 2)).toEqual(['hub', 'leaf']);
        expect((await order(tasks, { policies: { scheduling: without('dependents') } })).slice(0, 2)).toEqual(['leaf', 'hub']);
    });

    test("resource availability (pool): with one slot left, a task whose pool is half busy waits for one that uses none", async () => {
        // `holder` takes one of the pool's two slots; one run slot stays for `pooled` or `free`.
        const tasks = [task('holder', { priority: 'urgent', pool: 'cpu' }), task('pooled', { pool: 'cpu' }), task('free')];
        const spec = { pools: [{ name: 'cpu', concurrency: 2, types: [] }] };
        const script = { holder: ok(null, 1000) };
        expect(await order(tasks, spec, script, 2)).toEqual(['holder', 'free', 'pooled']);
        expect(await order(tasks, { ...spec, policies: { scheduling: without('resources') } }, script, 2)).toEqual(['holder', 'pooled', 'free']);
    });

    test('resource availability (agents): a task whose agents are free starts before one whose agents are busy', async () => {
        const tasks = [agentTask('holder', ['x'], { priority: 'urgent' }), agentTask('crowded', ['x']), agentTask('roomy', ['y'])];
        const spec = { agents: [agent('big', ['x'], { concurrency: 2 }), agent('small', ['y'])] };
        const script = { holder: ok(null, 1000) };
        expect(await order(tasks, spec, script, 2)).toEqual(['holder', 'roomy', 'crowded']);
        expect(await order(tasks, { ...spec, policies: { scheduling: without('resources') } }, script, 2)).toEqual(['holder', 'crowded', 'roomy']);
    });

    test('aging: a low task that has waited long enough overtakes a normal one that just arrived', async () => {
        // `blocker` holds the only slot for 5 minutes; `fresh` becomes ready when it ends.
        const tasks = [task('blocker', { priority: 'urgent' }), task('old', { priority: 'low' }), task('fresh', { after: ['blocker'] })];
        const script = { blocker: ok(null, 5 * 60_000) };
        const aging = (factor: number) => ({ policies: { scheduling: scheduling({ agingFactor: factor, agingIntervalMs: 60_000 }) } });
        expect(await order(tasks, aging(2), script)).toEqual(['blocker', 'old', 'fresh']);
        expect(await order(tasks, aging(1), script)).toEqual(['blocker', 'fresh', 'old']);
    });
});

describe('explaining a score', () => {
    function queued(): { core: CoreDriver; model: WorkflowModel } {
        const model = workflow([
            task('first', { priority: 'urgent' }),
            task('subject', { pool: 'cpu', businessValue: 50, deadline: new Date(START + 2 * HOUR).toISOString() }),
            task('rich', { businessValue: 100 }),
            task('after', { after: ['subject'] })
        ], { pools: [{ name: 'cpu', concurrency: 2, types: [] }] });
        const core = new CoreDriver(model, { maxParallel: 1 }, START);
        core.start();
        return { core, model };
    }

    test('the parts add up to the score the ready queue announced', () => {
        const { core } = queued();
        const explanation = explainTaskScore(core.state, 'subject');
        const parts = explanation.parts;
        expect(parts.level + parts.deadline + parts.value + parts.resources + parts.dependents + parts.aging).toBeCloseTo(explanation.score, 9);
        const ready = core.ofType('task.ready').find(event => event.task === 'subject')!;
        expect(explanation.score).toBeCloseTo(ready.score, 9);
    });

    test('each factor contributes what its raw value, curve and weight give, in score points', () => {
        const { core } = queued();
        const { parts, factors, levelWeight } = explainTaskScore(core.state, 'subject');
        expect(levelWeight).toBe(10);
        expect(factors.value.raw).toBe(0.5);
        expect(parts.value).toBeCloseTo(10 * 0.3 * 0.5, 9);
        expect(factors.dependents.raw).toBe(1);
        expect(parts.dependents).toBeCloseTo(10 * 0.1 * 1, 9);
        expect(factors.resources.raw).toBe(1);
        expect(parts.resources).toBeCloseTo(10 * 0.2, 9);
        expect(parts.deadline).toBeGreaterThan(0);
        expect(parts.aging).toBe(0);
    });

    test('waiting adds an aging part, and the parts still add up', () => {
        const { core } = queued();
        core.advance(10 * 60_000);
        const { parts, aging, score } = explainTaskScore(core.state, 'subject');
        expect(aging.intervals).toBe(2);
        expect(aging.multiplier).toBeCloseTo(1.21, 9);
        expect(parts.aging).toBeGreaterThan(0);
        expect(parts.level + parts.deadline + parts.value + parts.resources + parts.dependents + parts.aging).toBeCloseTo(score, 9);
    });

    test('deadline urgency rises exponentially: the last hours add more than the hours before them', () => {
        const model = workflow([task('subject', { deadline: new Date(START + 24 * HOUR).toISOString() })]);
        const core = new CoreDriver(model, {}, START);
        const deadlinePart = (hoursLeft: number) => explainTaskScore(core.state, 'subject', START + (24 - hoursLeft) * HOUR).parts.deadline;
        expect(deadlinePart(24)).toBe(0);
        const early = deadlinePart(12) - deadlinePart(18);
        const late = deadlinePart(0) - deadlinePart(6);
        expect(late).toBeGreaterThan(5 * early);
        expect(deadlinePart(0)).toBeCloseTo(10 * 0.4, 9);
    });
});

describe('a running workflow explains a waiting task', () => {
    test('through its handle, factor by factor, as explainTaskScore does on the state', async () => {
        const model = workflow([task('first', { run: { kind: 'sleep', ms: 1000 } }), task('second', { priority: 'urgent' })]);
        const run = startScripted(model, { first: ok(null, 1000), second: ok() }, { maxParallel: 1 });
        await run.clock.advance(10);
        const explanation = run.handle.explainTaskScore('second');
        expect(explanation).toMatchObject({ task: 'second', level: 'urgent' });
        const parts = explanation.parts;
        expect(parts.level + parts.deadline + parts.value + parts.resources + parts.dependents + parts.aging).toBeCloseTo(explanation.score, 9);
        expect(() => run.handle.explainTaskScore('missing')).toThrow(/No task "missing"/);
        await run.clock.runAll();
    });
});
