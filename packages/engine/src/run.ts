/**
 * The thin runner around the pure core: it feeds inputs to `transition` and performs the
 * effects that come back (calls the dispatcher, sets timers on the clock, talks to the cache,
 * hands events to subscribers). Everything that decides lives in core.ts.
 */
import { randomUUID } from 'node:crypto';
import { glob } from 'node:fs/promises';
import { basename, dirname, extname, resolve } from 'node:path';
import type { Json, WorkflowModel } from '@flow/model';
import { MemoryResultCache, type ResultCache } from './cache.js';
import { systemClock, type Clock, type TimerHandle } from './clock.js';
import { createEngineState, explainTaskScore, transition, type EngineState, type ReuseSource } from './core.js';
import type { ScoreExplanation } from './score.js';
import { InProcessDispatcher, type Dispatcher } from './dispatcher.js';
import { TaskFailure } from './errors.js';
import type { RunEvent } from './events.js';
import { resolveParams } from './params.js';
import type { AttemptOutcome, Effect, EngineInput, RunResult } from './protocol.js';
import { defaultRunners } from './runners/index.js';
import type { RunnerRegistry } from './runners/registry.js';

export interface RunOptions {
    /** Parameter values by name; strings are converted to the declared types (see `resolveParams`). */
    params?: Record<string, Json>;
    /** The run's id. @default a random UUID */
    runId?: string;
    /** Where time comes from. @default systemClock */
    clock?: Clock;
    /** The runners of the default in-process dispatcher. @default defaultRunners() */
    runners?: RunnerRegistry;
    /** Where attempts run. @default an InProcessDispatcher with `runners` */
    dispatcher?: Dispatcher;
    /** The results cache; `false` turns caching off. @default a MemoryResultCache on `clock` */
    cache?: ResultCache | false;
    /** `false` neither looks up nor stores cached results, whatever the cache. @default true */
    useCache?: boolean;
    /** Most attempts running at once. @default Infinity */
    maxParallel?: number;
    /** Results of an earlier run that unchanged tasks keep instead of running (a resume). */
    reuse?: ReuseSource;
    /** Time limit of the whole run, overriding the workflow's `timeout`. */
    timeoutMs?: number;
    /** Cancels the run when aborted. */
    signal?: AbortSignal;
    /** Called with every event, in order. */
    onEvent?: (event: RunEvent) => void;
    /** Random numbers in [0, 1) for retry jitter. @default Math.random */
    random?: () => number;
    /** The folder commands run in and relative paths start from. @default the folder of model.source.file, else the current folder */
    workflowDir?: string;
    /** The folder for per-attempt log files. @default no log files */
    logDir?: string;
    /**
     * How long an attempt may take to stop after it was told to (timeout, cancellation) before
     * the run treats it as stopped anyway. @default 30000
     */
    abortGraceMs?: number;
}

export interface RunHandle {
    readonly runId: string;
    /** Settles when the run has finished; never rejects for a failed run (see `status`). */
    readonly result: Promise<RunResult>;
    /** Cancels the run: running attempts are stopped, nothing new starts. */
    cancel(reason?: string): void;
    /** Kills every running process at once (a second Ctrl-C); the run still settles as cancelled. */
    kill(): void;
    /** Adds an event listener; returns a function that removes it. */
    subscribe(listener: (event: RunEvent) => void): () => void;
    /**
     * Why a task scores what it does now, factor by factor (the editor's "why is this waiting?").
     * Throws for a task the workflow does not have.
     */
    explainTaskScore(taskId: string): ScoreExplanation;
}

/** Runs a workflow to its end. */
export function runWorkflow(model: WorkflowModel, options: RunOptions = {}): Promise<RunResult> {
    return startWorkflow(model, options).result;
}

/**
 * Starts a workflow and returns a handle to follow and cancel it. Throws a
 * `WorkflowConfigError` at once for parameters or settings the engine cannot run with.
 */
