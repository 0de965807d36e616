/**
 * Analytics over runs written as an engine would write them, with every time chosen by the
 * test, so each number the report gives can be worked out by hand.
 */
import type { FailureInfo, ProcessUsage, RunEvent } from '@flow/engine';
import type { WorkflowModel } from '@flow/model';
import { describe, expect, test } from 'vitest';
import { parseTimeframe } from '../src/analytics.js';
import { FlowStore, StoreError } from '../src/index.js';
import { openStore, stateDir } from './helpers.js';

const NOW = Date.UTC(2024, 4, 15, 12); // Wednesday 15 May 2024, 12:00 UTC
const S = 1000;
const DAY = 86_400_000;

interface TaskSpec {
    type?: string;
    priority?: string;
    pool?: string;
    phase?: string;
    cache?: boolean;
    after?: string[];
}

/** Only what analytics reads of a model: each task's attributes and dependencies, and the pools. */
function modelOf(name: string, tasks: Record<string, TaskSpec>, pools: Record<string, number> = {}): WorkflowModel {
    return {
        name,
        pools: Object.entries(pools).map(([pool, concurrency]) => ({ name: pool, concurrency, types: [] })),
        tasks: Object.entries(tasks).map(([id, spec]) => ({
            id, kind: 'task', type: spec.type ?? 'work', priority: spec.priority ?? 'normal', pool: spec.pool, phase: spec.phase,
            cache: { enabled: spec.cache ?? false }, dependencies: spec.after ?? []
        }))
    } as unknown as WorkflowModel;
}

const failure = (kind = 'exit_code', message = 'exit 1'): FailureInfo => ({ kind, message, nonRetryable: false });

/** Writes one run's events through FlowStore.append, each at the time the test gives. */
class RunWriter {
    private seq = 0;

    constructor(private readonly store: FlowStore, readonly runId: string, readonly startedAt: number, model: WorkflowModel) {
        store.recordRun({ runId, workflow: model.name, params: {}, model, startedAt });
        this.emit(startedAt, { type: 'run.started', workflow: model.name, params: {}, totalTasks: model.tasks.length });
    }

    emit(time: number, body: Record<string, unknown>): this {
        this.store.append({ runId: this.runId, seq: ++this.seq, time, ...body } as RunEvent);
        return this;
    }

    ready(task: string, time: number): this {
        return this.emit(time, { type: 'task.ready', task, score: 1 });
    }

    started(task: string, time: number, attempt = 1, extra: { agent?: string; item?: number } = {}): this {
        return this.emit(time, { type: 'task.started', task, attempt, runner: 'shell', demo: false, ...extra });
    }

    attemptFailed(task: string, time: number, attempt = 1, extra: { agent?: string; item?: number; usage?: ProcessUsage; error?: FailureInfo } = {}): this {
        const { error = failure(), ...rest } = extra;
        return this.emit(time, { type: 'task.attempt_failed', task, attempt, error, ...rest });
    }

    completed(task: string, time: number, extra: { attempts?: number; durationMs?: number; fromCache?: boolean; usage?: ProcessUsage; agent?: string } = {}): this {
        return this.emit(time, { type: 'task.completed', task, result: null, attempts: 1, durationMs: 0, fromCache: false, ...extra });
    }

    failed(task: string, time: number, attempts: number): this {
        return this.emit(time, { type: 'task.failed', task, error: failure(), attempts, durationMs: 0, escalated: false });
    }

    skipped(task: string, time: number, status: 'skipped' | 'upstream_failed' | 'cancelled'): this {
        return this.emit(time, { type: 'task.skipped', task, status, reason: status });
    }

    /** A task that enters the queue at `ready`, starts at `start` and completes at `end` in one attempt. */
    ran(task: string, ready: number, start: number, end: number, extra: { agent?: string; usage?: ProcessUsage } = {}): this {
        this.ready(task, ready).started(task, start, 1, extra.agent === undefined ? {} : { agent: extra.agent });
        return this.completed(task, end, { durationMs: end - start, ...extra });
    }

    finish(time: number, status: 'completed' | 'failed' = 'completed'): this {
        return status === 'completed'
            ? this.emit(time, { type: 'run.completed', durationMs: time - this.startedAt, deliverables: [] })
            : this.emit(time, { type: 'run.failed', durationMs: time - this.startedAt, reason: 'a task failed', failedTasks: [] });
    }
}

async function storeAtNow(): Promise<FlowStore> {
    return openStore(stateDir(), { clock: { now: () => NOW } });
}

