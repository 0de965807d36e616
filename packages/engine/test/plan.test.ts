import { describe, expect, it } from 'vitest';
import { planWorkflow } from '../src/plan.js';
import { agent, agentTask, task, workflow } from './harness.js';

describe('the plan of a dry run', () => {
    it('orders tasks in waves after their dependencies', () => {
        const plan = planWorkflow(workflow([task('a'), task('b', { after: ['a'] }), task('c', { after: ['a'] }), task('d', { after: ['b', 'c'] })]), {});
        expect(plan.waves.map(wave => wave.map(planned => planned.id).sort())).toEqual([['a'], ['b', 'c'], ['d']]);
    });

    it('names the agents the engine would choose among, preferred first', () => {
        const model = workflow([agentTask('gather', ['web'], { preferredAgents: ['second'] })], {
            agents: [agent('first', ['web'], { run: { kind: 'shell', command: 'a' } }), agent('second', ['web'], { run: { kind: 'shell', command: 'b' } }),
                agent('idle', ['web'], { run: undefined })]
        });
        expect(planWorkflow(model, {}).waves[0][0].agents).toEqual(['second', 'first']);
    });

    it('says a task cannot run when the agent it names has no run, as the engine would find', () => {
        const model = workflow([agentTask('gather', [], { agent: 'idle' })], { agents: [agent('idle', [], { run: undefined })] });
        expect(planWorkflow(model, {}).waves[0][0]).toMatchObject({ agents: [], problem: expect.stringContaining('names agent idle, which has no `run`') });
    });

    it('says a task cannot run when no agent with a run offers its capabilities', () => {
        const model = workflow([agentTask('gather', ['web'])], { agents: [agent('idle', ['web'], { run: undefined })] });
        expect(planWorkflow(model, {}).waves[0][0].problem).toMatch(/no agent with a `run` offers every capability/);
    });
});
