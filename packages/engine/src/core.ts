/**
 * The engine's pure core, shaped like XState v5's `transition`: `transition(state, input)`
 * returns the next state and the effects to perform (emit an event, start or abort an attempt,
 * set or cancel a timer, look up or store a cached result, run a compensation or a
 * notification). It performs no I/O, reads no clock and draws no random number: time and
 * randomness arrive in the inputs. `runWorkflow` (run.ts) performs the effects.
 *
 * For speed the state is updated in place (copying a 100k-task state per event would make a
 * run quadratic): `transition` takes ownership of the state it is given. Use `cloneState` to
 * keep a snapshot.
 */
import type {
    AgentDef, Json, PriorityLevel, RecoveryRule, RunnerDef, TaskDef, WorkflowModel
} from '@flow/model';
import { conditionAllowsRun, evaluateExpression, isTruthy, parseDateTime, printExpression, referencedTasks } from '@flow/model';
import type { TaskOutcome } from '@flow/model';
import { retryDelay } from './backoff.js';
import { definitionHash, effectiveRunners, fingerprint, paramsSeenBy, seenParams, tasksReadBy } from './fingerprint.js';
import { TaskFailure, WorkflowConfigError, type FailureInfo } from './errors.js';
import { DEMO_RUNNER_KINDS, TERMINAL_STATUSES, type EventBase, type ProcessUsage, type RunEvent, type RunStatus, type TaskStatus } from './events.js';
import { ScoreHeap } from './heap.js';
import type { AttemptOutcome, AttemptRequest, Effect, EngineInput, RunResult, TaskSummary, UpstreamOutcome } from './protocol.js';
import {
    agingMultiplier, computeScore, deadlineUrgency, ratio, resourceAvailability, shapeFactor, type ScoreExplanation
} from './score.js';

/** How a run is configured beyond its model. */
export interface EngineConfig {
    runId: string;
    /** The run's parameter values, resolved and typed (see `resolveParams`). */
    params: Record<string, Json>;
    /** Most attempts running at once, over all agents and pools. @default Infinity */
    maxParallel?: number;
    /** Time limit of the whole run; overrides the workflow's `timeout`. @default the workflow's */
    timeoutMs?: number;
    /** Look up and store cached results of cacheable tasks. @default true */
    useCache?: boolean;
    /** Items of batches that take them from a glob, resolved by the runner before the run. */
    batchItems?: Record<string, Json[]>;
    /**
     * Results of an earlier run that tasks keep instead of running, each under the fingerprint
     * the task had there (see `runFingerprints`): a task whose fingerprint here is the same
     * completes with that result, and says so. This is how a resume reuses what did not change.
     */
    reuse?: ReuseSource;
}

/** Results a run may reuse, and where they come from. */
export interface ReuseSource {
    from: { runId: string; checkpoint?: string | number };
    /** By task id; `runId` names the run that produced the result when it is not `from`'s. */
    results: Record<string, { key: string; result: Json; runId?: string }>;
}

type UnitStatus = 'idle' | 'queued' | 'running' | 'retry_wait' | 'completed' | 'failed' | 'cancelled';

/** One schedulable piece of a task: the task itself, or one item of a batch. */
interface UnitState {
    task: TaskState;
    /** The batch item's index, or -1 for a plain task. */
    item: number;
    status: UnitStatus;
    /** Attempts started. */
    attempt: number;
    attemptId: number;
    agent?: AgentState;
    /** Agents not to use for the next attempt (failover and reassignment). */
    excluded: ReadonlySet<string>;
    /** Agents this unit has run on. */
    tried: ReadonlySet<string>;
    /** Set when the next attempt is a failover away from this agent. */
    failoverFrom?: string;
    timeoutMs?: number;
    modifications?: Record<string, Json>;
    /** Uses of each recovery rule, by the rule's index. */
    recoveryUses: number[];
    /** When an attempt was stopped (timeout, batch stop, run cancelled), the failure it ends with. */
    abortError?: FailureInfo;
    /** The attempt's timeout timer or the unit's retry timer. */
    timerId?: number;
    enqueuedAt: number;
    /** levelWeight × aging multiplier at the last scoring: scales the resources factor. */
    levelScale: number;
    probe: boolean;
    result?: Json;
    error?: FailureInfo;
    startedAt?: number;
}

interface TaskState {
    def: TaskDef;
    index: number;
    status: TaskStatus;
    dependents: TaskState[];
    /** Upstream tasks that finished, and how. */
    depsDone: number;
    depsCompleted: number;
    depsFailed: number;
    depsSkipped: number;
    /** Distinct upstream task ids. */
    dependencies: string[];
    /** Tasks whose outcome the task's runner text reads, besides its dependencies. */
    reads: readonly string[];
    units: UnitState[];
    unitsDone: number;
    unitsFailed: number;
    unitsRunning: number;
    /** For a batch stopped by a failing item. */
    stopping: boolean;
    needsAgent: boolean;
    /** Agents that may run the task, preferred first. */
    candidates: AgentState[];
    preferred: ReadonlySet<string>;
    pool?: PoolState;
    result?: Json;
    error?: FailureInfo;
    reason?: string;
    escalated: boolean;
    fromCache: boolean;
    /** Completed with a result reused from `config.reuse`. */
    reused: boolean;
    /** The task's fingerprint (fingerprint.ts), computed when the cache or a reuse needs it. */
    cacheKey?: string;
    /** What the fingerprint is made of; the definition hash is computed on first use. */
    basis?: { definition?: string; runners: RunnerDef[] };
    /** Parameter names the task sees (and its runner receives); undefined: all of them. */
    paramNames: string[] | undefined;
    /** What its dependents see of it, set once it has ended. */
    outcome?: UpstreamOutcome;
    startedAt?: number;
    finishedAt?: number;
    lastAgent?: string;
    failovers: number;
    timerId?: number;
    phase?: PhaseState;
    markers: MarkerState[];
    /** The key of the dispatch class of the task's units that exclude no agent. */
    classKey?: string;
}

interface BreakerState {
    state: 'closed' | 'open' | 'half_open';
    failures: number;
    probesInFlight: number;
    probeSuccesses: number;
    timerId?: number;
}

interface AgentState {
    def: AgentDef;
    index: number;
    running: number;
    breaker: BreakerState;
    /** Smooth weighted round robin's current weight. */
    currentWeight: number;
}

interface PoolState {
    name: string;
    concurrency: number;
    running: number;
}

interface PhaseState {
    name: string;
    total: number;
    done: number;
    failed: number;
    started: boolean;
    completed: boolean;
}

interface MarkerState {
    kind: 'checkpoint' | 'milestone';
    name: string;
    description?: string;
    remaining: number;
    blocked: boolean;
    reached: boolean;
}

/** Units that compete for the same limits (pool, batch, agents) wait in one heap. */
interface DispatchClass {
    key: string;
    heap: ScoreHeap<UnitState>;
    pool?: PoolState;
    batch?: TaskState;
    needsAgent: boolean;
    candidates: AgentState[];
}

type TimerPurpose =
    | { kind: 'attempt_timeout'; unit: UnitState; attemptId: number }
    | { kind: 'retry'; unit: UnitState }
    | { kind: 'start_at'; task: TaskState }
    | { kind: 'workflow_timeout' }
    | { kind: 'deadline'; task: TaskState }
    | { kind: 'sla'; level: PriorityLevel }
    | { kind: 'breaker_recovery'; agent: AgentState }
    | { kind: 'aging' };

type Lifecycle = 'idle' | 'running' | 'draining' | 'compensating' | 'notifying' | 'finished';

export interface EngineState {
    readonly model: WorkflowModel;
    readonly config: Required<Pick<EngineConfig, 'runId' | 'params' | 'maxParallel' | 'useCache'>> & EngineConfig;
    lifecycle: Lifecycle;
    /** The time of the last input. */
    now: number;
    seq: number;
    startedAt: number;
    tasks: TaskState[];
    byId: Map<string, TaskState>;
    agents: AgentState[];
    agentsByName: Map<string, AgentState>;
    pools: Map<string, PoolState>;
    phases: PhaseState[];
    /** Index of the earliest declared phase that may not have finished (phases before it have). */
    phaseCursor: number;
    classes: Map<string, DispatchClass>;
    /** Attempts in flight (including ones being stopped). */
    running: number;
    /** Tasks not yet in a terminal status. */
    unfinished: number;
    counts: { completed: number; failed: number; skipped: number };
    attempts: Map<number, UnitState>;
    nextAttemptId: number;
    timers: Map<number, TimerPurpose>;
    nextTimerId: number;
    agingTimer?: number;
    /** Global FIFO order of units entering the ready queues. */
    order: number;
    completionOrder: TaskState[];
    pendingLookups: number;
    pendingNotifications: number;
    nextNotificationId: number;
    /** Completed tasks still to compensate, next first. */
    compensations: TaskState[];
    /** Whether the first of `compensations` is being run. */
    compensationRunning: boolean;
    outcome?: { status: RunStatus; reason?: string };
    /** Maxima the score's value and dependents factors are relative to (a task's dependents are `task.dependents`). */
    statics: { maxDependents: number; maxBusinessValue: number };
}