let runs = 0;
function run(store: FlowStore, model: WorkflowModel, startedAt = NOW - DAY): RunWriter {
    return new RunWriter(store, `run-${++runs}`, startedAt, model);
}

/** A run of one workflow whose tasks run one after the other, each for the given seconds. */
function chainRun(store: FlowStore, name: string, seconds: Record<string, number>, startedAt = NOW - DAY): RunWriter {
    const ids = Object.keys(seconds);
    const writer = run(store, modelOf(name, Object.fromEntries(ids.map((id, index) => [id, { after: index > 0 ? [ids[index - 1]] : [] }]))), startedAt);
    let time = startedAt;
    for (const id of ids) {
        writer.ran(id, time, time, time + seconds[id] * S);
        time += seconds[id] * S;
    }
    return writer.finish(time);
}

describe('an empty selection', () => {
    test('an empty store reports no runs, zeros and no recommendations', async () => {
        const report = (await storeAtNow()).analytics();
        expect(report.empty).toBe(true);
        expect(report.runs).toMatchObject({ runs: 0, successRate: null, duration: { count: 0, meanMs: null } });
        expect(report.tasks).toMatchObject({ tasks: 0, successRate: null, completionTime: { count: 0, p50Ms: null } });
        expect(report.recommendations).toEqual([]);
    });
});

describe('timeframes', () => {
    test('last-N-days, today and all select runs by when they started', async () => {
        const store = await storeAtNow();
        chainRun(store, 'w', { a: 1 }, NOW - 2 * DAY);
        chainRun(store, 'w', { a: 1 }, NOW - 40 * DAY);
        chainRun(store, 'w', { a: 1 }, Date.UTC(2024, 4, 15, 1));
        expect(store.analytics({ timeframe: 'last-30-days' }).runs.runs).toBe(2);
        expect(store.analytics({ timeframe: 'today' }).runs.runs).toBe(1);
        expect(store.analytics({ timeframe: 'last-12-hours' }).runs.runs).toBe(1);
        expect(store.analytics({ timeframe: 'all' }).runs.runs).toBe(3);
        expect(store.analytics().timeframe).toEqual({ name: 'last-30-days', from: NOW - 30 * DAY, to: NOW });
    });

    test.each(['yesterday', 'last-0-days', 'last-3-months', 'last-1.5-days'])('%s is refused with the forms that work', text => {
        expect(() => parseTimeframe(text, NOW)).toThrow(StoreError);
        expect(() => parseTimeframe(text, NOW)).toThrow('give last-N-days, last-N-hours, last-N-weeks');
    });
});

