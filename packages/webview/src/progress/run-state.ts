/**
 * What the progress panel knows about a run, folded from its events: the header's figures
 * (taken from the engine's `progress` events, never estimated) and each task's status and
 * details. Pure and DOM-free, so it is unit-tested, and small enough to be the webview's saved
 * state (results are kept as a short preview, not whole).
 */
import type { Json } from '@flow/model';
import type { RunEvent, TaskStatus } from '@flow/engine/src/events.js';

export type RunStatus = 'running' | 'completed' | 'failed' | 'cancelled';

/** One attempt that has ended, with its log file when it printed anything. */
export interface AttemptRecord {
    attempt: number;
    item?: number;
    ok: boolean;
    logFile?: string;
}

export interface TaskView {
    status: TaskStatus;
    /** The highest attempt number started (a batch's items each count their own). */
    attempts: number;
    agent?: string;
    runner?: string;
    /** A demo built-in (`sleep`, `echo`, `fail`): the panel says it did no real work. */
    demo?: boolean;
    startedAt?: number;
    durationMs?: number;
    /** The result as JSON text, cut to `RESULT_PREVIEW_CHARS`. */
    resultPreview?: string;
    error?: { kind: string; message: string };
    /** Why it was skipped, upstream-failed or cancelled. */
    reason?: string;
    fromCache?: boolean;
    /** The run a resume took its result from. */
    reusedFrom?: string;
    batch?: { done: number; failed: number; total: number };
    /** A retry waiting for its delay. */
    retry?: { nextAttempt: number; delayMs: number; at: number };
    /** Attempts that have ended, oldest first. */
    ended: AttemptRecord[];
}

export interface RunView {
    runId: string;
    workflow: string;
    status: RunStatus;
    reason?: string;
    /** From the last `progress` event; undefined until the engine sent one. */
    percent?: number;
    phase?: string;
    done: number;
    total: number;
    startedAt?: number;
    durationMs?: number;
    tasks: Record<string, TaskView>;
    /** The `seq` of the last event folded in: replayed events at or below it are ignored. */
    lastSeq: number;
}

/** How much of a result the panel keeps and shows. */
export const RESULT_PREVIEW_CHARS = 2_000;

/** A run before its first event: every task pending. */
export function initialRunView(runId: string, workflow: string, taskIds: readonly string[]): RunView {
    const tasks: Record<string, TaskView> = {};
    for (const id of taskIds) tasks[id] = { status: 'pending', attempts: 0, ended: [] };
    return { runId, workflow, status: 'running', done: 0, total: taskIds.length, tasks, lastSeq: 0 };
}

/** Folds events into the view, in place (the panel folds thousands; copying per event would cost). */
export function applyEvents(view: RunView, events: readonly RunEvent[]): RunView {
    for (const event of events) applyEvent(view, event);
    return view;
}

export function applyEvent(view: RunView, event: RunEvent): RunView {
    // A panel that reopens is sent every event again; those it has folded already change nothing.
    if (event.runId !== view.runId || event.seq <= view.lastSeq) return view;
    view.lastSeq = event.seq;
    const task = 'task' in event && event.task !== undefined ? taskOf(view, event.task) : undefined;
    switch (event.type) {
        case 'run.started':
            view.startedAt = event.time;
            view.total = event.totalTasks;
            break;
        case 'run.completed':
        case 'run.failed':
        case 'run.cancelled':
            view.status = event.type === 'run.completed' ? 'completed' : event.type === 'run.failed' ? 'failed' : 'cancelled';
            view.durationMs = event.durationMs;
            if (event.type !== 'run.completed') view.reason = event.reason;
            break;
        case 'progress':
            view.percent = event.percent;
            view.phase = event.phase;
            view.done = event.done;
            view.total = event.total;
            break;
        case 'task.ready':
            if (task) task.status = 'ready';
            break;
        case 'task.started':
            if (!task) break;
            task.status = 'running';
            task.attempts = Math.max(task.attempts, event.attempt);
            task.agent = event.agent ?? task.agent;
            task.runner = event.runner;
            task.demo = event.demo;
            task.startedAt ??= event.time;
            task.retry = undefined;
            break;
        case 'task.attempt_failed':
            if (!task) break;
            task.error = { kind: event.error.kind, message: event.error.message };
            task.ended.push(record(event.attempt, event.item, false, event.logFile));
            break;
        case 'task.retry_scheduled':
            if (task) task.retry = { nextAttempt: event.nextAttempt, delayMs: event.delayMs, at: event.time + event.delayMs };
            break;
        case 'task.completed':
            if (!task) break;
            task.status = 'completed';
            task.attempts = event.attempts;
            task.durationMs = event.durationMs;
            task.agent = event.agent ?? task.agent;
            task.fromCache = event.fromCache;
            task.reusedFrom = event.reused?.runId;
            task.resultPreview = preview(event.result);
            task.error = undefined;
            task.retry = undefined;
            // A batch's items each end with batch.progress; the task's last attempt ends here.
            if (!event.fromCache && !event.reused && task.batch === undefined) task.ended.push(record(event.attempts, undefined, true, event.logFile));
            break;
        case 'task.failed':
            if (!task) break;
            task.status = 'failed';
            task.attempts = event.attempts;
            task.durationMs = event.durationMs;
            task.error = { kind: event.error.kind, message: event.error.message };
            task.retry = undefined;
            break;
        case 'task.skipped':
            if (!task) break;
            task.status = event.status;
            task.reason = event.reason;
            task.retry = undefined;
            break;
        case 'task.cache_hit':
            if (task) task.fromCache = true;
            break;
        case 'task.reused':
            if (task) task.reusedFrom = event.fromRun;
            break;
        case 'batch.progress':
            if (task) task.batch = { done: event.done, failed: event.failed, total: event.total };
            break;
        default:
            break;
    }
    return view;
}

/** Tasks that are running now, in the order the model declares them. */
export function runningTasks(view: RunView): string[] {
    return Object.keys(view.tasks).filter(id => view.tasks[id].status === 'running');
}

/** Whether a task has not started and may still: "why is this waiting?" applies to it. */
export function isWaiting(status: TaskStatus): boolean {
    return status === 'pending' || status === 'waiting' || status === 'ready';
}

function taskOf(view: RunView, id: string): TaskView {
    // A task the model did not list (a model sent late) still gets a row rather than losing its events.
    return view.tasks[id] ??= { status: 'pending', attempts: 0, ended: [] };
}

function record(attempt: number, item: number | undefined, ok: boolean, logFile: string | undefined): AttemptRecord {
    return { attempt, ...(item === undefined ? {} : { item }), ok, ...(logFile === undefined ? {} : { logFile }) };
}

function preview(result: Json): string {
    const text = JSON.stringify(result, null, 2) ?? 'null';
    return text.length > RESULT_PREVIEW_CHARS ? `${text.slice(0, RESULT_PREVIEW_CHARS)}…` : text;
}