/** Builds the initial state of a run, checking what the engine relies on. */
export function createEngineState(model: WorkflowModel, config: EngineConfig): EngineState {
    if (config.maxParallel !== undefined && !(config.maxParallel >= 1)) {
        throw new WorkflowConfigError('maxParallel', `maxParallel is ${config.maxParallel}: give at least 1, or leave it out for no limit.`);
    }
    const agents = model.agents.map((def, index): AgentState => {
        if (!(def.concurrency >= 1)) {
            throw new WorkflowConfigError(`agents.${def.name}.concurrency`, `Agent ${def.name} has concurrency ${def.concurrency}: give it at least 1.`);
        }
        return { def, index, running: 0, currentWeight: 0, breaker: { state: 'closed', failures: 0, probesInFlight: 0, probeSuccesses: 0 } };
    });
    const agentsByName = new Map(agents.map(agent => [agent.def.name, agent]));
    const pools = new Map<string, PoolState>();
    for (const pool of model.pools) {
        if (!(pool.concurrency >= 1)) {
            throw new WorkflowConfigError(`pools.${pool.name}.concurrency`, `Pool ${pool.name} has concurrency ${pool.concurrency}: give it at least 1.`);
        }
        pools.set(pool.name, { name: pool.name, concurrency: pool.concurrency, running: 0 });
    }
    const phases = model.phases.map((phase): PhaseState => ({ name: phase.name, total: 0, done: 0, failed: 0, started: false, completed: false }));
    const phasesByName = new Map(phases.map(phase => [phase.name, phase]));

    const byId = new Map<string, TaskState>();
    const tasks = model.tasks.map((def, index): TaskState => {
        if (byId.has(def.id)) throw new WorkflowConfigError(`tasks.${def.id}`, `Two tasks are named ${def.id}: rename one.`);
        const task: TaskState = {
            def, index, status: 'pending', dependents: [], depsDone: 0, depsCompleted: 0, depsFailed: 0, depsSkipped: 0,
            dependencies: distinct(def.dependencies), reads: NONE, units: [], unitsDone: 0, unitsFailed: 0, unitsRunning: 0,
            stopping: false, needsAgent: false, candidates: NO_CANDIDATES,
            preferred: def.preferredAgents.length > 0 ? new Set(def.preferredAgents) : NO_NAMES, escalated: false,
            fromCache: false, reused: false, paramNames: undefined, failovers: 0, markers: []
        };
        if (def.pool !== undefined) {
            task.pool = pools.get(def.pool);
            if (!task.pool) throw new WorkflowConfigError(`tasks.${def.id}.pool`, `Task ${def.id} names pool ${def.pool}, which the workflow does not declare.`);
        }
        if (def.agent !== undefined && !agentsByName.has(def.agent)) {
            throw new WorkflowConfigError(`tasks.${def.id}.agent`, `Task ${def.id} names agent ${def.agent}, which the workflow does not declare.`);
        }
        task.phase = def.phase !== undefined ? phasesByName.get(def.phase) : undefined;
        if (task.phase) task.phase.total++;
        byId.set(def.id, task);
        return task;
    });
    for (const task of tasks) {
        for (const dependency of task.dependencies) {
            const upstream = byId.get(dependency);
            if (!upstream) {
                throw new WorkflowConfigError(`tasks.${task.def.id}.dependencies`, `Task ${task.def.id} waits for ${dependency}, which the workflow does not declare.`);
            }
            upstream.dependents.push(task);
        }
        assignCandidates(task, agents, agentsByName);
        // Declaration order, as runFingerprints sees the agents: preference does not change what runs.
        const inDeclarationOrder = task.candidates.length < 2 ? task.candidates : [...task.candidates].sort((a, b) => a.index - b.index);
        const runners = effectiveRunners(task.def, inDeclarationOrder.map(agent => agent.def.run));
        task.basis = { runners };
        task.paramNames = paramsSeenBy(task.def, runners);
        const reads = tasksReadBy(task.def, runners, id => byId.has(id));
        if (reads.length > 0) task.reads = reads;
        if (task.def.batch !== undefined && !(task.def.batch.concurrency >= 1)) {
            throw new WorkflowConfigError(`tasks.${task.def.id}.batch.concurrency`,
                `Batch ${task.def.id} has concurrency ${task.def.batch!.concurrency}: give it at least 1.`);
        }
    }
    checkAcyclic(tasks);

    const markers: MarkerState[] = [];
    const addMarkers = (kind: 'checkpoint' | 'milestone', defs: WorkflowModel['checkpoints']): void => {
        for (const def of defs) {
            const marker: MarkerState = { kind, name: def.name, description: def.description, remaining: 0, blocked: false, reached: false };
            for (const taskId of new Set(def.after)) {
                const task = byId.get(taskId);
                if (!task) throw new WorkflowConfigError(`${kind}s.${def.name}`, `The ${kind} ${def.name} waits for ${taskId}, which the workflow does not declare.`);
                task.markers.push(marker);
                marker.remaining++;
            }
            markers.push(marker);
        }
    };
    addMarkers('checkpoint', model.checkpoints);
    addMarkers('milestone', model.milestones);

    return {
        model,
        // `??` rather than defaults spread first: a caller passing `maxParallel: undefined` means the default.
        config: { ...config, maxParallel: config.maxParallel ?? Infinity, useCache: config.useCache ?? true },
        lifecycle: 'idle', now: 0, seq: 0, startedAt: 0,
        tasks, byId, agents, agentsByName, pools, phases, phaseCursor: 0,
        classes: new Map(), running: 0, unfinished: tasks.length,
        counts: { completed: 0, failed: 0, skipped: 0 },
        attempts: new Map(), nextAttemptId: 1, timers: new Map(), nextTimerId: 1, order: 0,
        completionOrder: [], pendingLookups: 0, pendingNotifications: 0, nextNotificationId: 1, compensations: [], compensationRunning: false,
        statics: staticsOf(tasks)
    };
}

/**
 * Refuses dependency cycles: their tasks would never become ready and the run would wait
 * forever. The validator reports them in the editor; a model from elsewhere may still have one.
 * Kahn's algorithm, O(tasks + edges).
 */
function checkAcyclic(tasks: TaskState[]): void {
    const waiting = tasks.map(task => task.dependencies.length);
    const free = tasks.filter(task => task.dependencies.length === 0);
    for (let index = 0; index < free.length; index++) {
        for (const dependent of free[index].dependents) {
            if (--waiting[dependent.index] === 0) free.push(dependent);
        }
    }
    if (free.length === tasks.length) return;
    const stuck = tasks.filter(task => waiting[task.index] > 0).map(task => task.def.id);
    throw new WorkflowConfigError('tasks',
        `Tasks ${stuck.slice(0, 5).join(', ')}${stuck.length > 5 ? ', ...' : ''} wait for each other in a cycle (or for a task in one), ` +
        'so none of them could ever start: remove one of the `after` edges between them.');
}

function staticsOf(tasks: readonly TaskState[]): EngineState['statics'] {
    let maxDependents = 0;
    let maxBusinessValue = 0;
    for (const task of tasks) {
        if (task.dependents.length > maxDependents) maxDependents = task.dependents.length;
        const value = task.def.businessValue;
        if (value !== undefined && value > maxBusinessValue) maxBusinessValue = value;
    }
    return { maxDependents, maxBusinessValue };
}

/** Shared empty values for the many tasks that have nothing there; never mutated. */
const NONE: readonly string[] = Object.freeze([]) as readonly string[];
const NO_NAMES: ReadonlySet<string> = new Set();
const NO_CANDIDATES: AgentState[] = [];

/** The ids without repeats; the same array when it has none (the usual case). */
function distinct(ids: readonly string[]): string[] {
    if (ids.length < 2) return ids as string[];
    if (ids.length < 8) {
        for (let i = 1; i < ids.length; i++) if (ids.indexOf(ids[i]) < i) return [...new Set(ids)];
        return ids as string[];
    }
    const unique = new Set(ids);
    return unique.size === ids.length ? ids as string[] : [...unique];
}

/** Which agents may run a task: a named agent, or every agent offering all required capabilities. */
function assignCandidates(task: TaskState, agents: AgentState[], agentsByName: Map<string, AgentState>): void {
    const def = task.def;
    task.needsAgent = def.agent !== undefined || def.run === undefined;
    if (!task.needsAgent) return;
    let capable: AgentState[];
    if (def.agent !== undefined) {
        capable = [agentsByName.get(def.agent)!];
    } else {
        capable = agents.filter(agent => def.requires.every(capability => agent.def.capabilities.includes(capability)));
    }
    // Without a runner of its own, the task needs an agent that has one.
    if (def.run === undefined) capable = capable.filter(agent => agent.def.run !== undefined);
    // Preferred agents first, then declaration order.
    task.candidates = [...capable].sort((a, b) => Number(task.preferred.has(b.def.name)) - Number(task.preferred.has(a.def.name)) || a.index - b.index);
}

/** Every string of a runner that may hold placeholders. */
export function runnerTexts(runner: RunnerDef): string[] {
    switch (runner.kind) {
        case 'shell': return [runner.command];
        case 'http': return [runner.url, ...(runner.body !== undefined ? [runner.body] : []), ...Object.values(runner.headers).filter((v): v is string => typeof v === 'string')];
        case 'lm': return [runner.prompt, ...(runner.system !== undefined ? [runner.system] : [])];
        case 'echo': return typeof runner.value === 'string' ? [runner.value] : [];
        case 'fail': return [runner.message];
        case 'node': return [runner.module];
        default: return [];
    }
}