describe('task metrics', () => {
    test('completion time: mean, and nearest-rank p50 and p95', async () => {
        const store = await storeAtNow();
        const tasks = Object.fromEntries(Array.from({ length: 20 }, (_, index) => [`t${index + 1}`, {}]));
        const writer = run(store, modelOf('w', tasks));
        for (let index = 1; index <= 20; index++) writer.ran(`t${index}`, NOW - DAY, NOW - DAY, NOW - DAY + index * S);
        writer.finish(NOW - DAY + 20 * S);
        // Ranks ceil(0.5 × 20) = 10 and ceil(0.95 × 20) = 19; an interpolating p95 would say 19.05 s.
        expect(store.analytics().tasks.completionTime).toEqual({ count: 20, meanMs: 10_500, p50Ms: 10_000, p95Ms: 19_000, maxMs: 20_000 });
    });

    test('success rate, attempts and retries count what ran; skipped tasks are counted apart', async () => {
        const store = await storeAtNow();
        const t = NOW - DAY;
        run(store, modelOf('w', { once: {}, broken: {}, retried: {}, skipped: {}, downstream: {} }))
            .ran('once', t, t, t + S)
            .ready('broken', t).started('broken', t).attemptFailed('broken', t + S).started('broken', t + 2 * S, 2).attemptFailed('broken', t + 3 * S, 2)
            .failed('broken', t + 3 * S, 2)
            .ready('retried', t).started('retried', t).attemptFailed('retried', t + S).started('retried', t + 2 * S, 2)
            .completed('retried', t + 3 * S, { attempts: 2, durationMs: 3 * S })
            .skipped('skipped', t + 3 * S, 'skipped').skipped('downstream', t + 3 * S, 'upstream_failed')
            .finish(t + 3 * S, 'failed');
        const { tasks } = store.analytics();
        expect(tasks.status).toEqual({ completed: 2, failed: 1, skipped: 1, upstreamFailed: 1, cancelled: 0, unfinished: 0 });
        expect(tasks.ran).toBe(3);
        expect(tasks.successRate).toBe(0.6667);
        expect(tasks.attempts).toEqual({ total: 5, retries: 2, retriedTasks: 2, firstAttemptSuccessRate: 0.3333 });
    });

    test('cache hit rate: hits over the lookups of tasks with caching on', async () => {
        const store = await storeAtNow();
        const model = modelOf('w', { cached: { cache: true }, plain: {} });
        run(store, model).ran('cached', NOW - DAY, NOW - DAY, NOW - DAY + S).ran('plain', NOW - DAY, NOW - DAY, NOW - DAY + S).finish(NOW - DAY + S);
        run(store, model).completed('cached', NOW - DAY + 2 * S, { fromCache: true, attempts: 0 })
            .ran('plain', NOW - DAY + 2 * S, NOW - DAY + 2 * S, NOW - DAY + 3 * S).finish(NOW - DAY + 3 * S);
        expect(store.analytics().tasks.cache).toEqual({ lookups: 2, hits: 1, hitRate: 0.5 });
    });

    test('queue wait: from task.ready to the first attempt, and its share of the tasks\' time', async () => {
        const store = await storeAtNow();
        const t = NOW - DAY;
        run(store, modelOf('w', { a: {}, b: {} })).ran('a', t, t + 1 * S, t + 2 * S).ran('b', t, t + 3 * S, t + 4 * S).finish(t + 4 * S);
        const { queueWait } = store.analytics().tasks;
        // Waits of 1 s and 3 s; each task then ran 1 s: 4 s of 6 s were spent waiting.
        expect(queueWait).toEqual({ count: 2, meanMs: 2000, p50Ms: 1000, p95Ms: 3000, maxMs: 3000, share: 0.6667, waitedMs: 4000, runMs: 2000 });
    });

    test('resource usage: wall time of every attempt, CPU time of those measured, and CPU over process time', async () => {
        const store = await storeAtNow();
        const t = NOW - DAY;
        run(store, modelOf('w', { measured: {}, unmeasured: {} }))
            .ready('measured', t).started('measured', t).attemptFailed('measured', t + 2 * S, 1, { usage: { cpuMs: 300, wallMs: 2000 } })
            .started('measured', t + 3 * S, 2).completed('measured', t + 5 * S, { attempts: 2, durationMs: 5 * S, usage: { cpuMs: 900, wallMs: 2000 } })
            .ran('unmeasured', t, t, t + 4 * S)
            .finish(t + 5 * S);
        expect(store.analytics().tasks.resources).toEqual({ wallMs: 8000, cpuMs: 1200, attempts: 3, measuredAttempts: 2, cpuShare: 0.3 });
        expect(store.attempts('run-' + runs, 'measured').map(attempt => [attempt.cpuMs, attempt.wallMs])).toEqual([[300, 2000], [900, 2000]]);
    });

    test("a batch item's usage comes from its batch.progress event", async () => {
        const store = await storeAtNow();
        const t = NOW - DAY;
        run(store, modelOf('w', { items: {} })).ready('items', t)
            .started('items', t, 1, { item: 0 }).started('items', t, 1, { item: 1 })
            .emit(t + S, { type: 'batch.progress', task: 'items', item: 0, ok: true, done: 1, failed: 0, total: 2, usage: { cpuMs: 100, wallMs: 1000 } })
            .emit(t + 2 * S, { type: 'batch.progress', task: 'items', item: 1, ok: true, done: 2, failed: 0, total: 2, usage: { cpuMs: 200, wallMs: 2000 } })
            .completed('items', t + 2 * S, { attempts: 2, durationMs: 2 * S })
            .finish(t + 2 * S);
        expect(store.analytics().tasks.resources).toEqual({ wallMs: 3000, cpuMs: 300, attempts: 2, measuredAttempts: 2, cpuShare: 0.1 });
    });
});