export function startWorkflow(model: WorkflowModel, options: RunOptions = {}): RunHandle {
    const clock = options.clock ?? systemClock;
    const random = options.random ?? Math.random;
    const runId = options.runId ?? randomUUID();
    const workflowDir = options.workflowDir ?? (model.source?.file ? dirname(resolve(model.source.file)) : process.cwd());
    const runners = options.runners ?? defaultRunners();
    const dispatcher = options.dispatcher ?? new InProcessDispatcher({ runners, clock, workflowDir, logDir: options.logDir });
    const cache = options.cache === false || options.useCache === false ? undefined : options.cache ?? new MemoryResultCache({
        clock, maxEntries: model.policies.cache.maxEntries, maxBytes: model.policies.cache.maxBytes
    });
    const abortGraceMs = options.abortGraceMs ?? 30_000;
    const params = resolveParams(model, options.params ?? {});

    const listeners = new Set<(event: RunEvent) => void>();
    if (options.onEvent) listeners.add(options.onEvent);
    const timers = new Map<number, TimerHandle>();
    const attempts = new Map<number, { controller: AbortController; forceTimer?: TimerHandle }>();
    // Built now, so a workflow the engine cannot run is refused before anything starts.
    const state: EngineState = createEngineState(model, {
        runId, params, maxParallel: options.maxParallel, timeoutMs: options.timeoutMs, useCache: cache !== undefined,
        reuse: options.reuse
    });
    let started = false;
    const queue: EngineInput[] = [];
    let processing = false;
    let finished = false;
    let resolveResult!: (result: RunResult) => void;
    let rejectResult!: (error: unknown) => void;
    const result = new Promise<RunResult>((resolvePromise, rejectPromise) => {
        resolveResult = resolvePromise;
        rejectResult = rejectPromise;
    });

    const send = (input: EngineInput): void => {
        // After the engine failed (see `fail`), late settlements and timers change nothing.
        if (finished) return;
        queue.push(input);
        if (processing || !started) return;
        processing = true;
        try {
            // Inputs that effects produce synchronously are queued, never nested.
            for (let index = 0; index < queue.length; index++) {
                const { effects } = transition(state, queue[index]);
                for (const effect of effects) perform(effect);
            }
            queue.length = 0;
        } catch (error) {
            queue.length = 0;
            fail(error);
        } finally {
            processing = false;
        }
    };

    const fail = (error: unknown): void => {
        if (finished) return;
        finished = true;
        for (const handle of timers.values()) clock.clearTimeout(handle);
        timers.clear();
        for (const { controller } of attempts.values()) controller.abort(TaskFailure.cancelled('the engine failed'));
        options.signal?.removeEventListener('abort', onSignal);
        rejectResult(error);
    };

    const settleAttempt = (attemptId: number, outcome: AttemptOutcome): void => {
        const entry = attempts.get(attemptId);
        if (!entry) return;
        attempts.delete(attemptId);
        if (entry.forceTimer !== undefined) clock.clearTimeout(entry.forceTimer);
        send({ type: 'attempt.settled', attemptId, outcome, now: clock.now(), random: random() });
    };

    const perform = (effect: Effect): void => {
        switch (effect.type) {
            case 'emit':
                for (const listener of listeners) {
                    try {
                        listener(effect.event);
                    } catch (error) {
                        // A broken listener must not break the run it listens to.
                        process.emitWarning(`A run event listener threw: ${(error as Error).message}`);
                    }
                }
                return;
            case 'attempt.start': {
                const controller = new AbortController();
                const attemptId = effect.request.attemptId;
                attempts.set(attemptId, { controller });
                dispatcher.execute(effect.request, controller.signal).then(
                    outcome => settleAttempt(attemptId, outcome),
                    error => settleAttempt(attemptId, { ok: false, error: TaskFailure.from(error).toJSON() }));
                return;
            }
            case 'attempt.abort': {
                const entry = attempts.get(effect.attemptId);
                if (!entry) return;
                entry.controller.abort(TaskFailure.fromJSON(effect.error));
                // A runner that ignores its signal must not hold the run forever.
                entry.forceTimer = clock.setTimeout(() => settleAttempt(effect.attemptId, {
                    ok: false, error: TaskFailure.nonRetryable(`the attempt did not stop within ${abortGraceMs} ms of being told to`, effect.error.kind).toJSON()
                }), abortGraceMs);
                return;
            }
            case 'timer.set':
                timers.set(effect.timerId, clock.setTimeout(() => {
                    timers.delete(effect.timerId);
                    send({ type: 'timer.fired', timerId: effect.timerId, now: clock.now() });
                }, effect.delayMs));
                return;
            case 'timer.cancel': {
                const handle = timers.get(effect.timerId);
                if (handle !== undefined) clock.clearTimeout(handle);
                timers.delete(effect.timerId);
                return;
            }
            case 'cache.lookup':
                Promise.resolve()
                    .then(() => cache?.get(effect.key))
                    .then(entry => send({ type: 'cache.looked_up', task: effect.task, key: effect.key, hit: entry, now: clock.now() }),
                        () => send({ type: 'cache.looked_up', task: effect.task, key: effect.key, now: clock.now() }));
                return;
            case 'cache.store':
                Promise.resolve().then(() => cache?.set(effect.key, effect.value, effect.ttlMs))
                    .catch(error => process.emitWarning(`Storing the cached result of ${effect.task} failed: ${(error as Error).message}`));
                return;
            case 'compensation.run':
                dispatcher.execute(effect.request, new AbortController().signal).then(
                    outcome => send({ type: 'compensation.settled', task: effect.task, outcome, now: clock.now() }),
                    error => send({ type: 'compensation.settled', task: effect.task, outcome: { ok: false, error: TaskFailure.from(error).toJSON() }, now: clock.now() }));
                return;
            case 'notification.run':
                dispatcher.execute(effect.request, new AbortController().signal).then(
                    outcome => send({ type: 'notification.settled', notificationId: effect.notificationId, target: effect.target, outcome, now: clock.now() }),
                    error => send({ type: 'notification.settled', notificationId: effect.notificationId, target: effect.target, outcome: { ok: false, error: TaskFailure.from(error).toJSON() }, now: clock.now() }));
                return;
            case 'run.finished':
                finished = true;
                for (const handle of timers.values()) clock.clearTimeout(handle);
                timers.clear();
                options.signal?.removeEventListener('abort', onSignal);
                resolveResult(effect.result);
                return;
        }
    };

    const cancel = (reason = 'cancelled by the user'): void => {
        if (!finished) send({ type: 'cancel', reason, now: clock.now() });
    };
    const onSignal = (): void => cancel(options.signal?.reason instanceof Error ? options.signal.reason.message : 'cancelled by the user');
    options.signal?.addEventListener('abort', onSignal, { once: true });

    const begin = async (): Promise<void> => {
        state.config.batchItems = await resolveBatchGlobs(model, workflowDir);
        started = true;
        // Inputs that arrived before the start (a cancel) run after it.
        queue.unshift({ type: 'start', now: clock.now() });
        const waiting = queue.splice(0);
        for (const input of waiting) send(input);
        if (options.signal?.aborted) onSignal();
    };
    begin().catch(fail);

    return {
        runId,
        result,
        cancel,
        kill: () => {
            dispatcher.killAll?.();
            cancel('killed by the user');
        },
        explainTaskScore: taskId => explainTaskScore(state, taskId, clock.now()),
        subscribe: listener => {
            listeners.add(listener);
            return () => listeners.delete(listener);
        }
    };
}

/**
 * Items of batches that take them from a glob: each matching file, relative to the workflow's
 * folder, becomes `{ path, name, id }` (`id` is the name without its extension), in sorted order.
 */
async function resolveBatchGlobs(model: WorkflowModel, workflowDir: string): Promise<Record<string, Json[]>> {
    const items: Record<string, Json[]> = {};
    for (const task of model.tasks) {
        const pattern = task.batch?.glob;
        if (task.batch?.items !== undefined || pattern === undefined) continue;
        const paths: string[] = [];
        for await (const path of glob(pattern, { cwd: workflowDir })) paths.push(path);
        paths.sort();
        items[task.id] = paths.map(path => ({ path, name: basename(path), id: basename(path, extname(path)) }));
    }
    return items;
}
