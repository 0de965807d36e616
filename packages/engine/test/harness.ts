/**
 * Test support for the engine: a builder of minimal valid `WorkflowModel`s (defaults from
 * @flow/model, so tests state only what they are about), a dispatcher that plays scripted
 * outcomes on a virtual clock, and a driver that feeds inputs to the pure core by hand.
 * Nothing here starts a process or a real timer.
 */
import {
    BUILTIN_TASK_TYPES, DEFAULT_RETRY, SCHEMA_VERSION, defaultCompletion, defaultPolicies, emptyOnFailure, emptyTaskType,
    type ConditionDef, type Expression, type Json, type Policies, type RetryPolicy, type TaskDef, type WorkflowModel
} from '@flow/model';
import { VirtualClock, type Clock } from '../src/clock.js';
import { cloneState, createEngineState, transition, type EngineConfig, type EngineState } from '../src/core.js';
import type { Dispatcher } from '../src/dispatcher.js';
import { TaskFailure } from '../src/errors.js';
import type { EventOf, RunEvent, RunEventType } from '../src/events.js';
import type { AttemptOutcome, AttemptRequest, Effect, EngineInput, RunResult } from '../src/protocol.js';
import { startWorkflow, type RunHandle, type RunOptions } from '../src/run.js';

// ---------------------------------------------------------------------------------------------
// Models

export interface TaskSpec extends Partial<Omit<TaskDef, 'id' | 'retry' | 'cache' | 'dependencies' | 'declaredDependencies'>> {
    /** Sets both `dependencies` and `declaredDependencies`. */
    after?: string[];
    retry?: Partial<RetryPolicy>;
    cache?: boolean | { enabled: boolean; ttlMs?: number };
}

/** A task that runs on its own (an `echo` runner) unless the spec says otherwise. */
export function task(id: string, spec: TaskSpec = {}): TaskDef {
    const { after = [], retry, cache, ...rest } = spec;
    return {
        id, kind: 'task', type: 'work', priority: 'normal', tags: [], metadata: {},
        dependencies: [...after], declaredDependencies: [...after], trigger: 'all_success', preferredAgents: [],
        requires: [], run: { kind: 'echo', value: null }, inputs: {}, gates: {}, checks: [],
        ...rest,
        retry: { ...DEFAULT_RETRY, on: [...DEFAULT_RETRY.on], exitCodes: [], ...retry },
        cache: typeof cache === 'boolean' ? { enabled: cache } : cache ?? { enabled: false }
    };
}

/** A task without a runner of its own: an agent's runner does the work. */
export function agentTask(id: string, requires: string[], spec: TaskSpec = {}): TaskDef {
    return task(id, { requires, run: undefined, ...spec });
}

export type PolicyOverrides = { [K in keyof Policies]?: Partial<Policies[K]> };

export interface WorkflowSpec extends Partial<Omit<WorkflowModel, 'policies' | 'tasks'>> {
    policies?: PolicyOverrides;
}

export function workflow(tasks: TaskDef[], spec: WorkflowSpec = {}): WorkflowModel {
    const { policies: overrides = {}, types = {}, ...rest } = spec;
    const policies = defaultPolicies() as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(overrides)) {
        const base = policies[key];
        policies[key] = base !== null && typeof base === 'object' && !Array.isArray(base) && !Array.isArray(value)
            ? { ...base, ...(value as object) }
            : value;
    }
    const allTypes: WorkflowModel['types'] = {};
    for (const def of tasks) allTypes[def.type] ??= structuredClone(BUILTIN_TASK_TYPES[def.type] ?? emptyTaskType(def.type));
    return {
        schemaVersion: SCHEMA_VERSION, name: 'test', params: [], agents: [], pools: [], notifications: [], phases: [],
        checkpoints: [], milestones: [], completion: defaultCompletion(), onFailure: emptyOnFailure(),
        ...rest,
        types: { ...allTypes, ...types },
        policies: policies as unknown as Policies,
        tasks
    };
}

export function agent(name: string, capabilities: string[], spec: Partial<WorkflowModel['agents'][number]> = {}): WorkflowModel['agents'][number] {
    return { name, capabilities, concurrency: 1, weight: 1, run: { kind: 'echo', value: name }, ...spec };
}

/** Small expression trees, written the way the language would parse them. */
export const expr = {
    literal: (value: Json): Expression => ({ kind: 'literal', value }),
    param: (name: string): Expression => ({ kind: 'param', name }),
    /** `task.result.a.b`, or `task.status` with path ['status'] given as `field`. */
    result: (taskId: string, ...path: string[]): Expression =>
        path.reduce<Expression>((object, property) => ({ kind: 'member', object, property }),
            { kind: 'member', object: { kind: 'task', task: taskId }, property: 'result' }),
    status: (taskId: string): Expression => ({ kind: 'member', object: { kind: 'task', task: taskId }, property: 'status' }),
    binary: (operator: Extract<Expression, { kind: 'binary' }>['operator'], left: Expression, right: Expression): Expression =>
        ({ kind: 'binary', operator, left, right })
};