describe('breakdowns, comparison and trends', () => {
    test('a breakdown groups tasks by their type, priority, pool and agent, largest group first', async () => {
        const store = await storeAtNow();
        const t = NOW - DAY;
        run(store, modelOf('w', { r1: { type: 'research', priority: 'high' }, r2: { type: 'research', pool: 'cpu' }, b: { type: 'build', pool: 'cpu' } }, { cpu: 2 }))
            .ran('r1', t, t, t + S, { agent: 'alice' }).ran('r2', t, t, t + 3 * S, { agent: 'alice' }).ran('b', t, t, t + 2 * S)
            .finish(t + 3 * S);
        const { breakdown } = store.analytics({ breakdown: ['task_type', 'priority', 'pool', 'agent'] });
        const summary = (groups: typeof breakdown.task_type) => groups!.map(group => [group.key, group.tasks.tasks, group.tasks.completionTime.meanMs]);
        expect(summary(breakdown.task_type)).toEqual([['research', 2, 2000], ['build', 1, 2000]]);
        expect(summary(breakdown.priority)).toEqual([['normal', 2, 2500], ['high', 1, 1000]]);
        expect(summary(breakdown.pool)).toEqual([['cpu', 2, 2500], ['(none)', 1, 1000]]);
        expect(summary(breakdown.agent)).toEqual([['alice', 2, 2000], ['(none)', 1, 2000]]);
    });

    test('an unknown breakdown is refused with the ones there are', async () => {
        const store = await storeAtNow();
        expect(() => store.analytics({ breakdown: ['colour' as never] })).toThrow('give any of task_type, agent, priority, pool, phase, workflow');
    });

    test('per workflow, side by side; --workflows selects', async () => {
        const store = await storeAtNow();
        chainRun(store, 'fast', { a: 1 });
        chainRun(store, 'slow', { a: 10 });
        chainRun(store, 'slow', { a: 20 });
        const report = store.analytics();
        expect(report.byWorkflow.map(entry => [entry.workflow, entry.runs.runs, entry.runs.duration.meanMs, entry.tasks.completionTime.p50Ms])).toEqual([
            ['fast', 1, 1000, 1000], ['slow', 2, 15_000, 10_000]
        ]);
        const slowOnly = store.analytics({ workflows: ['slow'] });
        expect([slowOnly.workflows, slowOnly.runs.runs]).toEqual([['slow'], 2]);
    });

    test('trends bucket runs by UTC day and ISO week', async () => {
        const store = await storeAtNow();
        chainRun(store, 'w', { a: 1 }, Date.UTC(2024, 4, 6, 9)); // Monday of week 19
        chainRun(store, 'w', { a: 3 }, Date.UTC(2024, 4, 12, 23)); // Sunday of week 19
        chainRun(store, 'w', { a: 5 }, Date.UTC(2024, 4, 13, 0)); // Monday of week 20
        const { daily, weekly } = store.analytics().trends;
        expect(daily.map(bucket => [bucket.period, bucket.runs.runs])).toEqual([['2024-05-06', 1], ['2024-05-12', 1], ['2024-05-13', 1]]);
        expect(weekly.map(bucket => [bucket.period, bucket.runs.runs, bucket.tasks.completionTime.meanMs])).toEqual([['2024-W19', 2, 2000], ['2024-W20', 1, 5000]]);
    });

    test('a reader counts a run whose writer has gone as interrupted', async () => {
        const dir = stateDir();
        const writer = await openStore(dir, { clock: { now: () => NOW } });
        new RunWriter(writer, 'left', NOW - DAY, modelOf('w', { a: {} })).ready('a', NOW - DAY);
        expect(writer.analytics().runs).toMatchObject({ running: 1, interrupted: 0 });
        await writer.close();
        const reader = await openStore(dir, { readOnly: true, clock: { now: () => NOW } });
        expect(reader.analytics().runs).toMatchObject({ running: 0, interrupted: 1, successRate: 0 });
    });
});

