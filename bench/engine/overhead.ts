/**
 * What the engine costs per task when the tasks themselves cost nothing, at two levels: the
 * pure core (`transition` fed by a synchronous loop that settles every attempt at once) and
 * the runner (`runWorkflow` with a dispatcher that resolves at once). The floor: a bare
 * topological executor over the same model, which is all any executor must do.
 * Every function times one run, from the model to the end of the run.
 */
import type { WorkflowModel } from '@flow/model';
import {
    createEngineState, runWorkflow, transition, type AttemptOutcome, type Dispatcher, type Effect
} from '../../packages/engine/src/index.js';

/** Defeats dead-code elimination: every measured run adds what it did here. */
export let sink = 0;

/**
 * Milliseconds of one run: on the wall clock, and of CPU time of this thread (which includes
 * garbage collection pauses on it). On a machine that others load too, the CPU time is the
 * steadier of the two: it leaves out the time the thread waited for a core.
 */
export interface Timing {
    wallMs: number;
    cpuMs: number;
}

/** Starts timing; call the result to stop. */
export function startTiming(): (() => Timing) & { startedAt: number } {
    const startedAt = performance.now();
    const cpu = process.threadCpuUsage();
    const stop = (): Timing => {
        const used = process.threadCpuUsage(cpu);
        return { wallMs: performance.now() - startedAt, cpuMs: (used.user + used.system) / 1000 };
    };
    return Object.assign(stop, { startedAt });
}

/**
 * Kahn's algorithm with an array as the queue, calling a no-op per task. It starts from the
 * model's tasks and their dependency ids, as the engine does, so building the graph counts.
 */
export function bareTopological(model: WorkflowModel): Timing {
    const stop = startTiming();
    const tasks = model.tasks;
    const count = tasks.length;
    const indexOf = new Map<string, number>();
    for (let index = 0; index < count; index++) indexOf.set(tasks[index].id, index);
    const waiting = new Int32Array(count);
    const dependents: number[][] = Array.from({ length: count }, () => []);
    for (let index = 0; index < count; index++) {
        for (const dependency of tasks[index].dependencies) {
            dependents[indexOf.get(dependency)!].push(index);
            waiting[index]++;
        }
    }
    const queue: number[] = [];
    for (let index = 0; index < count; index++) if (waiting[index] === 0) queue.push(index);
    let done = 0;
    const noop = (index: number): void => {
        done += index >= 0 ? 1 : 0;
    };
    for (let head = 0; head < queue.length; head++) {
        const task = queue[head];
        noop(task);
        for (const dependent of dependents[task]) if (--waiting[dependent] === 0) queue.push(dependent);
    }
    const timing = stop();
    if (done !== count) throw new Error(`the bare executor ran ${done} of ${count} tasks`);
    sink += done;
    return timing;
}

export interface CoreTimes {
    total: Timing;
    /** Of which `createEngineState`. */
    setup: Timing;
    events: number;
}

/**
 * The pure core alone: `start`, then an immediate successful `attempt.settled` for every
 * `attempt.start` effect, in a synchronous loop, until `run.finished`.
 */
export function pureCore(model: WorkflowModel): CoreTimes {
    const stop = startTiming();
    const stopSetup = startTiming();
    const state = createEngineState(model, { runId: 'bench', params: {} });
    const setup = stopSetup();
    const now = Date.now();
    const started: number[] = [];
    let events = 0;
    let finished: Extract<Effect, { type: 'run.finished' }> | undefined;
    const perform = (effects: Effect[]): void => {
        for (const effect of effects) {
            if (effect.type === 'emit') events++;
            else if (effect.type === 'attempt.start') started.push(effect.request.attemptId);
            else if (effect.type === 'run.finished') finished = effect;
        }
    };
    perform(transition(state, { type: 'start', now }).effects);
    for (let index = 0; index < started.length; index++) {
        const outcome: AttemptOutcome = { ok: true, result: null };
        perform(transition(state, { type: 'attempt.settled', attemptId: started[index], outcome, now, random: 0.5 }).effects);
    }
    const total = stop();
    checkCompleted(model, finished?.result, started.length);
    sink += events;
    return { total, setup, events };
}

/** A dispatcher whose every attempt succeeds at once: what is left is the runner's own cost. */
const instantDispatcher: Dispatcher = {
    execute: () => Promise.resolve({ ok: true, result: null })
};

/** The runner: `runWorkflow` with the instant dispatcher, default clock, cache and options. */
export async function runner(model: WorkflowModel): Promise<{ total: Timing; events: number }> {
    let events = 0;
    const stop = startTiming();
    const result = await runWorkflow(model, { dispatcher: instantDispatcher, onEvent: () => { events++; } });
    const total = stop();
    checkCompleted(model, result, result.tasks.reduce((sum, task) => sum + task.attempts, 0));
    sink += events;
    return { total, events };
}

/** A benchmark that measures a broken run would report nonsense: refuse it instead. */
export function checkCompleted(model: WorkflowModel, result: { status: string; tasks: Array<{ status: string }> } | undefined, attempts: number): void {
    if (!result) throw new Error(`the run of ${model.name} never finished`);
    const completed = result.tasks.filter(task => task.status === 'completed').length;
    if (result.status !== 'completed' || completed !== model.tasks.length || attempts !== model.tasks.length) {
        throw new Error(`the run of ${model.name} ended ${result.status} with ${completed} of ${model.tasks.length} tasks completed after ${attempts} attempts`);
    }
}
