/**
 * The data that crosses the boundary of the engine's pure core: the inputs it receives, the
 * effects it asks for, the attempt requests it hands to a dispatcher and the outcomes that come
 * back. All of it is plain JSON, so a dispatcher may send a request to another process or
 * machine and bring the outcome back unchanged.
 */
import type { Json, RunnerDef } from '@flow/model';
import type { FailureInfo } from './errors.js';
import type { ProcessUsage, RunEvent, RunStatus, TaskStatus } from './events.js';

/** What a task exposes to the tasks after it (as `name.result`, `name.status`). */
export interface UpstreamOutcome {
    status: TaskStatus;
    result: Json;
}

/** One piece of work for a runner: an attempt of a task or batch item, a compensation or a notification. */
export interface AttemptRequest {
    runId: string;
    workflow: string;
    /** `task`: an attempt; `compensation`: undoing a completed task; `notification`: a notification target's runner. */
    purpose: 'task' | 'compensation' | 'notification';
    /** The task's id (for a notification: the target's name). */
    task: string;
    /** The task type, for runners that care. */
    type?: string;
    /** The attempt number of this task or item, from 1. */
    attempt: number;
    /** Unique within the run; the engine matches outcomes by it. */
    attemptId: number;
    /** The batch item, for an attempt of a batch item. */
    item?: { index: number; value: Json };
    /** The agent the attempt runs on, when it needs one. */
    agent?: string;
    runner: RunnerDef;
    /** The run's resolved parameters. */
    params: Record<string, Json>;
    /**
     * Outcomes of the upstream tasks and of the tasks the runner's text interpolates, by task id
     * (an object without a prototype: read it with `Object.hasOwn` or `in`, not `hasOwnProperty`).
     */
    upstream: Record<string, UpstreamOutcome>;
    /** The task's `inputs`, with any changes a `modify` recovery rule made. */
    inputs: Record<string, Json>;
    metadata: Record<string, Json>;
    /** The attempt's time limit; the engine enforces it, runners may use it too. */
    timeoutMs?: number;
}

/** How an attempt ended, as the dispatcher reports it; `usage` when the runner measured its processes. */
export type AttemptOutcome =
    | { ok: true; result: Json; logFile?: string; usage?: ProcessUsage }
    | { ok: false; error: FailureInfo; logFile?: string; usage?: ProcessUsage };

/** Inputs of the core's `transition`. Every input carries the time it happened. */
export type EngineInput =
    | { type: 'start'; now: number }
    | { type: 'attempt.settled'; attemptId: number; outcome: AttemptOutcome; now: number;
        /** A number in [0, 1) for the jitter of a retry this failure may schedule. */
        random: number }
    | { type: 'timer.fired'; timerId: number; now: number }
    | { type: 'cache.looked_up'; task: string; key: string; hit?: { value: Json; storedAt: number }; now: number }
    | { type: 'compensation.settled'; task: string; outcome: AttemptOutcome; now: number }
    | { type: 'notification.settled'; notificationId: number; target: string; outcome: AttemptOutcome; now: number }
    | { type: 'cancel'; reason: string; now: number };

/** What the core asks its runner to do. */
export type Effect =
    | { type: 'emit'; event: RunEvent }
    | { type: 'attempt.start'; request: AttemptRequest }
    /** Stop a running attempt; it must still settle (with any outcome) once it has stopped. */
    | { type: 'attempt.abort'; attemptId: number; error: FailureInfo }
    | { type: 'timer.set'; timerId: number; delayMs: number }
    | { type: 'timer.cancel'; timerId: number }
    | { type: 'cache.lookup'; task: string; key: string }
    | { type: 'cache.store'; task: string; key: string; value: Json; ttlMs?: number }
    | { type: 'compensation.run'; task: string; request: AttemptRequest }
    | { type: 'notification.run'; notificationId: number; target: string; request: AttemptRequest }
    | { type: 'run.finished'; result: RunResult };

/** A task's line in a run's result. */
export interface TaskSummary {
    id: string;
    status: TaskStatus;
    /** Attempts started, over all items of a batch. */
    attempts: number;
    durationMs?: number;
    /** The agent of the last attempt. */
    agent?: string;
    fromCache: boolean;
    /** True when the result was reused from an earlier run (a resume) instead of running. */
    reused?: boolean;
    result?: Json;
    error?: FailureInfo;
    /** Why a task was skipped or not run. */
    reason?: string;
    /** True when the task's runner is a demo built-in (`sleep`, `echo`, `fail`). */
    demo: boolean;
    /** Batch items: how many finished and how many of those failed. */
    items?: {
        total: number;
        /** Items that did not complete, including cancelled ones. */
        failed: number;
        /** Of `failed`, the items stopped or never started (a batch stopped by a failing item, a cancelled run). */
        cancelled: number;
    };
}

export interface RunResult {
    runId: string;
    workflow: string;
    status: RunStatus;
    /** Why the run failed or was cancelled. */
    reason?: string;
    startedAt: number;
    finishedAt: number;
    durationMs: number;
    tasks: TaskSummary[];
    deliverables: string[];
}