/** A deep copy of a state, for tests and tools that want to keep a snapshot. */
export function cloneState(state: EngineState): EngineState {
    return structuredClone(state);
}

// ---------------------------------------------------------------------------------------------
// The transition

/** One transition's working set: the state, the effects gathered so far, and the time. */
interface Step {
    state: EngineState;
    effects: Effect[];
    now: number;
}

type EventBody = RunEvent extends infer E ? E extends RunEvent ? Omit<E, keyof EventBase> : never : never;

/** Applies one input to the state and returns the effects to perform, in order. */
export function transition(state: EngineState, input: EngineInput): { state: EngineState; effects: Effect[] } {
    const step: Step = { state, effects: [], now: input.now };
    if (state.lifecycle === 'finished') return { state, effects: [] };
    state.now = input.now;
    switch (input.type) {
        case 'start': start(step); break;
        case 'attempt.settled': attemptSettled(step, input.attemptId, input.outcome, input.random); break;
        case 'timer.fired': timerFired(step, input.timerId); break;
        case 'cache.looked_up': cacheLookedUp(step, input.task, input.key, input.hit); break;
        case 'compensation.settled': compensationSettled(step, input.task, input.outcome); break;
        case 'notification.settled': notificationSettled(step, input.target, input.outcome); break;
        case 'cancel': cancel(step, input.reason); break;
    }
    if (state.lifecycle === 'running') dispatch(step);
    advanceLifecycle(step);
    return { state, effects: step.effects };
}

function emit(step: Step, body: EventBody): void {
    const state = step.state;
    // Every call site passes a fresh literal: complete it in place rather than copying it.
    const event = body as RunEvent;
    event.runId = state.config.runId;
    event.seq = ++state.seq;
    event.time = step.now;
    step.effects.push({ type: 'emit', event });
}

function setTimer(step: Step, delayMs: number, purpose: TimerPurpose): number {
    const timerId = step.state.nextTimerId++;
    step.state.timers.set(timerId, purpose);
    step.effects.push({ type: 'timer.set', timerId, delayMs: Math.max(0, delayMs) });
    return timerId;
}

function cancelTimer(step: Step, timerId: number | undefined): void {
    if (timerId === undefined || !step.state.timers.delete(timerId)) return;
    step.effects.push({ type: 'timer.cancel', timerId });
}

// ---------------------------------------------------------------------------------------------
// Start

function start(step: Step): void {
    const state = step.state;
    if (state.lifecycle !== 'idle') return;
    state.lifecycle = 'running';
    state.startedAt = step.now;
    emit(step, { type: 'run.started', workflow: state.model.name, params: state.config.params, totalTasks: state.tasks.length });
    const timeoutMs = state.config.timeoutMs ?? state.model.policies.timeoutMs;
    if (timeoutMs !== undefined) setTimer(step, timeoutMs, { kind: 'workflow_timeout' });
    const levels = new Set<PriorityLevel>();
    for (const task of state.tasks) {
        levels.add(task.def.priority);
        if (task.def.deadline !== undefined) setTimer(step, parseDateTime(task.def.deadline) - step.now, { kind: 'deadline', task });
    }
    for (const level of levels) setTimer(step, state.model.policies.scheduling.levels[level].slaMs, { kind: 'sla', level });
    notifyTargets(step, 'started', `Workflow ${state.model.name} started.`, []);
    emitProgress(step);
    const roots = state.tasks.filter(task => task.dependencies.length === 0);
    for (const task of roots) makeReady(step, task);
}

// ---------------------------------------------------------------------------------------------
// Readiness: trigger rules, conditions, start times, cache

/** Called when a task's dependencies allow it to go ahead. */
function makeReady(step: Step, task: TaskState): void {
    const state = step.state;
    if (task.status !== 'pending') return;
    task.status = 'waiting';
    const condition = task.def.condition;
    if (condition) {
        const context = { params: state.config.params, tasks: outcomesOf(state, referencedTasks(condition.expression)) };
        if (!conditionAllowsRun(condition, context)) {
            const reason = condition.action === 'execute'
                ? `condition \`${condition.text}\` is false`
                : `skip condition \`${condition.text}\` is true`;
            finishTask(step, task, 'skipped', { reason });
            return;
        }
    }
    const problem = runnabilityProblem(state, task);
    if (problem) {
        finishTask(step, task, 'failed', { error: problem });
        return;
    }
    if (task.def.startAt !== undefined) {
        const delay = parseDateTime(task.def.startAt) - step.now;
        if (delay > 0) {
            task.timerId = setTimer(step, delay, { kind: 'start_at', task });
            return;
        }
    }
    afterStartTime(step, task);
}

function afterStartTime(step: Step, task: TaskState): void {
    const state = step.state;
    const reusable = state.config.reuse?.results[task.def.id];
    const cacheable = state.config.useCache && task.def.cache.enabled;
    if (reusable || cacheable) task.cacheKey = fingerprintOf(state, task);
    if (reusable && reusable.key === task.cacheKey) {
        const from = state.config.reuse!.from;
        emit(step, { type: 'task.reused', task: task.def.id, fromRun: reusable.runId ?? from.runId, checkpoint: from.checkpoint });
        task.reused = true;
        task.startedAt = step.now;
        finishTask(step, task, 'completed', { result: reusable.result });
        return;
    }
    if (cacheable) {
        state.pendingLookups++;
        step.effects.push({ type: 'cache.lookup', task: task.def.id, key: task.cacheKey! });
        return;
    }
    enqueueTask(step, task);
}

function cacheLookedUp(step: Step, taskId: string, key: string, hit: { value: Json; storedAt: number } | undefined): void {
    const state = step.state;
    state.pendingLookups--;
    const task = state.byId.get(taskId);
    if (!task || task.status !== 'waiting' || task.cacheKey !== key || state.lifecycle !== 'running') return;
    if (hit) {
        emit(step, { type: 'task.cache_hit', task: taskId, key });
        task.fromCache = true;
        task.startedAt = step.now;
        finishTask(step, task, 'completed', { result: hit.value });
        return;
    }
    enqueueTask(step, task);
}

/** Why a task cannot run at all, or undefined when it can. */
function runnabilityProblem(state: EngineState, task: TaskState): FailureInfo | undefined {
    const def = task.def;
    if (def.kind === 'batch' && def.batch?.items === undefined && state.config.batchItems?.[def.id] === undefined) {
        return TaskFailure.nonRetryable(
            `batch ${def.id} takes its items from "${def.batch?.glob ?? '?'}", which was not resolved before the run`, 'validation_failed').toJSON();
    }
    if (!task.needsAgent) return undefined;
    if (task.candidates.length > 0) return undefined;
    if (def.agent !== undefined) {
        return TaskFailure.nonRetryable(
            `task ${def.id} has no \`run\` of its own and its agent ${def.agent} has none either: give one of them a \`run\``, 'no_runner').toJSON();
    }
    const capable = state.agents.filter(agent => def.requires.every(capability => agent.def.capabilities.includes(capability)));
    if (capable.length > 0) {
        return TaskFailure.nonRetryable(
            `task ${def.id} has no \`run\` of its own, and none of the agents offering ${def.requires.join(', ')} ` +
            `(${capable.map(agent => agent.def.name).join(', ')}) has a \`run\`: give the task or one of them a \`run\``, 'no_runner').toJSON();
    }
    if (state.agents.length === 0) {
        return TaskFailure.nonRetryable(
            `task ${def.id} has no \`run\` and the workflow declares no agent: give the task \`run shell "..."\`, ` +
            `or declare an agent with capabilities ${def.requires.join(', ') || '(any)'} and a \`run\``, 'no_runner').toJSON();
    }
    return TaskFailure.nonRetryable(
        `no agent offers every capability task ${def.id} requires (${def.requires.join(', ')}): ` +
        'add them to an agent, or give the task a `run` of its own', 'no_capable_agent').toJSON();
}

function enqueueTask(step: Step, task: TaskState): void {
    const state = step.state;
    const def = task.def;
    task.status = 'ready';
    if (def.kind === 'batch') {
        const items = def.batch?.items ?? state.config.batchItems?.[def.id] ?? [];
        if (items.length === 0) {
            task.startedAt = step.now;
            finishTask(step, task, 'completed', { result: [] });
            return;
        }
        task.units = items.map((_value, index) => newUnit(task, index));
    } else {
        task.units = [newUnit(task, -1)];
    }
    let firstScore = 0;
    for (const unit of task.units) {
        const score = enqueueUnit(step, unit);
        if (unit.item <= 0) firstScore = score;
    }
    const first = task.units[0];
    emit(step, { type: 'task.ready', task: def.id, score: firstScore + resourcesContribution(state, first, task.needsAgent ? classOf(state, first).candidates : []) });
}

function newUnit(task: TaskState, item: number): UnitState {
    return {
        task, item, status: 'idle', attempt: 0, attemptId: 0, excluded: NO_AGENTS, tried: NO_AGENTS,
        timeoutMs: task.def.timeoutMs, recoveryUses: [], enqueuedAt: 0, levelScale: 1, probe: false
    };
}

// ---------------------------------------------------------------------------------------------
// The ready queues