export function when(expression: Expression, text: string): ConditionDef {
    return { expression, action: 'execute', text };
}

export function skipWhen(expression: Expression, text: string): ConditionDef {
    return { expression, action: 'skip', text };
}

// ---------------------------------------------------------------------------------------------
// Scripted outcomes

/** What one attempt does: succeed with `result`, or fail with kind `fail`; after `ms` of virtual time. */
export interface Step {
    result?: Json;
    fail?: string;
    message?: string;
    nonRetryable?: boolean;
    exitCode?: number;
    /** Virtual milliseconds the attempt takes. @default 0 */
    ms?: number;
    /** Never settles until aborted. */
    hang?: boolean;
}

/**
 * Steps by key: a task id (`build`), a batch item (`quarterly[1]`, falling back to the batch's
 * id), a compensation (`undo:build`) or a notification (`notify:ops`). A list is indexed by the
 * attempt (its last step repeats); a function sees the whole request.
 */
export type Script = Record<string, Step | Step[] | ((request: AttemptRequest) => Step)>;

export const ok = (result: Json = null, ms = 0): Step => ({ result, ms });
export const fail = (kind: string, ms = 0, extra: Partial<Step> = {}): Step => ({ fail: kind, ms, ...extra });
export const hang: Step = { hang: true };

/** A fake in-memory dispatcher: plays the script on the clock and honours abort signals. */
export class ScriptedDispatcher implements Dispatcher {
    readonly requests: AttemptRequest[] = [];
    /** Attempt ids whose signal was aborted, in order. */
    readonly aborted: number[] = [];

    constructor(private readonly clock: Clock, private readonly script: Script = {}) {}

    execute(request: AttemptRequest, signal: AbortSignal): Promise<AttemptOutcome> {
        this.requests.push(request);
        const step = this.stepFor(request);
        return new Promise(resolve => {
            let timer: unknown;
            const onAbort = (): void => {
                if (timer !== undefined) this.clock.clearTimeout(timer);
                this.aborted.push(request.attemptId);
                resolve({ ok: false, error: TaskFailure.from(signal.reason).toJSON() });
            };
            signal.addEventListener('abort', onAbort, { once: true });
            if (step.hang) return;
            const settle = (): void => {
                signal.removeEventListener('abort', onAbort);
                resolve(outcomeOf(step));
            };
            if (!step.ms) settle();
            else timer = this.clock.setTimeout(settle, step.ms);
        });
    }

    /** Task attempts only (not compensations or notifications). */
    get attempts(): AttemptRequest[] {
        return this.requests.filter(request => request.purpose === 'task');
    }

    private stepFor(request: AttemptRequest): Step {
        const keys = request.purpose === 'compensation' ? [`undo:${request.task}`]
            : request.purpose === 'notification' ? [`notify:${request.task}`]
                : request.item ? [`${request.task}[${request.item.index}]`, request.task] : [request.task];
        const entry = keys.map(key => this.script[key]).find(candidate => candidate !== undefined);
        if (entry === undefined) return ok();
        if (typeof entry === 'function') return entry(request);
        if (Array.isArray(entry)) return entry[Math.min(request.attempt, entry.length) - 1];
        return entry;
    }
}

export function outcomeOf(step: Step): AttemptOutcome {
    if (step.fail === undefined) return { ok: true, result: step.result ?? null };
    const message = step.message ?? `scripted ${step.fail}`;
    const failure = step.exitCode !== undefined ? TaskFailure.exitCode(step.exitCode, message)
        : step.nonRetryable ? TaskFailure.nonRetryable(message, step.fail)
            : TaskFailure.retryable(message, step.fail);
    return { ok: false, error: failure.toJSON() };
}

// ---------------------------------------------------------------------------------------------
// Whole runs on a virtual clock

export interface ScriptedRun {
    clock: VirtualClock;
    dispatcher: ScriptedDispatcher;
    handle: RunHandle;
    events: RunEvent[];
    /** The run's result once it has finished, else undefined. */
    readonly result: RunResult | undefined;
}

/** Starts a run with a scripted dispatcher; drive it with `run.clock.advance` / `runAll`. */
export function startScripted(model: WorkflowModel, script: Script = {}, options: RunOptions = {}): ScriptedRun {
    const clock = (options.clock as VirtualClock | undefined) ?? new VirtualClock();
    const dispatcher = new ScriptedDispatcher(clock, script);
    const events: RunEvent[] = [];
    const handle = startWorkflow(model, { runId: 'run-1', clock, dispatcher, random: () => 0.5, ...options, onEvent: event => {
        events.push(event);
        options.onEvent?.(event);
    } });
    let result: RunResult | undefined;
    let failure: unknown;
    handle.result.then(value => { result = value; }, error => { failure = error; });
    return {
        clock, dispatcher, handle, events,
        get result() {
            if (failure !== undefined) throw failure;
            return result;
        }
    };
}

