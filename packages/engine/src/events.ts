/**
 * Everything a run reports, as one discriminated union on `type`. The CLI's progress and
 * summary, the journal and the editor's views all consume these same events; they are plain
 * JSON so they can be written to a journal and sent to a webview as they are.
 */
import type { Json, PriorityLevel } from '@flow/model';
import type { FailureInfo } from './errors.js';

/** A task's state as the engine tracks it. */
export type TaskStatus =
    /** Waiting for its dependencies. */
    | 'pending'
    /** Dependencies satisfied; waiting for its start time or a cache lookup. */
    | 'waiting'
    /** In the ready queue. */
    | 'ready'
    /** At least one attempt (or batch item) is running or waits to retry. */
    | 'running'
    | 'completed'
    | 'failed'
    /** Not run: its condition said so, or an upstream task was skipped. */
    | 'skipped'
    /** Not run: an upstream task failed. */
    | 'upstream_failed'
    | 'cancelled';

/** Statuses after which a task never changes again. */
export const TERMINAL_STATUSES: ReadonlySet<TaskStatus> = new Set(['completed', 'failed', 'skipped', 'upstream_failed', 'cancelled']);

export type RunStatus = 'completed' | 'failed' | 'cancelled';

/** Fields every event carries. */
export interface EventBase {
    runId: string;
    /** Position in the run's event stream, from 1. */
    seq: number;
    /** Milliseconds since the epoch, from the run's clock. */
    time: number;
}

/**
 * What an attempt's processes used, as the runner measured it (the `shell` runner does; other
 * runners report nothing). docs/runners.md says what is counted.
 */
export interface ProcessUsage {
    /** User plus system CPU time of the command and the processes it waited for, in ms. */
    cpuMs: number;
    /** Real time from the command's start to its exit, in ms (not the run's clock). */
    wallMs: number;
}

/** A runner kind whose work is a demonstration (`sleep`, `echo`, `fail`), said so in every view. */
export const DEMO_RUNNER_KINDS: ReadonlySet<string> = new Set(['sleep', 'echo', 'fail']);

export type RunEvent = EventBase & (
    | { type: 'run.started'; workflow: string; params: Record<string, Json>; totalTasks: number }
    | { type: 'run.completed'; durationMs: number; deliverables: string[] }
    | { type: 'run.failed'; durationMs: number; reason: string; failedTasks: string[] }
    | { type: 'run.cancelled'; durationMs: number; reason: string }

    | { type: 'phase.started'; phase: string }
    | { type: 'phase.completed'; phase: string; ok: boolean }

    | { type: 'task.ready'; task: string; score: number }
    | {
        type: 'task.started'; task: string; attempt: number; item?: number; agent?: string; runner: string;
        /** True for the demo built-ins (`sleep`, `echo`, `fail`): they only pretend to work. */
        demo: boolean;
        timeoutMs?: number;
    }
    | {
        type: 'task.attempt_failed'; task: string; attempt: number; item?: number; agent?: string; error: FailureInfo; logFile?: string;
        /** What the failed attempt's processes used, when its runner measured it. */
        usage?: ProcessUsage;
    }
    | { type: 'task.retry_scheduled'; task: string; item?: number; nextAttempt: number; delayMs: number; kind: string }
    | { type: 'task.timed_out'; task: string; attempt: number; item?: number; timeoutMs: number }
    | {
        type: 'task.completed'; task: string; result: Json; attempts: number; durationMs: number;
        agent?: string; fromCache: boolean; logFile?: string;
        /** Set when the result was reused from the run (and checkpoint) a resume started from, instead of running. */
        reused?: { runId: string; checkpoint?: string | number };
        /** What the attempt that completed the task used, when its runner measured it (a batch's items report theirs in `batch.progress`). */
        usage?: ProcessUsage;
    }
    | { type: 'task.failed'; task: string; error: FailureInfo; attempts: number; durationMs: number; escalated: boolean }
    | {
        type: 'task.skipped'; task: string;
        /** `skipped` by a condition or a skipped upstream, `upstream_failed` by a failed one, `cancelled` by the run. */
        status: 'skipped' | 'upstream_failed' | 'cancelled';
        reason: string;
    }
    | { type: 'task.cache_hit'; task: string; key: string }
    /** A resume kept this task's result: its definition, the parameters it sees and its upstream results are unchanged. */
    | { type: 'task.reused'; task: string; fromRun: string; checkpoint?: string | number }
    | { type: 'task.recovery'; task: string; item?: number; action: 'reassign' | 'retry' | 'modify'; detail: string }

    | {
        type: 'batch.progress'; task: string; item: number; ok: boolean; done: number; failed: number; total: number;
        /** What the item's successful attempt used, when its runner measured it (a failed one's is in `task.attempt_failed`). */
        usage?: ProcessUsage;
    }

    | { type: 'breaker.opened'; agent: string; failures: number; recoveryMs: number }
    | { type: 'breaker.half_open'; agent: string; probes: number }
    | { type: 'breaker.closed'; agent: string }
    | { type: 'failover'; task: string; item?: number; from: string; to: string; count: number }

    | { type: 'milestone.reached'; milestone: string; description?: string }
    | { type: 'checkpoint.reached'; checkpoint: string; description?: string; completedTasks: string[] }
    | { type: 'deadline.missed'; task: string; deadline: string }
    | { type: 'sla.missed'; task: string; level: PriorityLevel; slaMs: number }

    | {
        type: 'progress';
        /** Finished tasks (any terminal status) over all tasks, 0-100. */
        percent: number;
        /** The earliest declared phase (with tasks) that has not finished: the one running or next. */
        phase?: string;
        done: number; total: number; running: number; completed: number; failed: number; skipped: number;
    }

    | { type: 'compensation.started'; task: string; runner: string }
    | { type: 'compensation.completed'; task: string; ok: boolean; error?: FailureInfo }

    | {
        type: 'notification'; target: string;
        reason: 'started' | 'completed' | 'failed' | 'cancelled' | 'milestone' | 'escalation' | 'failover';
        message: string;
        /** True when the target has a runner that is being run for this notification. */
        hasRunner: boolean;
    }
    | { type: 'notification.failed'; target: string; error: FailureInfo }
    | { type: 'escalation'; task?: string; severity: 'low' | 'medium' | 'high' | 'critical'; notify: string[]; message: string }
);

export type RunEventType = RunEvent['type'];

/** The event of one type, for typed handlers: `EventOf<'task.completed'>`. */
export type EventOf<T extends RunEventType> = Extract<RunEvent, { type: T }>;