/** Queues a unit; returns its score without the resources factor. */
function enqueueUnit(step: Step, unit: UnitState): number {
    const state = step.state;
    unit.status = 'queued';
    unit.enqueuedAt = step.now;
    const dispatchClass = classOf(state, unit);
    const score = scoreUnit(state, unit, step.now);
    dispatchClass.heap.push(unit, score, state.order++);
    const scheduling = state.model.policies.scheduling;
    if (state.agingTimer === undefined && scheduling.agingIntervalMs > 0) {
        state.agingTimer = setTimer(step, scheduling.agingIntervalMs, { kind: 'aging' });
    }
    return score;
}

const NO_AGENTS: ReadonlySet<string> = new Set();

function classOf(state: EngineState, unit: UnitState): DispatchClass {
    const task = unit.task;
    const excluded = unit.excluded;
    const candidates = task.needsAgent && excluded.size > 0 ? task.candidates.filter(agent => !excluded.has(agent.def.name)) : task.candidates;
    // Most units exclude no agent and share their task's key, built once.
    const key = excluded.size === 0 && task.classKey !== undefined ? task.classKey : classKey(task, candidates);
    if (excluded.size === 0) task.classKey = key;
    const batch = task.def.kind === 'batch' ? task : undefined;
    let dispatchClass = state.classes.get(key);
    if (!dispatchClass) {
        dispatchClass = { key, heap: new ScoreHeap(), pool: task.pool, batch, needsAgent: task.needsAgent, candidates };
        state.classes.set(key, dispatchClass);
    }
    return dispatchClass;
}

/** Units compete in one heap when they share a pool, a batch and the agents they may use. */
function classKey(task: TaskState, candidates: AgentState[]): string {
    const batch = task.def.kind === 'batch' ? task.def.id : '';
    return `${task.pool?.name ?? ''}\u0000${batch}\u0000${task.needsAgent ? candidates.map(agent => agent.def.name).join(',') : '-'}`;
}

/**
 * The unit's score without the resources factor, which `dispatch` adds from the current state
 * of the pool and agents. Units of one dispatch class share that state, so the heap can order
 * them without it. The arithmetic is score.ts's `computeScore`, without its explanations.
 */
function scoreUnit(state: EngineState, unit: UnitState, now: number): number {
    const scheduling = state.model.policies.scheduling;
    const def = unit.task.def;
    const level = scheduling.levels[def.priority];
    const statics = state.statics;
    const factors = scheduling.factors;
    const sum = factors.deadline.weight * shapeFactor(factors.deadline.curve, deadlineUrgency(def.deadline, now, level.slaMs))
        + factors.value.weight * shapeFactor(factors.value.curve, ratio(def.businessValue ?? 0, statics.maxBusinessValue))
        + factors.dependents.weight * shapeFactor(factors.dependents.curve, ratio(unit.task.dependents.length, statics.maxDependents));
    unit.levelScale = level.weight * agingMultiplier(scheduling, now - unit.enqueuedAt);
    return unit.levelScale * (1 + sum);
}

/** Free and total slots of the agents a unit may run on (an open breaker frees none). */
function agentSlots(state: EngineState, candidates: AgentState[]): { free: number; capacity: number } {
    let free = 0;
    let capacity = 0;
    for (const agent of candidates) {
        capacity += agent.def.concurrency;
        if (agentAdmits(agent, state)) free += agent.def.concurrency - agent.running;
    }
    return { free, capacity };
}

function resourcesContribution(state: EngineState, unit: UnitState, candidates: AgentState[]): number {
    const pool = unit.task.pool;
    const agents = unit.task.needsAgent ? agentSlots(state, candidates) : undefined;
    const raw = resourceAvailability(pool ? pool.concurrency - pool.running : undefined, pool?.concurrency, agents?.free, agents?.capacity);
    const factor = state.model.policies.scheduling.factors.resources;
    return unit.levelScale * factor.weight * shapeFactor(factor.curve, raw);
}

/**
 * A task's score at `now`, factor by factor; `parts` add up to the score. It is the score the
 * ready queue compares, up to deadline urgency drifting between two aging intervals (when the
 * queue rescores). For a task that is not queued, the score it would have if queued now.
 */
export function explainTaskScore(state: EngineState, taskId: string, now = state.now): ScoreExplanation {
    const task = state.byId.get(taskId);
    if (!task) throw new Error(`No task "${taskId}" in workflow ${state.model.name}.`);
    const unit = task.units.find(candidate => candidate.status === 'queued');
    const candidates = unit ? classOf(state, unit).candidates : task.candidates;
    const agents = task.needsAgent ? agentSlots(state, candidates) : undefined;
    const pool = task.pool;
    const statics = state.statics;
    return computeScore(task.def, state.model.policies.scheduling, {
        now, waitedMs: unit ? now - unit.enqueuedAt : 0,
        poolFree: pool ? pool.concurrency - pool.running : undefined, poolConcurrency: pool?.concurrency,
        agentsFree: agents?.free, agentsCapacity: agents?.capacity,
        dependents: task.dependents.length, maxDependents: statics.maxDependents, maxBusinessValue: statics.maxBusinessValue
    });
}

/** Re-evaluates every queued unit's score: aging and deadline urgency move with time. */
function rescore(step: Step): void {
    const state = step.state;
    for (const dispatchClass of state.classes.values()) {
        dispatchClass.heap.rescore(unit => unit.status === 'queued' ? scoreUnit(state, unit, step.now) : undefined);
    }
}

/** Starts as many queued units as the limits allow, best score first. */
function dispatch(step: Step): void {
    const state = step.state;
    while (state.running < state.config.maxParallel) {
        let best: DispatchClass | undefined;
        let bestScore = -Infinity;
        let bestOrder = Infinity;
        for (const dispatchClass of state.classes.values()) {
            const heap = dispatchClass.heap;
            while (heap.size > 0 && heap.peek()!.status !== 'queued') heap.pop();
            if (heap.size === 0) {
                state.classes.delete(dispatchClass.key);
                continue;
            }
            if (!canDispatch(state, dispatchClass)) continue;
            const head = heap.peek()!;
            const score = heap.peekScore()! + resourcesContribution(state, head, dispatchClass.candidates);
            const order = heap.peekOrder()!;
            if (score > bestScore || (score === bestScore && order < bestOrder)) {
                best = dispatchClass;
                bestScore = score;
                bestOrder = order;
            }
        }
        if (!best) return;
        const unit = best.heap.pop()!;
        const agent = best.needsAgent ? chooseAgent(state, best, unit) : undefined;
        startAttempt(step, unit, agent);
    }
}

function canDispatch(state: EngineState, dispatchClass: DispatchClass): boolean {
    const pool = dispatchClass.pool;
    if (pool && pool.running >= pool.concurrency) return false;
    const batch = dispatchClass.batch;
    if (batch && batch.unitsRunning >= (batch.def.batch?.concurrency ?? 1)) return false;
    if (!dispatchClass.needsAgent) return true;
    return dispatchClass.candidates.some(agent => agentAdmits(agent, state));
}

function agentAdmits(agent: AgentState, state: EngineState): boolean {
    if (agent.running >= agent.def.concurrency) return false;
    const breaker = agent.breaker;
    if (breaker.state === 'open') return false;
    if (breaker.state === 'half_open') return breaker.probesInFlight < state.model.policies.breaker.probes;
    return true;
}

