/**
 * Which agent a task goes to: only agents with every capability it requires, chosen by the
 * workflow's algorithm.
 */
import type { Algorithm, AgentDef, SchedulingPolicy } from '@flow/model';
import { describe, expect, test } from 'vitest';
import { agent, agentTask, ofType, ok, runScripted, workflow, type Script } from '../harness.js';

/** The agent each task's first attempt ran on, in start order. */
async function placements(agents: AgentDef[], count: number, scheduling: Partial<SchedulingPolicy>, script: Script = {}): Promise<string[]> {
    const tasks = Array.from({ length: count }, (_, index) => agentTask(`t${index + 1}`, ['work']));
    const { events } = await runScripted(workflow(tasks, { agents, policies: { scheduling } }), script);
    return ofType(events, 'task.started').map(event => event.agent!);
}

/** Every task takes a second, so agents fill up instead of freeing at once. */
const slow: Script = new Proxy({}, { get: () => ok(null, 1000) });

describe('capabilities', () => {
    test('a task goes to the agent that has every capability it requires, even if declared later', async () => {
        const model = workflow([agentTask('audit', ['scan', 'report'])], {
            agents: [agent('scanner', ['scan']), agent('auditor', ['scan', 'report'])]
        });
        const { events } = await runScripted(model);
        expect(ofType(events, 'task.started').map(event => event.agent)).toEqual(['auditor']);
    });

    test('a task waits for a busy capable agent rather than run on a free agent that lacks a capability', async () => {
        const model = workflow([agentTask('first', ['scan']), agentTask('second', ['scan'])], {
            agents: [agent('scanner', ['scan']), agent('idle', ['other'])]
        });
        const { events } = await runScripted(model, slow);
        expect(ofType(events, 'task.started').map(event => [event.task, event.agent, event.time - events[0].time]))
            .toEqual([['first', 'scanner', 0], ['second', 'scanner', 1000]]);
    });

    test('a task no agent can run fails at once, saying which capabilities are missing', async () => {
        const model = workflow([agentTask('audit', ['scan', 'report'])], { agents: [agent('scanner', ['scan'])] });
        const { result } = await runScripted(model);
        expect(result.tasks[0]).toMatchObject({
            status: 'failed', attempts: 0,
            error: { kind: 'no_capable_agent', message: 'no agent offers every capability task audit requires (scan, report): add them to an agent, or give the task a `run` of its own' }
        });
    });
});

describe('algorithms', () => {
    const two = (spec: Partial<AgentDef>[] = [{}, {}]) => [agent('a', ['work'], spec[0]), agent('b', ['work'], spec[1])];
    const algorithm = (name: Algorithm, more: Partial<SchedulingPolicy> = {}): Partial<SchedulingPolicy> => ({ algorithm: name, ...more });

    test('priority_fifo: the first free capable agent in declaration order', async () => {
        expect(await placements(two([{ concurrency: 2 }, { concurrency: 2 }]), 3, algorithm('priority_fifo'), slow)).toEqual(['a', 'a', 'b']);
    });

    test("priority_fifo: a task's preferred agent comes first", async () => {
        const model = workflow([agentTask('t', ['work'], { preferredAgents: ['b'] })], { agents: two() });
        const { events } = await runScripted(model);
        expect(ofType(events, 'task.started')[0].agent).toBe('b');
    });

    test('weighted_round_robin: agents take work in proportion to their weight, spread out', async () => {
        const agents = two([{ weight: 2, concurrency: 10 }, { weight: 1, concurrency: 10 }]);
        expect(await placements(agents, 6, algorithm('weighted_round_robin'), slow)).toEqual(['a', 'b', 'a', 'a', 'b', 'a']);
    });

    test('least_loaded: the agent with the smallest share of its concurrency in use', async () => {
        const agents = two([{ concurrency: 4 }, { concurrency: 2 }]);
        // a 0/4 (tie, first) · b 0/2 < a 1/4 · a 1/4 < b 1/2 · a 2/4 = b 1/2 (tie, first)
        expect(await placements(agents, 4, algorithm('least_loaded'), slow)).toEqual(['a', 'b', 'a', 'a']);
    });

    test('least_loaded with spillover: fill agents in order up to the threshold, then the least loaded', async () => {
        const agents = two([{ concurrency: 4 }, { concurrency: 4 }]);
        const spill = algorithm('least_loaded', { spillover: true, spilloverThreshold: 0.5 });
        // a fills to 2/4 (the threshold), then b fills to 2/4; past both, least loaded (a, tie).
        expect(await placements(agents, 5, spill, slow)).toEqual(['a', 'a', 'b', 'b', 'a']);
        expect(await placements(agents, 5, algorithm('least_loaded'), slow)).toEqual(['a', 'b', 'a', 'b', 'a']);
    });

    test('least_loaded with spillover: preferred agents fill first, then work spills over to the others', async () => {
        const agents = [agent('a', ['work'], { concurrency: 2 }), agent('b', ['work'], { concurrency: 2 })];
        const tasks = Array.from({ length: 3 }, (_, index) => agentTask(`t${index}`, ['work'], { preferredAgents: ['b'] }));
        const model = workflow(tasks, { agents, policies: { scheduling: { algorithm: 'least_loaded', spillover: true, spilloverThreshold: 1 } } });
        const { events } = await runScripted(model, slow);
        expect(ofType(events, 'task.started').map(event => event.agent)).toEqual(['b', 'b', 'a']);
    });
});
