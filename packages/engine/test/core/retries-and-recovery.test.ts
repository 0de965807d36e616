/**
 * Retries (backoff, jitter, cap, retryable kinds only) and the recovery rules by error kind:
 * reassign, retry, modify, escalate.
 */
import type { RecoveryRule } from '@flow/model';
import { describe, expect, test } from 'vitest';
import { retryDelay } from '../../src/backoff.js';
import { MemoryResultCache } from '../../src/cache.js';
import { VirtualClock } from '../../src/clock.js';
import { agent, agentTask, fail, ofType, ok, runScripted, startTimes, task, workflow, hang } from '../harness.js';

describe('backoff formulas', () => {
    const policy = (backoff: 'fixed' | 'linear' | 'exponential', more = {}) => ({ backoff, baseMs: 1000, jitter: 0, ...more });
    const delays = (p: Parameters<typeof retryDelay>[0], random = 0.5) => [1, 2, 3, 4].map(n => retryDelay(p, n, random));

    test('fixed waits the base every time', () => {
        expect(delays(policy('fixed'))).toEqual([1000, 1000, 1000, 1000]);
    });

    test('linear waits base × n after attempt n', () => {
        expect(delays(policy('linear'))).toEqual([1000, 2000, 3000, 4000]);
    });

    test('exponential waits base × 2^(n-1) after attempt n', () => {
        expect(delays(policy('exponential'))).toEqual([1000, 2000, 4000, 8000]);
    });

    test('the maximum delay caps the delay', () => {
        expect(delays(policy('exponential', { maxMs: 2500 }))).toEqual([1000, 2000, 2500, 2500]);
    });

    test('jitter spreads the delay by ±jitter, placed by the random number', () => {
        const jittered = policy('fixed', { jitter: 0.2 });
        expect(retryDelay(jittered, 1, 0)).toBe(800);
        expect(retryDelay(jittered, 1, 0.5)).toBe(1000);
        expect(retryDelay(jittered, 1, 0.75)).toBe(1100);
    });

    test('jitter is applied before the cap, so the cap holds', () => {
        expect(retryDelay(policy('fixed', { jitter: 0.5, maxMs: 1200 }), 1, 0.99)).toBe(1200);
    });
});

describe('retries in a run', () => {
    test('a retryable failure is retried after the backoff delay, exactly', async () => {
        const model = workflow([task('flaky', { retry: { attempts: 3, backoff: 'exponential', baseMs: 1000 } })]);
        const { events, result } = await runScripted(model, { flaky: [fail('timeout'), fail('timeout'), ok('fine')] });
        expect(startTimes(events, 'flaky')).toEqual([0, 1000, 3000]);
        expect(ofType(events, 'task.retry_scheduled').map(event => [event.nextAttempt, event.delayMs, event.kind]))
            .toEqual([[2, 1000, 'timeout'], [3, 2000, 'timeout']]);
        expect(result.tasks[0]).toMatchObject({ status: 'completed', attempts: 3 });
    });

    test("the jitter comes from the run's random numbers", async () => {
        const model = workflow([task('flaky', { retry: { attempts: 2, backoff: 'fixed', baseMs: 1000, jitter: 0.2 } })]);
        const { events } = await runScripted(model, { flaky: [fail('timeout'), ok()] }, { random: () => 0 });
        expect(startTimes(events, 'flaky')).toEqual([0, 800]);
    });

    test('attempts are bounded: the last failure fails the task', async () => {
        const model = workflow([task('broken', { retry: { attempts: 2, baseMs: 10 } })]);
        const { result } = await runScripted(model, { broken: fail('agent_unavailable') });
        expect(result.tasks[0]).toMatchObject({ status: 'failed', attempts: 2, error: { kind: 'agent_unavailable' } });
    });

    test.each(['timeout', 'agent_unavailable', 'resource_exhausted'])('%s is retried by default', async kind => {
        const model = workflow([task('flaky', { retry: { attempts: 2, baseMs: 10 } })]);
        const { result } = await runScripted(model, { flaky: [fail(kind), ok()] });
        expect(result.tasks[0]).toMatchObject({ status: 'completed', attempts: 2 });
    });

    test('a kind the policy does not list fails at once', async () => {
        const model = workflow([task('bad', { retry: { attempts: 3 } })]);
        const { result } = await runScripted(model, { bad: fail('http_status') });
        expect(result.tasks[0]).toMatchObject({ status: 'failed', attempts: 1 });
    });

    test('a failure marked non-retryable is not retried even when its kind is listed', async () => {
        const model = workflow([task('bad', { retry: { attempts: 3 } })]);
        const { result } = await runScripted(model, { bad: fail('timeout', 0, { nonRetryable: true }) });
        expect(result.tasks[0]).toMatchObject({ status: 'failed', attempts: 1 });
    });

    test('configured exit codes are retried, other exit codes are not', async () => {
        const model = workflow([
            task('tempfail', { retry: { attempts: 2, baseMs: 10, exitCodes: [75] } }),
            task('broken', { retry: { attempts: 2, baseMs: 10, exitCodes: [75] } })
        ]);
        const { result } = await runScripted(model, {
            tempfail: [fail('exit_code', 0, { exitCode: 75 }), ok()],
            broken: fail('exit_code', 0, { exitCode: 1 })
        });
        expect(result.tasks.map(summary => [summary.id, summary.status, summary.attempts])).toEqual([['tempfail', 'completed', 2], ['broken', 'failed', 1]]);
    });
});

