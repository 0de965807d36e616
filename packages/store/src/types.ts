/**
 * What the store keeps and answers, as plain JSON. The store knows the engine's events and the
 * compiled model as types only: it never runs anything.
 */
import type { FailureInfo, TaskStatus } from '@flow/engine';
import type { Json, WorkflowModel } from '@flow/model';

/** What the CLI records when a run starts. */
export interface RunRecord {
    runId: string;
    workflow: string;
    /** The .flow (or seed JSON) file the run came from. */
    file?: string;
    params: Record<string, Json>;
    /** The compiled model the run used, stored once per run. */
    model: WorkflowModel;
    startedAt: number;
    /** Set for a run forked from another run's checkpoint, or continuing an interrupted run. */
    parent?: RunParent;
    /** Set when the run was of a part of the workflow (the editor's Run Task: `task build and what it waits for`). */
    scope?: string;
    /** Dry runs are never stored. */
    dryRun?: false;
}

export interface RunParent {
    runId: string;
    checkpoint?: string | number;
    mode: 'fork' | 'continue';
}

/**
 * `interrupted`: the run was `running` when the process writing it went away (it was killed, or
 * closed the store before the run ended).
 */
export type RunStatusInStore = 'running' | 'completed' | 'failed' | 'cancelled' | 'interrupted';

export interface RunSummary {
    runId: string;
    workflow: string;
    status: RunStatusInStore;
    startedAt: number;
    finishedAt?: number;
    durationMs?: number;
    /** Why a run failed, was cancelled or was interrupted. */
    reason?: string;
    tasks: {
        total: number;
        completed: number;
        /** `failed`, `upstream_failed` and `cancelled`, as the engine's progress counts them. */
        failed: number;
        skipped: number;
    };
    parent?: RunParent;
    /** Set when the run was of a part of the workflow (see `RunRecord.scope`). */
    scope?: string;
}

export interface TaskState {
    id: string;
    /** The engine's status; `pending` for a task that has had no event yet. */
    status: TaskStatus;
    result?: Json;
    error?: FailureInfo;
    /** Why the task was skipped or not run (from `task.skipped`). */
    reason?: string;
    /** Attempts started, over all items of a batch. */
    attempts: number;
    agent?: string;
    fromCache: boolean;
    /** True when an attempt ran on a demo built-in (`sleep`, `echo`, `fail`): it stood in for work, it did none. */
    demo?: boolean;
    /** Set when a resume reused this result from an earlier run instead of running the task. */
    reused?: { runId: string; checkpoint?: string | number };
    durationMs?: number;
    startedAt?: number;
    finishedAt?: number;
    logFile?: string;
}

export interface CheckpointInfo {
    /** Position (1..n) in the run's sequence of deltas: one delta per finished task. */
    id: number;
    runId: string;
    name?: string;
    description?: string;
    /** The task whose end made the delta. */
    task?: string;
    /** When the delta was made (the event's time). */
    time: number;
    /** The seq of the event that made the delta. */
    seq: number;
}

export interface RunState {
    runId: string;
    /** The checkpoint the state is at; undefined for a run with no finished task yet. */
    at: CheckpointInfo | undefined;
    /** Every task of the run's model (those without an event yet are `pending`), by id. */
    tasks: Record<string, TaskState>;
}

export interface TaskChange {
    task: string;
    /** Undefined when the task did not exist (in the state) at `from`. */
    before?: TaskState;
    after?: TaskState;
}

export interface RetentionOptions {
    /** Keep at most this many runs (the most recently started); older finished runs are removed. */
    keepRuns?: number;
    /** Remove finished runs that started more than this long ago. */
    olderThanMs?: number;
}

export interface CacheOptions {
    /** Most entries kept; the least recently used go first. @default 10000 */
    maxEntries?: number;
    /** Most bytes of serialised results kept; the least recently used go first. @default 64 MiB */
    maxBytes?: number;
}

export interface StoreOptions {
    /**
     * Open without the writer lock, to query. A read-only store sees the exported database plus
     * the journal written since, as of the moment it opened; it cannot record runs or events.
     */
    readOnly?: boolean;
    /** How long to wait for another writer to release the lock. 0 fails at once. @default 10000 */
    lockWaitMs?: number;
    /**
     * How often the database is exported in the background while events arrive. 0 exports only
     * on `flush` and `close`. @default 5000
     */
    exportIntervalMs?: number;
    /** The bound applied automatically when a writer opens and before each export. @default { keepRuns: 200 } */
    retention?: RetentionOptions;
    cache?: CacheOptions;
    /** Where time comes from for cache expiry, retention and manual checkpoints. @default Date.now */
    clock?: { now(): number };
    /** Problems the store recovered from (a torn journal line, a corrupt database file). */
    onWarning?: (message: string) => void;
}