describe('bottlenecks', () => {
    test('the critical path is the longest chain by duration ending at the last task to finish', async () => {
        const store = await storeAtNow();
        const t = NOW - DAY;
        // a (10 s) feeds b (5 s) and c (20 s); d (1 s) needs both: a, c, d is the longest chain.
        run(store, modelOf('w', { a: {}, b: { after: ['a'] }, c: { after: ['a'] }, d: { after: ['b', 'c'] } }))
            .ran('a', t, t, t + 10 * S).ran('b', t + 10 * S, t + 10 * S, t + 15 * S).ran('c', t + 10 * S, t + 10 * S, t + 30 * S)
            .ran('d', t + 30 * S, t + 32 * S, t + 33 * S).finish(t + 33 * S);
        const [path] = store.analytics().bottlenecks.criticalPaths;
        expect(path.tasks).toEqual([{ task: 'a', durationMs: 10_000 }, { task: 'c', durationMs: 20_000 }, { task: 'd', durationMs: 1000 }]);
        expect([path.pathMs, path.runDurationMs]).toEqual([31_000, 33_000]);
    });

    test('the longest queue waits come first', async () => {
        const store = await storeAtNow();
        const t = NOW - DAY;
        run(store, modelOf('w', { short: {}, long: { pool: 'gpu' } }, { gpu: 1 }))
            .ran('short', t, t + S, t + 2 * S).ran('long', t, t + 7 * S, t + 8 * S).finish(t + 8 * S);
        expect(store.analytics().bottlenecks.queueWaits.map(wait => [wait.task, wait.pool, wait.waitMs])).toEqual([['long', 'gpu', 7000], ['short', null, 1000]]);
    });

    test('failure hotspots: tasks by failed attempts, with the last error', async () => {
        const store = await storeAtNow();
        const t = NOW - DAY;
        run(store, modelOf('w', { flaky: {}, fine: {} }))
            .ready('flaky', t).started('flaky', t).attemptFailed('flaky', t + S, 1, { error: failure('timeout', 'took too long') })
            .started('flaky', t + 2 * S, 2).completed('flaky', t + 3 * S, { attempts: 2 })
            .ran('fine', t, t, t + S).finish(t + 3 * S);
        expect(store.analytics().bottlenecks.failureHotspots).toEqual([{
            workflow: 'w', task: 'flaky', runs: 1, failedRuns: 0, attempts: 2, failedAttempts: 1, lastError: { kind: 'timeout', message: 'took too long' }
        }]);
    });
});