describe('recovery rules', () => {
    const rules = (...recovery: RecoveryRule[]) => ({ recovery });

    test('reassign: the next attempt goes to another capable agent with the timeout × factor', async () => {
        const model = workflow([agentTask('job', ['work'], { timeoutMs: 1000 })], {
            agents: [agent('a1', ['work']), agent('a2', ['work'])],
            policies: rules({ on: ['timeout'], then: { action: 'reassign', timeoutFactor: 2 } })
        });
        const { events, result } = await runScripted(model, { job: request => request.agent === 'a1' ? hang : ok('done', 1500) });
        expect(ofType(events, 'task.recovery')).toMatchObject([{ task: 'job', action: 'reassign' }]);
        expect(ofType(events, 'task.started').map(event => [event.agent, event.timeoutMs])).toEqual([['a1', 1000], ['a2', 2000]]);
        expect(result.tasks[0]).toMatchObject({ status: 'completed', agent: 'a2' });
    });

    test('retry: the task runs again after the delay, as many times as the rule says', async () => {
        const model = workflow([task('job', { retry: { on: [] } })], {
            policies: rules({ on: ['resource_exhausted'], then: { action: 'retry', delayMs: 60_000, attempts: 2 } })
        });
        const { events, result } = await runScripted(model, { job: fail('resource_exhausted') });
        expect(startTimes(events, 'job')).toEqual([0, 60_000, 120_000]);
        expect(ofType(events, 'task.recovery').map(event => event.detail)).toEqual([
            'resource_exhausted: retry 1 of 2 after 60000 ms', 'resource_exhausted: retry 2 of 2 after 60000 ms'
        ]);
        expect(result.tasks[0]).toMatchObject({ status: 'failed', attempts: 3 });
    });

    test('modify: the task runs again with the changed inputs', async () => {
        const model = workflow([task('job', { inputs: { source: 'web', quality: 0.95 } })], {
            policies: rules({ on: ['validation_failed'], then: { action: 'modify', modifications: { quality: 0.8 } } })
        });
        const { dispatcher, result } = await runScripted(model, { job: [fail('validation_failed'), ok()] });
        expect(dispatcher.attempts.map(request => request.inputs)).toEqual([{ source: 'web', quality: 0.95 }, { source: 'web', quality: 0.8 }]);
        expect(result.tasks[0].status).toBe('completed');
    });

    test('modify: values that name a workflow parameter change it for the attempt too', async () => {
        const model = workflow([task('job', { run: { kind: 'shell', command: 'analyze --depth {{param.depth}}' } })], {
            params: [{ name: 'depth', type: { kind: 'enum', values: ['basic', 'full'] }, default: 'full' }],
            policies: rules({ on: ['timeout'], then: { action: 'modify', modifications: { depth: 'basic' } } })
        });
        const { dispatcher } = await runScripted(model, { job: [fail('timeout'), ok()] });
        expect(dispatcher.attempts.map(request => request.params.depth)).toEqual(['full', 'basic']);
    });

    test('modify: a result made with modified values is not cached under the original key', async () => {
        const model = workflow([task('job', { cache: true })], {
            policies: rules({ on: ['validation_failed'], then: { action: 'modify', modifications: { quality: 0.8 } } })
        });
        const clock = new VirtualClock();
        const cache = new MemoryResultCache({ clock });
        await runScripted(model, { job: [fail('validation_failed'), ok('lower quality')] }, { clock, cache });
        expect(cache.size).toBe(0);
    });

    test('escalate: the branch stops, an escalation asks for attention, the rest of the run goes on', async () => {
        const model = workflow([task('job'), task('after', { after: ['job'] }), task('elsewhere')], {
            notifications: [{ name: 'ops', on: [] }],
            policies: rules({ on: ['other'], then: { action: 'escalate', severity: 'critical', notify: ['ops'] } })
        });
        const { events, result } = await runScripted(model, { job: fail('boom') });
        expect(ofType(events, 'escalation')).toMatchObject([{ task: 'job', severity: 'critical', notify: ['ops'] }]);
        expect(ofType(events, 'notification')).toMatchObject([{ target: 'ops', reason: 'escalation', hasRunner: false }]);
        expect(ofType(events, 'task.failed')).toMatchObject([{ task: 'job', escalated: true }]);
        expect(result.tasks.map(summary => [summary.id, summary.status])).toEqual([['job', 'failed'], ['after', 'upstream_failed'], ['elsewhere', 'completed']]);
    });

    test('rules apply in order; `other` takes every kind no earlier rule names', async () => {
        const model = workflow([task('slow'), task('broken')], {
            policies: rules(
                { on: ['timeout'], then: { action: 'retry', delayMs: 10, attempts: 1 } },
                { on: ['other'], then: { action: 'escalate', severity: 'high', notify: [] } },
                { on: ['boom'], then: { action: 'retry', delayMs: 10, attempts: 1 } }
            )
        });
        const { events, result } = await runScripted(model, { slow: [fail('timeout'), ok()], broken: fail('boom') });
        expect(ofType(events, 'escalation').map(event => event.task)).toEqual(['broken']);
        expect(result.tasks.map(summary => [summary.id, summary.status, summary.attempts])).toEqual([['slow', 'completed', 2], ['broken', 'failed', 1]]);
    });

    test('a non-retryable failure is never run again by a rule, but an escalation still applies', async () => {
        const model = workflow([task('job')], {
            policies: rules(
                { on: ['no_runner'], then: { action: 'retry', delayMs: 10, attempts: 3 } },
                { on: ['other'], then: { action: 'escalate', severity: 'high', notify: [] } }
            )
        });
        const { events, result } = await runScripted(model, { job: fail('no_runner', 0, { nonRetryable: true }) });
        expect(result.tasks[0]).toMatchObject({ status: 'failed', attempts: 1 });
        expect(ofType(events, 'escalation')).toHaveLength(1);
    });

    test('retries of the policy come first; the rule applies once they are spent', async () => {
        const model = workflow([task('job', { retry: { attempts: 2, baseMs: 10 } })], {
            policies: rules({ on: ['timeout'], then: { action: 'escalate', severity: 'high', notify: [] } })
        });
        const { events, result } = await runScripted(model, { job: fail('timeout') });
        expect(result.tasks[0]).toMatchObject({ status: 'failed', attempts: 2 });
        expect(ofType(events, 'escalation')).toHaveLength(1);
    });
});