/** Runs to the end: fires every timer on the virtual clock; throws if the run is still going. */
export async function runScripted(model: WorkflowModel, script: Script = {}, options: RunOptions = {}): Promise<ScriptedRun & { result: RunResult }> {
    const run = startScripted(model, script, options);
    await run.clock.runAll();
    const result = run.result;
    if (!result) throw new Error(`the run did not finish; its last events: ${JSON.stringify(run.events.slice(-3))}`);
    return { clock: run.clock, dispatcher: run.dispatcher, handle: run.handle, events: run.events, result };
}

export function ofType<T extends RunEventType>(events: readonly RunEvent[], type: T): Array<EventOf<T>> {
    return events.filter((event): event is EventOf<T> => event.type === type);
}

/** Tasks (and batch items as `id[i]`) in the order their attempts started. */
export function startOrder(events: readonly RunEvent[]): string[] {
    return ofType(events, 'task.started').map(event => event.item !== undefined ? `${event.task}[${event.item}]` : event.task);
}

/** Milliseconds since the run started at which each `task.started` of `taskId` happened. */
export function startTimes(events: readonly RunEvent[], taskId: string): number[] {
    const origin = events[0]?.time ?? 0;
    return ofType(events, 'task.started').filter(event => event.task === taskId).map(event => event.time - origin);
}

// ---------------------------------------------------------------------------------------------
// The pure core by hand

type InputBody = EngineInput extends infer I ? I extends EngineInput ? Omit<I, 'now'> : never : never;

/**
 * Feeds inputs to `transition` and keeps what a runner would: the events, the attempts in
 * flight and the timers with their due times. Time moves only with `advance`.
 */
export class CoreDriver {
    readonly state: EngineState;
    readonly events: RunEvent[] = [];
    readonly effects: Effect[] = [];
    readonly running = new Map<number, AttemptRequest>();
    private readonly timers = new Map<number, number>();
    now: number;

    constructor(model: WorkflowModel, config: Partial<EngineConfig> = {}, start = Date.UTC(2024, 0, 1)) {
        this.state = createEngineState(model, { runId: 'run-1', params: {}, ...config });
        this.now = start;
    }

    send(input: InputBody): Effect[] {
        const { effects } = transition(this.state, { ...input, now: this.now } as EngineInput);
        for (const effect of effects) {
            this.effects.push(effect);
            switch (effect.type) {
                case 'emit': this.events.push(effect.event); break;
                case 'attempt.start': this.running.set(effect.request.attemptId, effect.request); break;
                case 'timer.set': this.timers.set(effect.timerId, this.now + effect.delayMs); break;
                case 'timer.cancel': this.timers.delete(effect.timerId); break;
                default: break;
            }
        }
        return effects;
    }

    start(): Effect[] {
        return this.send({ type: 'start' });
    }

    /** A driver that goes on from a deep copy (`cloneState`) of this one's state, with no events yet. */
    fork(): CoreDriver {
        const copy = Object.create(CoreDriver.prototype) as CoreDriver;
        return Object.assign(copy, {
            state: cloneState(this.state), events: [], effects: [], running: new Map(this.running), timers: new Map(this.timers), now: this.now
        });
    }

    /** The running attempt of a task (or batch item). */
    attempt(taskId: string, item?: number): AttemptRequest {
        for (const request of this.running.values()) {
            if (request.task === taskId && request.item?.index === item) return request;
        }
        throw new Error(`no running attempt of ${taskId}${item !== undefined ? `[${item}]` : ''}; running: ${[...this.running.values()].map(r => r.task).join(', ') || 'none'}`);
    }

    isRunning(taskId: string): boolean {
        return [...this.running.values()].some(request => request.task === taskId);
    }

    settle(taskId: string, step: Step, item?: number, random = 0.5): Effect[] {
        const request = this.attempt(taskId, item);
        this.running.delete(request.attemptId);
        return this.send({ type: 'attempt.settled', attemptId: request.attemptId, outcome: outcomeOf(step), random });
    }

    succeed(taskId: string, result: Json = null): Effect[] {
        return this.settle(taskId, ok(result));
    }

    fail(taskId: string, kind: string, extra: Partial<Step> = {}): Effect[] {
        return this.settle(taskId, fail(kind, 0, extra));
    }

    /** Moves time forward, firing due timers in order of due time (then of setting). */
    advance(ms: number): void {
        const target = this.now + ms;
        for (;;) {
            let next: [number, number] | undefined;
            for (const entry of this.timers) if (entry[1] <= target && (!next || entry[1] < next[1])) next = entry;
            if (!next) break;
            this.timers.delete(next[0]);
            this.now = Math.max(this.now, next[1]);
            this.send({ type: 'timer.fired', timerId: next[0] });
        }
        this.now = target;
    }

    ofType<T extends RunEventType>(type: T): Array<EventOf<T>> {
        return ofType(this.events, type);
    }

    /** The status a task ended with, from its last event. */
    statusOf(taskId: string): string | undefined {
        for (let index = this.events.length - 1; index >= 0; index--) {
            const event = this.events[index];
            if (!('task' in event) || event.task !== taskId) continue;
            if (event.type === 'task.completed') return 'completed';
            if (event.type === 'task.failed') return 'failed';
            if (event.type === 'task.skipped') return event.status;
        }
        return undefined;
    }
}
