/**
 * Failover to another capable agent, and the circuit breaker per agent: closed → open after
 * consecutive failures, open → half-open after the recovery time, half-open → closed after
 * successful probes or back to open on a failed one.
 */
import type { BreakerPolicy } from '@flow/model';
import { describe, expect, test } from 'vitest';
import { agent, agentTask, CoreDriver, fail, ofType, ok, runScripted, workflow } from '../harness.js';

describe('failover', () => {
    const pair = [agent('a1', ['work']), agent('a2', ['work'])];

    test('a retry after a retryable failure goes to another capable agent, said by a failover event', async () => {
        const model = workflow([agentTask('job', ['work'], { retry: { attempts: 2, baseMs: 10 } })], { agents: pair });
        const { events, result } = await runScripted(model, { job: request => request.agent === 'a1' ? fail('agent_unavailable') : ok() });
        expect(ofType(events, 'failover')).toMatchObject([{ task: 'job', from: 'a1', to: 'a2', count: 1 }]);
        expect(result.tasks[0]).toMatchObject({ status: 'completed', agent: 'a2', attempts: 2 });
    });

    test('with retries spent, a retryable failure still fails over once to an agent that has not tried', async () => {
        const model = workflow([agentTask('job', ['work'])], { agents: pair });
        const { events, result } = await runScripted(model, { job: request => request.agent === 'a1' ? fail('agent_unavailable') : ok() });
        expect(ofType(events, 'failover')).toHaveLength(1);
        expect(result.tasks[0]).toMatchObject({ status: 'completed', agent: 'a2' });
    });

    test('a non-retryable failure does not fail over', async () => {
        const model = workflow([agentTask('job', ['work'])], { agents: pair });
        const { result } = await runScripted(model, { job: fail('agent_unavailable', 0, { nonRetryable: true }) });
        expect(result.tasks[0]).toMatchObject({ status: 'failed', attempts: 1, agent: 'a1' });
    });

    test('without alternatives allowed, the task stays on its agent', async () => {
        const model = workflow([agentTask('job', ['work'], { retry: { attempts: 2, baseMs: 10 } })], {
            agents: pair, policies: { failover: { alternatives: false } }
        });
        const { events } = await runScripted(model, { job: [fail('agent_unavailable'), ok()] });
        expect(ofType(events, 'task.started').map(event => event.agent)).toEqual(['a1', 'a1']);
    });

    test('after N failovers of a task, the failure targets are notified once', async () => {
        const model = workflow([agentTask('job', ['work'], { retry: { attempts: 3, baseMs: 10 } })], {
            agents: [...pair, agent('a3', ['work'])],
            notifications: [{ name: 'ops', on: [] }],
            onFailure: { compensate: [], notify: ['ops'] },
            policies: { failover: { alternatives: true, degraded: false, notifyAfter: 2 } }
        });
        const { events } = await runScripted(model, { job: request => request.agent === 'a3' ? ok() : fail('agent_unavailable') });
        expect(ofType(events, 'failover').map(event => event.count)).toEqual([1, 2]);
        expect(ofType(events, 'notification')).toMatchObject([{ target: 'ops', reason: 'failover', message: 'Task job failed over 2 times.' }]);
    });
});

describe('circuit breaker', () => {
    function oneAgent(breaker: Partial<BreakerPolicy>, concurrency = 1, count = 5): CoreDriver {
        const tasks = Array.from({ length: count }, (_, index) => agentTask(`t${index + 1}`, ['work']));
        const core = new CoreDriver(workflow(tasks, {
            agents: [agent('a1', ['work'], { concurrency })],
            policies: { breaker: { failures: 2, recoveryMs: 10_000, probes: 1, ...breaker }, failover: { alternatives: false } }
        }));
        core.start();
        return core;
    }

    const breakerEvents = (core: CoreDriver) => core.events
        .filter(event => event.type.startsWith('breaker.'))
        .map(event => `${event.type} @${event.time - Date.UTC(2024, 0, 1)}`);

    test('consecutive failures open the breaker, and nothing more starts on the agent', () => {
        const core = oneAgent({});
        core.fail('t1', 'boom');
        core.fail('t2', 'boom');
        expect(core.ofType('breaker.opened')).toMatchObject([{ agent: 'a1', failures: 2, recoveryMs: 10_000 }]);
        expect(core.running.size).toBe(0);
    });

    test('a success in between resets the count', () => {
        const core = oneAgent({});
        core.fail('t1', 'boom');
        core.succeed('t2');
        core.fail('t3', 'boom');
        expect(core.ofType('breaker.opened')).toEqual([]);
        expect(core.isRunning('t4')).toBe(true);
    });

    test('after the recovery time the breaker is half-open and a probe runs; its success closes the breaker', () => {
        const core = oneAgent({});
        core.fail('t1', 'boom');
        core.fail('t2', 'boom');
        core.advance(9_999);
        expect(core.isRunning('t3')).toBe(false);
        core.advance(1);
        expect(core.ofType('breaker.half_open')).toMatchObject([{ agent: 'a1', probes: 1 }]);
        expect(core.isRunning('t3')).toBe(true);
        core.succeed('t3');
        expect(breakerEvents(core)).toEqual(['breaker.opened @0', 'breaker.half_open @10000', 'breaker.closed @10000']);
        expect(core.isRunning('t4')).toBe(true);
    });

    test('a failed probe opens the breaker again for another recovery time', () => {
        const core = oneAgent({});
        core.fail('t1', 'boom');
        core.fail('t2', 'boom');
        core.advance(10_000);
        core.fail('t3', 'boom');
        expect(core.isRunning('t4')).toBe(false);
        core.advance(10_000);
        expect(breakerEvents(core)).toEqual(['breaker.opened @0', 'breaker.half_open @10000', 'breaker.opened @10000', 'breaker.half_open @20000']);
        expect(core.isRunning('t4')).toBe(true);
    });

    test('half-open admits only as many probes at once as configured, and closes after that many successes', () => {
        const core = oneAgent({ failures: 1, probes: 2 }, 3, 6);
        core.fail('t1', 'boom');
        core.succeed('t2');
        core.succeed('t3');
        expect(core.running.size).toBe(0);
        core.advance(10_000);
        // Room for three, but two probes at most.
        expect([...core.running.values()].map(request => request.task)).toEqual(['t4', 't5']);
        core.succeed('t4');
        expect(core.ofType('breaker.closed')).toEqual([]);
        expect(core.isRunning('t6')).toBe(true);
        core.succeed('t5');
        expect(core.ofType('breaker.closed')).toHaveLength(1);
    });

    test('a probe that ends cancelled frees its probe slot', () => {
        const core = oneAgent({ failures: 1 });
        core.fail('t1', 'boom');
        core.advance(10_000);
        core.fail('t2', 'cancelled');
        expect(core.isRunning('t3')).toBe(true);
    });

    test('tasks avoid an agent whose breaker is open, waiting for a healthy one instead', () => {
        const core = new CoreDriver(workflow(['t1', 't2', 't3'].map(id => agentTask(id, ['work'])), {
            agents: [agent('a1', ['work']), agent('a2', ['work'])],
            policies: { breaker: { failures: 1, recoveryMs: 10_000, probes: 1 }, failover: { alternatives: false } }
        }));
        core.start();
        expect(core.attempt('t1').agent).toBe('a1');
        core.fail('t1', 'boom');
        expect(core.isRunning('t3')).toBe(false);
        core.succeed('t2');
        expect(core.attempt('t3').agent).toBe('a2');
    });
});