/** Picks an agent for a unit among its class's candidates by the workflow's algorithm. */
function chooseAgent(state: EngineState, dispatchClass: DispatchClass, unit: UnitState): AgentState {
    const available = dispatchClass.candidates.filter(agent => agentAdmits(agent, state));
    const scheduling = state.model.policies.scheduling;
    switch (scheduling.algorithm) {
        case 'priority_fifo':
            // Candidates are ordered preferred first, then by declaration.
            return available[0];
        case 'weighted_round_robin': {
            // Smooth weighted round robin (as nginx): deterministic, and spreads heavy agents out.
            let total = 0;
            let chosen = available[0];
            for (const agent of available) {
                agent.currentWeight += agent.def.weight;
                total += agent.def.weight;
                if (agent.currentWeight > chosen.currentWeight) chosen = agent;
            }
            chosen.currentWeight -= total;
            return chosen;
        }
        case 'least_loaded': {
            const load = (agent: AgentState): number => agent.running / agent.def.concurrency;
            if (scheduling.spillover) {
                // Fill the primary agents (preferred ones, else all in declaration order) up to the
                // threshold, one after another; spill over to the least loaded only when all are past it.
                const preferred = unit.task.preferred;
                const primary = preferred.size > 0 ? available.filter(agent => preferred.has(agent.def.name)) : available;
                const belowThreshold = primary.find(agent => load(agent) < scheduling.spilloverThreshold);
                if (belowThreshold) return belowThreshold;
            }
            let chosen = available[0];
            for (const agent of available) if (load(agent) < load(chosen)) chosen = agent;
            return chosen;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Attempts

function startAttempt(step: Step, unit: UnitState, agent: AgentState | undefined): void {
    const state = step.state;
    const task = unit.task;
    const def = task.def;
    unit.status = 'running';
    unit.attempt++;
    unit.attemptId = state.nextAttemptId++;
    unit.startedAt = step.now;
    unit.agent = agent;
    unit.abortError = undefined;
    unit.probe = false;
    state.attempts.set(unit.attemptId, unit);
    state.running++;
    task.unitsRunning++;
    if (task.pool) task.pool.running++;
    if (agent) {
        agent.running++;
        if (!unit.tried.has(agent.def.name)) unit.tried = new Set(unit.tried).add(agent.def.name);
        task.lastAgent = agent.def.name;
        if (agent.breaker.state === 'half_open') {
            agent.breaker.probesInFlight++;
            unit.probe = true;
        }
    }
    if (task.status === 'ready') {
        task.status = 'running';
        task.startedAt ??= step.now;
        startPhase(step, task);
    }
    if (unit.failoverFrom !== undefined && agent && agent.def.name !== unit.failoverFrom) {
        task.failovers++;
        emit(step, { type: 'failover', task: def.id, item: itemOf(unit), from: unit.failoverFrom, to: agent.def.name, count: task.failovers });
        const notifyAfter = state.model.policies.failover.notifyAfter;
        if (notifyAfter !== undefined && task.failovers === notifyAfter) {
            notifyList(step, state.model.onFailure.notify, 'failover', `Task ${def.id} failed over ${task.failovers} times.`);
        }
    }
    unit.failoverFrom = undefined;
    const runner = (def.run ?? agent?.def.run)!;
    emit(step, {
        type: 'task.started', task: def.id, attempt: unit.attempt, item: itemOf(unit), agent: agent?.def.name,
        runner: runner.kind, demo: DEMO_RUNNER_KINDS.has(runner.kind), timeoutMs: unit.timeoutMs
    });
    if (unit.timeoutMs !== undefined) {
        unit.timerId = setTimer(step, unit.timeoutMs, { kind: 'attempt_timeout', unit, attemptId: unit.attemptId });
    }
    const items = def.batch?.items ?? state.config.batchItems?.[def.id];
    const request: AttemptRequest = {
        runId: state.config.runId, workflow: state.model.name, purpose: 'task', task: def.id, type: def.type,
        attempt: unit.attempt, attemptId: unit.attemptId,
        item: unit.item >= 0 ? { index: unit.item, value: items![unit.item] } : undefined,
        agent: agent?.def.name, runner,
        params: seenParams(task.paramNames, unit.modifications ? modifiedParams(state, unit.modifications) : state.config.params),
        upstream: upstreamOf(state, task),
        inputs: unit.modifications ? { ...def.inputs, ...unit.modifications } : def.inputs,
        metadata: def.metadata, timeoutMs: unit.timeoutMs
    };
    step.effects.push({ type: 'attempt.start', request });
}

/** The run's parameters with a `modify` rule's values for the keys that name a parameter. */
function modifiedParams(state: EngineState, modifications: Record<string, Json>): Record<string, Json> {
    const params = { ...state.config.params };
    for (const param of state.model.params) {
        if (Object.hasOwn(modifications, param.name)) params[param.name] = modifications[param.name];
    }
    return params;
}

function itemOf(unit: UnitState): number | undefined {
    return unit.item >= 0 ? unit.item : undefined;
}

/** Frees what a settled attempt held. */
function release(step: Step, unit: UnitState): void {
    const state = step.state;
    state.attempts.delete(unit.attemptId);
    state.running--;
    unit.task.unitsRunning--;
    if (unit.task.pool) unit.task.pool.running--;
    if (unit.agent) {
        unit.agent.running--;
        // Whatever the outcome (even cancelled, which the breaker ignores), the probe slot is free again.
        if (unit.probe) unit.agent.breaker.probesInFlight--;
    }
    cancelTimer(step, unit.timerId);
    unit.timerId = undefined;
}

function attemptSettled(step: Step, attemptId: number, outcome: AttemptOutcome, random: number): void {
    const state = step.state;
    const unit = state.attempts.get(attemptId);
    if (!unit || unit.attemptId !== attemptId || unit.status !== 'running') return;
    release(step, unit);
    const task = unit.task;
    const aborted = unit.abortError;
    if (outcome.ok && !aborted) {
        breakerSuccess(step, unit);
        unit.status = 'completed';
        unit.result = outcome.result;
        unitFinished(step, unit, outcome.logFile, outcome.usage);
        return;
    }
    const error = aborted ?? (outcome.ok ? undefined : outcome.error)!;
    if (error.kind !== 'cancelled') breakerFailure(step, unit);
    emit(step, {
        type: 'task.attempt_failed', task: task.def.id, attempt: unit.attempt, item: itemOf(unit),
        agent: unit.agent?.def.name, error, logFile: outcome.logFile, usage: outcome.usage
    });
    if (state.lifecycle !== 'running' || task.stopping || error.kind === 'cancelled') {
        unit.status = 'cancelled';
        unit.error = error;
        unitFinished(step, unit);
        return;
    }
    handleFailure(step, unit, error, random);
}

/** Decides what follows a failed attempt: retry, failover, a recovery rule, or failure. */
function handleFailure(step: Step, unit: UnitState, error: FailureInfo, random: number): void {
    const state = step.state;
    const task = unit.task;
    const policy = task.def.retry;
    const retryable = !error.nonRetryable && (policy.on.includes(error.kind)
        || (error.kind === 'exit_code' && error.exitCode !== undefined && policy.exitCodes.includes(error.exitCode)));
    const failover = state.model.policies.failover.alternatives && unit.agent !== undefined;
    if (retryable && unit.attempt < policy.attempts) {
        const delayMs = retryDelay(policy, unit.attempt, random);
        if (failover) prepareFailover(unit, false);
        emit(step, { type: 'task.retry_scheduled', task: task.def.id, item: itemOf(unit), nextAttempt: unit.attempt + 1, delayMs, kind: error.kind });
        unit.status = 'retry_wait';
        unit.timerId = setTimer(step, delayMs, { kind: 'retry', unit });
        return;
    }
    // Retries are spent. A rule the workflow wrote for this kind is more specific than failing
    // over, so it comes first; then an agent that has not tried yet may still succeed.
    if (applyRecovery(step, unit, error)) return;
    if (retryable && failover && prepareFailover(unit, true)) {
        enqueueUnit(step, unit);
        return;
    }
    unit.status = 'failed';
    unit.error = error;
    unitFinished(step, unit);
}

/**
 * Steers the unit's next attempt away from the agents it has tried, when another capable agent
 * exists. With `untriedOnly`, succeeds only if such an agent exists.
 */
function prepareFailover(unit: UnitState, untriedOnly: boolean): boolean {
    const current = unit.agent?.def.name;
    if (current === undefined) return false;
    const alternatives = unit.task.candidates.filter(agent => !unit.tried.has(agent.def.name));
    if (alternatives.length === 0) {
        if (untriedOnly) return false;
        unit.excluded = new Set(unit.task.candidates.length > 1 ? [current] : []);
    } else {
        unit.excluded = new Set(unit.tried);
    }
    if (unit.excluded.size > 0) unit.failoverFrom = current;
    return true;
}

/**
 * The rule for a failure: the first, in order, that names its kind or `other` (the model's
 * contract: `other` matches any kind no earlier rule names). A non-retryable failure says
 * running again cannot help, so only escalations apply to it.
 */
function matchingRule(rules: RecoveryRule[], error: FailureInfo): number {
    return rules.findIndex(rule => (!error.nonRetryable || rule.then.action === 'escalate')
        && (rule.on.includes(error.kind) || rule.on.includes('other')));
}

/** Applies the workflow's recovery rule for the failure's kind; false when none applies (any more). */
function applyRecovery(step: Step, unit: UnitState, error: FailureInfo): boolean {
    const state = step.state;
    const rules = state.model.policies.recovery;
    const index = matchingRule(rules, error);
    if (index < 0) return false;
    const action = rules[index].then;
    const uses = unit.recoveryUses[index] ?? 0;
    const task = unit.task;
    const id = task.def.id;
    switch (action.action) {
        case 'reassign': {
            const alternatives = task.candidates.filter(agent => !unit.tried.has(agent.def.name));
            if (!task.needsAgent || alternatives.length === 0) return false;
            unit.recoveryUses[index] = uses + 1;
            unit.excluded = new Set(unit.tried);
            if (unit.timeoutMs !== undefined) unit.timeoutMs = Math.round(unit.timeoutMs * action.timeoutFactor);
            emit(step, {
                type: 'task.recovery', task: id, item: itemOf(unit), action: 'reassign',
                detail: `${error.kind} on ${unit.agent?.def.name ?? 'no agent'}: reassigned to another capable agent` +
                    (unit.timeoutMs !== undefined ? ` with timeout ${unit.timeoutMs} ms` : '')
            });
            enqueueUnit(step, unit);
            return true;
        }
        case 'retry': {
            if (uses >= action.attempts) return false;
            unit.recoveryUses[index] = uses + 1;
            emit(step, {
                type: 'task.recovery', task: id, item: itemOf(unit), action: 'retry',
                detail: `${error.kind}: retry ${uses + 1} of ${action.attempts} after ${action.delayMs} ms`
            });
            emit(step, { type: 'task.retry_scheduled', task: id, item: itemOf(unit), nextAttempt: unit.attempt + 1, delayMs: action.delayMs, kind: error.kind });
            unit.status = 'retry_wait';
            unit.timerId = setTimer(step, action.delayMs, { kind: 'retry', unit });
            return true;
        }
        case 'modify': {
            if (uses >= 1) return false;
            unit.recoveryUses[index] = 1;
            unit.modifications = { ...unit.modifications, ...action.modifications };
            emit(step, {
                type: 'task.recovery', task: id, item: itemOf(unit), action: 'modify',
                detail: `${error.kind}: retrying with inputs ${JSON.stringify(action.modifications)}`
            });
            enqueueUnit(step, unit);
            return true;
        }
        case 'escalate': {
            const message = `Task ${id} failed (${error.kind}: ${error.message}) and needs attention.`;
            emit(step, { type: 'escalation', task: id, severity: action.severity, notify: action.notify, message });
            notifyList(step, action.notify, 'escalation', message);
            task.escalated = true;
            unit.status = 'failed';
            unit.error = error;
            unitFinished(step, unit);
            return true;
        }
    }
}

/**
 * A unit reached a final status; finishes its task when it was the task's last unit. `logFile`
 * and `usage` are those of the unit's successful attempt.
 */
function unitFinished(step: Step, unit: UnitState, logFile?: string, usage?: ProcessUsage): void {
    const task = unit.task;
    task.unitsDone++;
    if (unit.status !== 'completed') task.unitsFailed++;
    if (task.def.kind === 'batch') {
        emit(step, {
            type: 'batch.progress', task: task.def.id, item: unit.item, ok: unit.status === 'completed',
            done: task.unitsDone, failed: task.unitsFailed, total: task.units.length, usage
        });
        if (unit.status === 'failed' && task.def.batch?.onFailure === 'stop' && !task.stopping) stopUnits(step, task, 'another item of the batch failed');
    }
    if (task.unitsDone < task.units.length) return;
    finishUnits(step, task, logFile, usage);
}

function finishUnits(step: Step, task: TaskState, logFile?: string, usage?: ProcessUsage): void {
    const units = task.units;
    if (task.def.kind !== 'batch') {
        const unit = units[0];
        if (unit.status === 'completed') finishTask(step, task, 'completed', { result: unit.result ?? null, logFile, usage });
        else if (unit.status === 'cancelled') finishTask(step, task, 'cancelled', { error: unit.error, reason: unit.error?.message });
        else finishTask(step, task, 'failed', { error: unit.error });
        return;
    }
    const failed = units.find(unit => unit.status === 'failed');
    const cancelled = units.some(unit => unit.status === 'cancelled');
    if (step.state.lifecycle !== 'running' && cancelled && !task.stopping) {
        finishTask(step, task, 'cancelled', { reason: 'the run stopped' });
    } else if (failed && task.def.batch?.onFailure !== 'continue') {
        finishTask(step, task, 'failed', { error: { ...failed.error!, message: `item ${failed.item}: ${failed.error!.message}` } });
    } else if (failed && task.unitsFailed === units.length) {
        // `continue` keeps partial results going; with no result at all there is nothing to continue with.
        finishTask(step, task, 'failed', {
            error: { ...failed.error!, message: `all ${units.length} items failed; item ${failed.item}: ${failed.error!.message}` }
        });
    } else {
        finishTask(step, task, 'completed', { result: aggregate(task) });
    }
}

/** A batch's result from its items' results (failed items are null in a list). */
function aggregate(task: TaskState): Json {
    const mode = task.def.batch?.aggregate ?? 'list';
    if (mode === 'none') return null;
    if (mode === 'merge') {
        const merged: Record<string, Json> = {};
        for (const unit of task.units) {
            const result = unit.result;
            if (result !== null && typeof result === 'object' && !Array.isArray(result)) Object.assign(merged, result);
        }
        return merged;
    }
    return task.units.map(unit => unit.status === 'completed' ? unit.result ?? null : null);
}

/** Stops the units of a task that have not finished: queued ones are dropped, running ones aborted. */
function stopUnits(step: Step, task: TaskState, reason: string): void {
    task.stopping = true;
    const error = TaskFailure.cancelled(reason).toJSON();
    for (const unit of task.units) {
        if (unit.status === 'queued' || unit.status === 'retry_wait' || unit.status === 'idle') {
            cancelTimer(step, unit.timerId);
            unit.timerId = undefined;
            unit.status = 'cancelled';
            unit.error = error;
            task.unitsDone++;
            task.unitsFailed++;
        } else if (unit.status === 'running' && !unit.abortError) {
            unit.abortError = error;
            step.effects.push({ type: 'attempt.abort', attemptId: unit.attemptId, error });
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Circuit breakers

function breakerSuccess(step: Step, unit: UnitState): void {
    const agent = unit.agent;
    if (!agent) return;
    const breaker = agent.breaker;
    if (unit.probe) {
        if (breaker.state !== 'half_open') return;
        breaker.probeSuccesses++;
        if (breaker.probeSuccesses >= step.state.model.policies.breaker.probes) {
            breaker.state = 'closed';
            breaker.failures = 0;
            emit(step, { type: 'breaker.closed', agent: agent.def.name });
        }
    } else if (breaker.state === 'closed') {
        breaker.failures = 0;
    }
}

function breakerFailure(step: Step, unit: UnitState): void {
    const agent = unit.agent;
    if (!agent) return;
    const policy = step.state.model.policies.breaker;
    if (!(policy.failures > 0)) return;
    const breaker = agent.breaker;
    if (unit.probe) {
        if (breaker.state === 'half_open') openBreaker(step, agent);
        return;
    }
    if (breaker.state !== 'closed') return;
    breaker.failures++;
    if (breaker.failures >= policy.failures) openBreaker(step, agent);
}

function openBreaker(step: Step, agent: AgentState): void {
    const policy = step.state.model.policies.breaker;
    const breaker = agent.breaker;
    breaker.state = 'open';
    breaker.probeSuccesses = 0;
    emit(step, { type: 'breaker.opened', agent: agent.def.name, failures: breaker.failures, recoveryMs: policy.recoveryMs });
    breaker.timerId = setTimer(step, policy.recoveryMs, { kind: 'breaker_recovery', agent });
}

// ---------------------------------------------------------------------------------------------
// Timers

function timerFired(step: Step, timerId: number): void {
    const state = step.state;
    const purpose = state.timers.get(timerId);
    if (!purpose) return;
    state.timers.delete(timerId);
    switch (purpose.kind) {
        case 'attempt_timeout': {
            const unit = purpose.unit;
            if (unit.status !== 'running' || unit.attemptId !== purpose.attemptId) return;
            unit.timerId = undefined;
            const error = TaskFailure.timeout(unit.timeoutMs ?? 0).toJSON();
            unit.abortError = error;
            emit(step, { type: 'task.timed_out', task: unit.task.def.id, attempt: unit.attempt, item: itemOf(unit), timeoutMs: unit.timeoutMs ?? 0 });
            step.effects.push({ type: 'attempt.abort', attemptId: unit.attemptId, error });
            return;
        }
        case 'retry': {
            const unit = purpose.unit;
            unit.timerId = undefined;
            if (unit.status === 'retry_wait' && state.lifecycle === 'running') enqueueUnit(step, unit);
            return;
        }
        case 'start_at': {
            const task = purpose.task;
            task.timerId = undefined;
            if (task.status === 'waiting' && state.lifecycle === 'running') afterStartTime(step, task);
            return;
        }
        case 'workflow_timeout': {
            const timeoutMs = state.config.timeoutMs ?? state.model.policies.timeoutMs ?? 0;
            drain(step, { status: 'failed', reason: `the workflow timed out after ${timeoutMs} ms` });
            return;
        }
        case 'deadline': {
            const task = purpose.task;
            if (task.status !== 'completed' && task.status !== 'skipped') {
                emit(step, { type: 'deadline.missed', task: task.def.id, deadline: task.def.deadline! });
            }
            return;
        }
        case 'sla': {
            const slaMs = state.model.policies.scheduling.levels[purpose.level].slaMs;
            for (const task of state.tasks) {
                if (task.def.priority === purpose.level && !TERMINAL_STATUSES.has(task.status)) {
                    emit(step, { type: 'sla.missed', task: task.def.id, level: purpose.level, slaMs });
                }
            }
            return;
        }
        case 'breaker_recovery': {
            const agent = purpose.agent;
            agent.breaker.timerId = undefined;
            agent.breaker.state = 'half_open';
            agent.breaker.probeSuccesses = 0;
            emit(step, { type: 'breaker.half_open', agent: agent.def.name, probes: state.model.policies.breaker.probes });
            return;
        }
        case 'aging': {
            state.agingTimer = undefined;
            rescore(step);
            const anyQueued = [...state.classes.values()].some(dispatchClass => dispatchClass.heap.size > 0);
            if (anyQueued && state.lifecycle === 'running') {
                state.agingTimer = setTimer(step, state.model.policies.scheduling.agingIntervalMs, { kind: 'aging' });
            }
            return;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Task completion and propagation

interface FinishDetails {
    result?: Json;
    error?: FailureInfo;
    reason?: string;
    logFile?: string;
    usage?: ProcessUsage;
}

/**
 * Moves a task to a terminal status, emits its event and settles its dependents. Dependents
 * that become terminal in turn are settled from a work list, not by recursion, so a chain of
 * 100k upstream failures cannot overflow the stack.
 */
function finishTask(step: Step, first: TaskState, status: TaskStatus, firstDetails: FinishDetails): void {
    const work: Array<[TaskState, TaskStatus, FinishDetails]> = [[first, status, firstDetails]];
    while (work.length > 0) {
        const [task, taskStatus, details] = work.pop()!;
        if (TERMINAL_STATUSES.has(task.status)) continue;
        settleTask(step, task, taskStatus, details);
        if (step.state.lifecycle !== 'running') continue;
        for (const dependent of task.dependents) {
            if (dependent.status !== 'pending') continue;
            const next = triggerDecision(dependent, task, taskStatus);
            if (next === 'ready') makeReady(step, dependent);
            else if (next) work.push([dependent, next.status, { reason: next.reason }]);
        }
    }
}

function settleTask(step: Step, task: TaskState, status: TaskStatus, details: FinishDetails): void {
    const state = step.state;
    const id = task.def.id;
    task.status = status;
    task.finishedAt = step.now;
    task.result = details.result;
    task.outcome = { status, result: details.result ?? null };
    task.error = details.error;
    task.reason = details.reason;
    cancelTimer(step, task.timerId);
    state.unfinished--;
    const durationMs = task.startedAt !== undefined ? step.now - task.startedAt : 0;
    const attempts = task.units.reduce((sum, unit) => sum + unit.attempt, 0);
    switch (status) {
        case 'completed':
            state.counts.completed++;
            state.completionOrder.push(task);
            emit(step, {
                type: 'task.completed', task: id, result: details.result ?? null, attempts, durationMs,
                agent: task.lastAgent, fromCache: task.fromCache, logFile: details.logFile, usage: details.usage,
                ...(task.reused ? { reused: state.config.reuse!.from } : {})
            });
            // A result made with a `modify` rule's values is not what the key describes.
            // Only cacheable tasks are stored: a resume computes every task's key, cacheable or not.
            const cacheable = state.config.useCache && task.def.cache.enabled;
            if (cacheable && task.cacheKey !== undefined && !task.fromCache && !task.reused && !task.units.some(unit => unit.modifications !== undefined)) {
                const ttlMs = task.def.cache.ttlMs ?? state.model.policies.cache.ttlMs;
                step.effects.push({ type: 'cache.store', task: id, key: task.cacheKey, value: details.result ?? null, ttlMs });
            }
            break;
        case 'failed':
            state.counts.failed++;
            emit(step, { type: 'task.failed', task: id, error: details.error!, attempts, durationMs, escalated: task.escalated });
            break;
        case 'skipped':
        case 'upstream_failed':
        case 'cancelled':
            if (status === 'skipped') state.counts.skipped++;
            else state.counts.failed++;
            emit(step, { type: 'task.skipped', task: id, status, reason: details.reason ?? details.error?.message ?? status });
            break;
    }
    startPhase(step, task);
    if (task.phase) {
        const phase = task.phase;
        phase.done++;
        if (status !== 'completed' && status !== 'skipped') phase.failed++;
        if (phase.done === phase.total && !phase.completed) {
            phase.completed = true;
            emit(step, { type: 'phase.completed', phase: phase.name, ok: phase.failed === 0 });
        }
    }
    for (const marker of task.markers) {
        if (marker.reached || marker.blocked) continue;
        if (status !== 'completed' && status !== 'skipped') {
            marker.blocked = true;
            continue;
        }
        marker.remaining--;
        if (marker.remaining === 0) reachMarker(step, marker);
    }
    emitProgress(step);
}

function startPhase(step: Step, task: TaskState): void {
    const phase = task.phase;
    if (!phase || phase.started) return;
    phase.started = true;
    emit(step, { type: 'phase.started', phase: phase.name });
}

function reachMarker(step: Step, marker: MarkerState): void {
    marker.reached = true;
    if (marker.kind === 'milestone') {
        emit(step, { type: 'milestone.reached', milestone: marker.name, description: marker.description });
        notifyTargets(step, 'milestone', `Milestone reached: ${marker.name}.`, []);
    } else {
        emit(step, {
            type: 'checkpoint.reached', checkpoint: marker.name, description: marker.description,
            completedTasks: step.state.completionOrder.map(task => task.def.id)
        });
    }
}

/**
 * What an upstream task's end means for a pending dependent, by the dependent's trigger rule
 * (Airflow's semantics): 'ready', a terminal status with a reason, or undefined to keep waiting.
 */
function triggerDecision(task: TaskState, upstream: TaskState, upstreamStatus: TaskStatus): 'ready' | { status: TaskStatus; reason: string } | undefined {
    task.depsDone++;
    if (upstreamStatus === 'completed') task.depsCompleted++;
    else if (upstreamStatus === 'skipped') task.depsSkipped++;
    else task.depsFailed++;
    const allDone = task.depsDone === task.dependencies.length;
    const name = upstream.def.id;
    const failedReason = `upstream task ${name} ${upstreamStatus === 'upstream_failed' ? 'did not run because its own upstream failed' : upstreamStatus === 'cancelled' ? 'was cancelled' : 'failed'}`;
    switch (task.def.trigger) {
        case 'all_success':
            if (upstreamStatus !== 'completed' && upstreamStatus !== 'skipped') return { status: 'upstream_failed', reason: failedReason };
            if (upstreamStatus === 'skipped') return { status: 'skipped', reason: `upstream task ${name} was skipped` };
            return allDone ? 'ready' : undefined;
        case 'none_failed':
            if (upstreamStatus !== 'completed' && upstreamStatus !== 'skipped') return { status: 'upstream_failed', reason: failedReason };
            return allDone ? 'ready' : undefined;
        case 'all_done':
            return allDone ? 'ready' : undefined;
        case 'one_success':
            if (upstreamStatus === 'completed') return 'ready';
            if (!allDone) return undefined;
            return task.depsFailed > 0
                ? { status: 'upstream_failed', reason: 'no upstream task succeeded' }
                : { status: 'skipped', reason: 'every upstream task was skipped' };
    }
}

/**
 * A record keyed by task ids. Without a prototype, V8 keeps it as a hash table from the start:
 * an ordinary `{}` gets a new hidden class per distinct key, which cost microseconds per task
 * (more than the rest of a no-op task), and a task named `__proto__` would set its prototype.
 */
function byTaskId<T>(): Record<string, T> {
    return Object.create(null) as Record<string, T>;
}

function outcomesOf(state: EngineState, ids: Iterable<string>): Record<string, TaskOutcome> {
    const outcomes = byTaskId<TaskOutcome>();
    for (const id of ids) {
        const task = state.byId.get(id);
        if (!task || !TERMINAL_STATUSES.has(task.status)) continue;
        outcomes[id] = {
            result: task.result ?? null, status: task.status,
            duration: task.startedAt !== undefined && task.finishedAt !== undefined ? task.finishedAt - task.startedAt : 0,
            attempts: task.units.reduce((sum, unit) => sum + unit.attempt, 0)
        };
    }
    return outcomes;
}

function upstreamOf(state: EngineState, task: TaskState): Record<string, UpstreamOutcome> {
    const upstream = byTaskId<UpstreamOutcome>();
    for (const id of task.dependencies) addUpstream(state, upstream, id);
    for (const id of task.reads) addUpstream(state, upstream, id);
    return upstream;
}

function addUpstream(state: EngineState, upstream: Record<string, UpstreamOutcome>, id: string): void {
    const task = state.byId.get(id);
    // Made once when the task ends, then shared by every request of its dependents.
    if (task?.outcome) upstream[id] = task.outcome;
}

/** The task's fingerprint now: its definition, the parameters it sees, and its upstream outcomes. */
function fingerprintOf(state: EngineState, task: TaskState): string {
    const basis = task.basis!;
    basis.definition ??= definitionHash(task.def, basis.runners);
    const inputs = byTaskId<Json>();
    for (const ids of [task.dependencies, task.reads]) {
        for (const id of ids) {
            const upstream = state.byId.get(id)!;
            inputs[id] = { status: upstream.status, result: upstream.result ?? null };
        }
    }
    return fingerprint(basis.definition, seenParams(task.paramNames, state.config.params), inputs);
}

function emitProgress(step: Step): void {
    const state = step.state;
    const total = state.tasks.length;
    const done = total - state.unfinished;
    // Phases finish in any order, but the cursor only moves forward: O(1) amortised per event.
    const phases = state.phases;
    while (state.phaseCursor < phases.length && (phases[state.phaseCursor].completed || phases[state.phaseCursor].total === 0)) state.phaseCursor++;
    const phase = phases[state.phaseCursor]?.name;
    emit(step, {
        type: 'progress', percent: total === 0 ? 100 : Math.floor((done / total) * 1000) / 10, phase, done, total,
        running: state.running, completed: state.counts.completed, failed: state.counts.failed, skipped: state.counts.skipped
    });
}

// ---------------------------------------------------------------------------------------------
// Ending a run: completion criteria, cancellation, compensation, notifications

function cancel(step: Step, reason: string): void {
    const state = step.state;
    if (state.lifecycle === 'idle') {
        state.lifecycle = 'running';
        state.startedAt = step.now;
    }
    if (state.lifecycle !== 'running') return;
    drain(step, { status: 'cancelled', reason });
}

/** Stops everything in flight and marks every unfinished task cancelled; the run ends once attempts have stopped. */
function drain(step: Step, outcome: { status: RunStatus; reason: string }): void {
    const state = step.state;
    if (state.lifecycle !== 'running') return;
    // Stopped attempts end as cancelled (not as failures of their agents) whatever stopped the run.
    const error = TaskFailure.cancelled(outcome.reason).toJSON();
    state.lifecycle = 'draining';
    state.outcome = outcome;
    for (const task of state.tasks) {
        if (TERMINAL_STATUSES.has(task.status)) continue;
        let running = false;
        for (const unit of task.units) {
            if (unit.status === 'running') {
                running = true;
                if (!unit.abortError) {
                    unit.abortError = error;
                    step.effects.push({ type: 'attempt.abort', attemptId: unit.attemptId, error });
                }
            } else if (unit.status === 'queued' || unit.status === 'retry_wait' || unit.status === 'idle') {
                cancelTimer(step, unit.timerId);
                unit.status = 'cancelled';
            }
        }
        if (!running) finishTask(step, task, 'cancelled', { reason: outcome.reason });
    }
    for (const dispatchClass of state.classes.values()) dispatchClass.heap.clear();
    state.classes.clear();
}

/** Moves the run towards its end once nothing is left to do. */
function advanceLifecycle(step: Step): void {
    const state = step.state;
    if (state.lifecycle === 'running' && state.unfinished === 0 && state.running === 0) {
        const failure = completionFailure(state);
        state.outcome = failure ? { status: 'failed', reason: failure } : { status: 'completed' };
        state.lifecycle = 'draining';
    }
    if (state.lifecycle === 'draining' && state.running === 0) {
        // Tasks whose attempts were stopped settle as their attempts come back; any left are cancelled here.
        for (const task of state.tasks) {
            if (!TERMINAL_STATUSES.has(task.status)) finishTask(step, task, 'cancelled', { reason: state.outcome?.reason });
        }
        beginEnding(step);
    }
    if (state.lifecycle === 'compensating') runNextCompensation(step);
    if (state.lifecycle === 'notifying' && state.pendingNotifications === 0) finish(step);
}

function beginEnding(step: Step): void {
    const state = step.state;
    for (const [timerId] of state.timers) step.effects.push({ type: 'timer.cancel', timerId });
    state.timers.clear();
    state.agingTimer = undefined;
    const outcome = state.outcome!;
    if (outcome.status === 'failed' && state.model.policies.rollback.compensation) {
        state.compensations = [...state.completionOrder].reverse().filter(task => compensationRunner(state, task) !== undefined);
        state.lifecycle = 'compensating';
        return;
    }
    endNotifications(step);
}

function compensationRunner(state: EngineState, task: TaskState): RunnerDef | undefined {
    const declared = state.model.onFailure.compensate.find(entry => entry.task === task.def.id);
    if (declared) return declared.run;
    const rollback = state.model.types[task.def.type]?.rollback;
    return typeof rollback === 'object' ? rollback : undefined;
}

function runNextCompensation(step: Step): void {
    const state = step.state;
    const next = state.compensations[0];
    if (!next) {
        endNotifications(step);
        return;
    }
    if (state.compensationRunning) return;
    state.compensationRunning = true;
    const runner = compensationRunner(state, next)!;
    emit(step, { type: 'compensation.started', task: next.def.id, runner: runner.kind });
    step.effects.push({
        type: 'compensation.run', task: next.def.id,
        request: {
            runId: state.config.runId, workflow: state.model.name, purpose: 'compensation', task: next.def.id, type: next.def.type,
            attempt: 1, attemptId: 0, runner, params: state.config.params,
            upstream: { [next.def.id]: { status: next.status, result: next.result ?? null }, ...upstreamOf(state, next) },
            inputs: next.def.inputs, metadata: next.def.metadata
        }
    });
}

function compensationSettled(step: Step, taskId: string, outcome: AttemptOutcome): void {
    const state = step.state;
    const current = state.compensations[0];
    if (state.lifecycle !== 'compensating' || !current || current.def.id !== taskId) return;
    state.compensations.shift();
    state.compensationRunning = false;
    emit(step, { type: 'compensation.completed', task: taskId, ok: outcome.ok, error: outcome.ok ? undefined : outcome.error });
}

function endNotifications(step: Step): void {
    const state = step.state;
    state.lifecycle = 'notifying';
    const outcome = state.outcome!;
    const name = state.model.name;
    if (outcome.status === 'completed') {
        notifyList(step, state.model.completion.notify, 'completed', `Workflow ${name} completed.`);
        notifyTargets(step, 'completed', `Workflow ${name} completed.`, state.model.completion.notify);
    } else if (outcome.status === 'failed') {
        const message = `Workflow ${name} failed: ${outcome.reason}.`;
        notifyList(step, state.model.onFailure.notify, 'failed', message);
        notifyTargets(step, 'failed', message, state.model.onFailure.notify);
        const severity = state.model.onFailure.escalate;
        if (severity) emit(step, { type: 'escalation', severity, notify: state.model.onFailure.notify, message });
    } else {
        notifyTargets(step, 'cancelled', `Workflow ${name} was cancelled: ${outcome.reason}.`, []);
    }
}

/** Notifies the targets whose `on` list includes `reason`, except those in `already`. */
function notifyTargets(step: Step, reason: 'started' | 'completed' | 'failed' | 'cancelled' | 'milestone', message: string, already: string[]): void {
    const targets = step.state.model.notifications.filter(target => target.on.includes(reason) && !already.includes(target.name));
    notifyList(step, targets.map(target => target.name), reason, message);
}

function notifyList(step: Step, names: string[], reason: EventOfNotification['reason'], message: string): void {
    const state = step.state;
    for (const name of new Set(names)) {
        const target = state.model.notifications.find(candidate => candidate.name === name);
        emit(step, { type: 'notification', target: name, reason, message, hasRunner: target?.run !== undefined });
        if (!target?.run) continue;
        const notificationId = state.nextNotificationId++;
        state.pendingNotifications++;
        step.effects.push({
            type: 'notification.run', notificationId, target: name,
            request: {
                runId: state.config.runId, workflow: state.model.name, purpose: 'notification', task: name, attempt: 1, attemptId: 0,
                runner: target.run, params: state.config.params, upstream: {},
                inputs: { reason, message }, metadata: {}
            }
        });
    }
}

type EventOfNotification = Extract<RunEvent, { type: 'notification' }>;

function notificationSettled(step: Step, target: string, outcome: AttemptOutcome): void {
    step.state.pendingNotifications--;
    if (!outcome.ok) emit(step, { type: 'notification.failed', target, error: outcome.error });
}

/** Whether the run met its completion criteria; the reason when it did not. */
function completionFailure(state: EngineState): string | undefined {
    const failed = state.tasks.filter(task => task.status !== 'completed' && task.status !== 'skipped');
    const completion = state.model.completion;
    switch (completion.criteria) {
        case 'any_task_completed':
            return state.counts.completed > 0 ? undefined : 'no task completed';
        case 'required_tasks_completed':
            if (completion.require) {
                const context = { params: state.config.params, tasks: outcomesOf(state, referencedTasks(completion.require)) };
                return isTruthy(evaluateExpression(completion.require, context))
                    ? undefined
                    : `the completion requirement \`${printExpression(completion.require)}\` is not met`;
            }
            break;
        case 'all_tasks_completed':
            break;
    }
    if (failed.length === 0) return undefined;
    const names = failed.slice(0, 5).map(task => `${task.def.id} (${task.status})`).join(', ');
    return `${failed.length} task${failed.length === 1 ? '' : 's'} did not complete: ${names}${failed.length > 5 ? ', ...' : ''}`;
}

function finish(step: Step): void {
    const state = step.state;
    const outcome = state.outcome!;
    state.lifecycle = 'finished';
    const durationMs = step.now - state.startedAt;
    if (outcome.status === 'completed') {
        emit(step, { type: 'run.completed', durationMs, deliverables: state.model.completion.deliverables });
    } else if (outcome.status === 'failed') {
        const failedTasks = state.tasks.filter(task => task.status === 'failed').map(task => task.def.id);
        emit(step, { type: 'run.failed', durationMs, reason: outcome.reason ?? 'failed', failedTasks });
    } else {
        emit(step, { type: 'run.cancelled', durationMs, reason: outcome.reason ?? 'cancelled' });
    }
    step.effects.push({ type: 'run.finished', result: runResult(state, step.now) });
}

/** The run's result as it stands (final once the run has finished). */
export function runResult(state: EngineState, now: number): RunResult {
    const tasks = state.tasks.map((task): TaskSummary => {
        const runner = task.def.run ?? (task.lastAgent !== undefined ? state.agentsByName.get(task.lastAgent)?.def.run : task.candidates[0]?.def.run);
        const summary: TaskSummary = {
            id: task.def.id, status: task.status, attempts: task.units.reduce((sum, unit) => sum + unit.attempt, 0),
            fromCache: task.fromCache, demo: runner !== undefined && DEMO_RUNNER_KINDS.has(runner.kind)
        };
        if (task.startedAt !== undefined && task.finishedAt !== undefined) summary.durationMs = task.finishedAt - task.startedAt;
        if (task.lastAgent !== undefined) summary.agent = task.lastAgent;
        if (task.reused) summary.reused = true;
        if (task.result !== undefined) summary.result = task.result;
        if (task.error !== undefined) summary.error = task.error;
        if (task.reason !== undefined) summary.reason = task.reason;
        if (task.def.kind === 'batch') {
            summary.items = { total: task.units.length, failed: task.unitsFailed, cancelled: task.units.filter(unit => unit.status === 'cancelled').length };
        }
        return summary;
    });
    const outcome = state.outcome;
    return {
        runId: state.config.runId, workflow: state.model.name, status: outcome?.status ?? 'cancelled', reason: outcome?.reason,
        startedAt: state.startedAt, finishedAt: now, durationMs: now - state.startedAt, tasks,
        deliverables: outcome?.status === 'completed' ? state.model.completion.deliverables : []
    };
}