describe('recommendations, each with the numbers behind it', () => {
    /**
     * Three tasks of one pool, each waiting `waitSeconds` in its queue and then running 1 s, and
     * one task outside it that waits `otherWaitSeconds` and runs 1 s.
     */
    async function poolRun(waitSeconds: number, { usage, otherWaitSeconds = 0 }: { usage?: ProcessUsage; otherWaitSeconds?: number } = {}) {
        const store = await storeAtNow();
        const t = NOW - DAY;
        const writer = run(store, modelOf('w', { p1: { pool: 'cpu_intensive' }, p2: { pool: 'cpu_intensive' }, p3: { pool: 'cpu_intensive' }, other: {} }, { cpu_intensive: 2 }));
        for (const task of ['p1', 'p2', 'p3']) writer.ran(task, t, t + waitSeconds * S, t + (waitSeconds + 1) * S, usage ? { usage } : {});
        writer.ran('other', t, t + otherWaitSeconds * S, t + (otherWaitSeconds + 1) * S);
        writer.finish(t + (Math.max(waitSeconds, otherWaitSeconds) + 1) * S);
        return store.analytics().recommendations.filter(recommendation => recommendation.kind === 'pool_queue');
    }

    test('a pool whose queue wait dominates its tasks\' time', async () => {
        expect(await poolRun(4, { otherWaitSeconds: 0.25 })).toEqual([{
            kind: 'pool_queue', subject: 'cpu_intensive',
            message: 'pool cpu_intensive: tasks waited 80% of their time in its queue (p50 4.0 s, 3 tasks; tasks outside it 20%); ' +
                'raise its concurrency (now 2) or move some of its tasks to another pool',
            data: { waitShare: 0.8, othersWaitShare: 0.2, p50WaitMs: 4000, tasks: 3, concurrency: 2, cpuShare: null }
        }]);
    });

    test('...not when the tasks outside it wait as long (the pool is not what holds them)', async () => {
        expect(await poolRun(4, { otherWaitSeconds: 4 })).toEqual([]);
    });

    test('...says so when those tasks hardly use the CPU', async () => {
        const [recommendation] = await poolRun(4, { usage: { cpuMs: 50, wallMs: 1000 } });
        expect(recommendation.message).toContain('while using the CPU 5% of their process time');
    });

    test('...but not for waits under a second', async () => {
        expect(await poolRun(0.9)).toEqual([]);
    });

    test('an agent that fails a quarter of its attempts or more', async () => {
        const store = await storeAtNow();
        const t = NOW - DAY;
        const writer = run(store, modelOf('w', { a: {}, b: {}, c: {}, d: {}, e: {}, f: {}, g: {} }));
        writer.ready('a', t).started('a', t, 1, { agent: 'flaky' }).attemptFailed('a', t + S, 1, { agent: 'flaky' })
            .started('a', t + S, 2, { agent: 'steady' }).completed('a', t + 2 * S, { attempts: 2, agent: 'steady' });
        for (const task of ['b', 'c', 'd']) writer.ran(task, t, t, t + S, { agent: 'flaky' });
        for (const task of ['e', 'f', 'g']) writer.ran(task, t, t, t + S, { agent: 'steady' });
        writer.finish(t + 2 * S);
        expect(store.analytics().recommendations.filter(recommendation => recommendation.kind === 'agent_failures')).toEqual([{
            kind: 'agent_failures', subject: 'flaky',
            message: 'agent flaky failed 25% of its attempts (1 of 4): check it, or lower its weight so it gets less work',
            data: { failed: 1, attempts: 4, failureRate: 0.25 }
        }]);
    });

    test('a task that holds the critical path of most runs', async () => {
        const store = await storeAtNow();
        for (let index = 0; index < 3; index++) chainRun(store, 'w', { prepare: 1, analyse: 9 });
        expect(store.analytics().recommendations).toEqual([{
            kind: 'critical_path', subject: 'w/analyse',
            message: 'task analyse is on the critical path of 3 of 3 runs of w and takes 90% of its length (mean 9.0 s): ' +
                'making it faster, or splitting it into tasks that run in parallel, shortens the runs',
            data: { runs: 3, onPath: 3, timeShare: 0.9, meanMs: 9000 }
        }]);
    });

    test('...not for a task of under a second', async () => {
        const store = await storeAtNow();
        for (let index = 0; index < 3; index++) chainRun(store, 'w', { prepare: 0.1, analyse: 0.9 });
        expect(store.analytics().recommendations).toEqual([]);
    });

    test('...not with fewer than three runs to judge by', async () => {
        const store = await storeAtNow();
        for (let index = 0; index < 2; index++) chainRun(store, 'w', { prepare: 1, analyse: 9 });
        expect(store.analytics().recommendations).toEqual([]);
    });

    test('a cached type that never hits', async () => {
        const store = await storeAtNow();
        const model = modelOf('w', { lookup: { type: 'research', cache: true } });
        for (let index = 0; index < 3; index++) run(store, model).ran('lookup', NOW - DAY, NOW - DAY, NOW - DAY + S).finish(NOW - DAY + S);
        expect(store.analytics().recommendations).toEqual([{
            kind: 'cache_misses', subject: 'research',
            message: 'cache hit rate 0% for type research with cache on (0 of 3 lookups, 1 of its tasks looked up in more than one run): ' +
                'check that its inputs are stable (a parameter or upstream result that changes every run changes the key) and that its ttl outlives the time between runs',
            data: { lookups: 3, hits: 0, repeatedTasks: 1 }
        }]);
    });

    test('a task that fails in half its runs or more', async () => {
        const store = await storeAtNow();
        const model = modelOf('w', { deploy: {} });
        const t = NOW - DAY;
        for (let index = 0; index < 2; index++) {
            run(store, model).ready('deploy', t).started('deploy', t).attemptFailed('deploy', t + S).failed('deploy', t + S, 1).finish(t + S, 'failed');
        }
        run(store, model).ran('deploy', t, t, t + S).finish(t + S);
        const failing = store.analytics().recommendations.filter(recommendation => recommendation.kind === 'failing_task');
        expect(failing).toEqual([{
            kind: 'failing_task', subject: 'w/deploy',
            message: 'task deploy of w failed in 2 of 3 runs (2 failed attempts; last: exit_code: exit 1): look at its logs (flowctl show <run>) before running it again',
            data: { failedRuns: 2, runs: 3, failedAttempts: 2, lastErrorKind: 'exit_code' }
        }]);
    });

    test('a task that needs retries in half its runs or more', async () => {
        const store = await storeAtNow();
        const model = modelOf('w', { fetch: {} });
        const t = NOW - DAY;
        for (let index = 0; index < 2; index++) {
            run(store, model).ready('fetch', t).started('fetch', t).attemptFailed('fetch', t + S).started('fetch', t + S, 2)
                .completed('fetch', t + 2 * S, { attempts: 2 }).finish(t + 2 * S);
        }
        run(store, model).ran('fetch', t, t, t + S).finish(t + S);
        const flaky = store.analytics().recommendations.filter(recommendation => recommendation.kind === 'flaky_task');
        expect(flaky).toEqual([{
            kind: 'flaky_task', subject: 'w/fetch',
            message: 'task fetch of w needed retries in 2 of 3 runs (mean 1.67 attempts): it succeeds in the end, but each retry costs time on the runs; ' +
                'find what makes its first attempt fail',
            data: { retriedRuns: 2, runs: 3, meanAttempts: 1.67 }
        }]);
    });
});
