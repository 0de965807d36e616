/**
 * Applies journal records to the database: the events table keeps every event as it came; runs,
 * tasks, attempts and deltas are derived from the events the store knows, and other events
 * (types the engine adds later) are kept without being derived from.
 */
import type { RunEvent, TaskStatus } from '@flow/engine';
import type { Json } from '@flow/model';
import type { JournalRecord, RecordOf } from './records.js';
import type { Sql } from './sql.js';
import type { TaskState } from './types.js';

/** Statuses after which a task never changes again (the engine's TERMINAL_STATUSES, which is a value). */
const TERMINAL: ReadonlySet<TaskStatus> = new Set(['completed', 'failed', 'skipped', 'upstream_failed', 'cancelled']);

/** What `task.completed` carries beyond the fields every engine version has. */
interface CompletedExtras {
    reused?: { runId: string; checkpoint?: string | number };
}

/** A record for a run the database does not have (its history was lost): reported, then skipped. */
export class UnknownRunError extends Error {
    constructor(readonly runId: string) {
        super(`no run ${runId}`);
    }
}

/** A task's state as stored: TaskState without its id, which is the row's key. */
type StoredState = Omit<TaskState, 'id'>;

export class Tables {
    /** Live totals of the results cache, kept as records are applied. */
    cacheEntries = 0;
    cacheBytes = 0;
    private cacheUse = 0;

    constructor(private readonly sql: Sql) {
        const totals = sql.get('SELECT count(*) AS entries, coalesce(sum(bytes), 0) AS bytes, coalesce(max(used), 0) AS used FROM cache')!;
        this.cacheEntries = Number(totals.entries);
        this.cacheBytes = Number(totals.bytes);
        this.cacheUse = Number(totals.used);
    }

    /** Applies one record in one transaction. */
    apply(record: JournalRecord, onProblem: (message: string) => void): void {
        this.sql.transaction(() => {
            switch (record.k) {
                case 'run': return this.recordRun(record);
                case 'event': return this.event(record.e, onProblem);
                case 'checkpoint': return this.nameCheckpoint(record.runId, record.name, record.delta, record.time, record.description, onProblem);
                case 'interrupted':
                    return this.sql.run("UPDATE runs SET status = 'interrupted', reason = ? WHERE run_id = ? AND status = 'running'", [record.reason, record.runId]);
                case 'gc': return this.removeRuns(record.runs);
                case 'cache.set': return this.cacheSet(record);
                case 'cache.use': return this.cacheTouch(record.key);
                case 'cache.delete':
                    for (const key of record.keys) this.cacheDelete(key);
                    return;
                default:
                    // A record of a newer store version: nothing this version can derive from it.
                    onProblem(`skipped journal record ${(record as { n: number }).n} of unknown kind ${JSON.stringify((record as { k: unknown }).k)}`);
            }
        });
    }

    private recordRun({ run, writer }: RecordOf<'run'>): void {
        const { model, ...rest } = run;
        const taskIds = (model?.tasks ?? []).map(task => task.id);
        this.sql.run(
            `INSERT INTO runs (run_id, workflow, record, status, started_at, total_tasks, writer) VALUES (?, ?, ?, 'running', ?, ?, ?)`,
            [run.runId, run.workflow, JSON.stringify(rest), run.startedAt, taskIds.length, writer]
        );
        this.sql.run('INSERT INTO run_models (run_id, model, task_ids) VALUES (?, ?, ?)',
            [run.runId, model === undefined ? null : JSON.stringify(model), JSON.stringify(taskIds)]);
    }

    private event(event: RunEvent, onProblem: (message: string) => void): void {
        const run = this.sql.get('SELECT deltas FROM runs WHERE run_id = ?', [event.runId]);
        if (!run) throw new UnknownRunError(event.runId);
        this.sql.run('INSERT INTO events (run_id, seq, type, time, body) VALUES (?, ?, ?, ?, ?)',
            [event.runId, event.seq, event.type, event.time, JSON.stringify(event)]);
        this.sql.run('UPDATE runs SET last_seq = ? WHERE run_id = ?', [event.seq, event.runId]);
        const { runId, time } = event;
        switch (event.type) {
            case 'run.started':
                this.sql.run('UPDATE runs SET total_tasks = ? WHERE run_id = ?', [event.totalTasks, runId]);
                return;
            case 'run.completed':
                return this.finishRun(runId, 'completed', time, event.durationMs, null);
            case 'run.failed':
                return this.finishRun(runId, 'failed', time, event.durationMs, event.reason);
            case 'run.cancelled':
                return this.finishRun(runId, 'cancelled', time, event.durationMs, event.reason);
            case 'task.ready': {
                const state = this.task(runId, event.task);
                if (state.status === 'pending' || state.status === 'waiting') this.saveTask(runId, event.task, { ...state, status: 'ready' });
                return;
            }
            case 'task.started': {
                const state = this.task(runId, event.task);
                this.saveTask(runId, event.task, {
                    ...state,
                    status: TERMINAL.has(state.status) ? state.status : 'running',
                    attempts: state.attempts + 1,
                    agent: event.agent ?? state.agent,
                    startedAt: state.startedAt ?? time,
                    ...(event.demo || state.demo ? { demo: true } : {})
                });
                this.sql.run(
                    `INSERT OR REPLACE INTO attempts (run_id, task_id, item, attempt, agent, runner, started_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
                    [runId, event.task, event.item ?? -1, event.attempt, event.agent ?? null, event.runner, time]
                );
                return;
            }
            case 'task.attempt_failed': {
                this.sql.run(
                    `UPDATE attempts SET finished_at = ?, ok = 0, error = ?, log_file = ?, cpu_ms = ?, wall_ms = ?
                     WHERE run_id = ? AND task_id = ? AND item = ? AND attempt = ?`,
                    [time, JSON.stringify(event.error), event.logFile ?? null, event.usage?.cpuMs ?? null, event.usage?.wallMs ?? null,
                        runId, event.task, event.item ?? -1, event.attempt]
                );
                if (event.logFile !== undefined) this.saveTask(runId, event.task, { ...this.task(runId, event.task), logFile: event.logFile });
                return;
            }
            case 'batch.progress':
                this.sql.run('UPDATE attempts SET finished_at = ?, ok = ?, cpu_ms = ?, wall_ms = ? WHERE run_id = ? AND task_id = ? AND item = ? AND finished_at IS NULL',
                    [time, event.ok ? 1 : 0, event.usage?.cpuMs ?? null, event.usage?.wallMs ?? null, runId, event.task, event.item]);
                return;
            case 'task.completed': {
                const extras = event as CompletedExtras;
                const state = this.task(runId, event.task);
                if (event.usage) {
                    // The attempt that completed the task, still open until finishTask closes it.
                    this.sql.run('UPDATE attempts SET cpu_ms = ?, wall_ms = ? WHERE run_id = ? AND task_id = ? AND item = -1 AND finished_at IS NULL',
                        [event.usage.cpuMs, event.usage.wallMs, runId, event.task]);
                }
                const { error: _error, reason: _reason, ...rest } = state;
                this.finishTask(runId, event, state.status, {
                    ...rest,
                    status: 'completed',
                    result: event.result,
                    attempts: event.attempts,
                    agent: event.agent ?? state.agent,
                    fromCache: event.fromCache,
                    durationMs: event.durationMs,
                    finishedAt: time,
                    ...(event.logFile !== undefined ? { logFile: event.logFile } : {}),
                    ...(extras.reused !== undefined ? { reused: extras.reused } : {})
                }, 1);
                return;
            }
            case 'task.failed': {
                const state = this.task(runId, event.task);
                this.finishTask(runId, event, state.status, {
                    ...state, status: 'failed', error: event.error, attempts: event.attempts, durationMs: event.durationMs, finishedAt: time
                }, 0);
                return;
            }
            case 'task.skipped': {
                const state = this.task(runId, event.task);
                this.finishTask(runId, event, state.status, { ...state, status: event.status, reason: event.reason, finishedAt: time }, 0);
                return;
            }
            case 'checkpoint.reached':
                return this.nameCheckpoint(runId, event.checkpoint, Number(run.deltas), time, event.description, onProblem);
            default:
                // Kept in `events` only: progress, phases, breakers, notifications, and any later type.
                return;
        }
    }

    private finishRun(runId: string, status: string, time: number, durationMs: number, reason: string | null): void {
        this.sql.run('UPDATE runs SET status = ?, finished_at = ?, duration_ms = ?, reason = ? WHERE run_id = ?',
            [status, time, durationMs, reason, runId]);
    }

    /** A task's end: its state, the run's counters, its open attempts, and a new delta. */
    private finishTask(runId: string, event: RunEvent & { task: string }, before: TaskStatus, after: StoredState, ok: 0 | 1): void {
        this.saveTask(runId, event.task, after);
        const counters: string[] = [];
        if (TERMINAL.has(before)) counters.push(`${counterOf(before)} = ${counterOf(before)} - 1`);
        counters.push(`${counterOf(after.status)} = ${counterOf(after.status)} + 1`);
        this.sql.run(`UPDATE runs SET ${counters.join(', ')}, deltas = deltas + 1 WHERE run_id = ?`, [runId]);
        this.sql.run('UPDATE attempts SET finished_at = ?, ok = ? WHERE run_id = ? AND task_id = ? AND finished_at IS NULL',
            [event.time, ok, runId, event.task]);
        const delta = Number(this.sql.get('SELECT deltas FROM runs WHERE run_id = ?', [runId])!.deltas);
        this.sql.run('INSERT INTO deltas (run_id, id, seq, time, task) VALUES (?, ?, ?, ?, ?)', [runId, delta, event.seq, event.time, event.task]);
        // The delta holds every task that changed since the one before: one finished task, and
        // those that became ready or started meanwhile. CROSS JOIN keeps SQLite from walking
        // all the run's tasks to find the few that changed.
        this.sql.run(
            `INSERT INTO delta_tasks (run_id, task_id, delta_id, state)
             SELECT t.run_id, t.task_id, ?, t.state FROM changed_tasks c CROSS JOIN tasks t ON t.run_id = c.run_id AND t.task_id = c.task_id
             WHERE c.run_id = ?`,
            [delta, runId]);
        this.sql.run('DELETE FROM changed_tasks WHERE run_id = ?', [runId]);
    }

    private nameCheckpoint(runId: string, name: string, delta: number, time: number, description: string | undefined, onProblem: (message: string) => void): void {
        const existing = this.sql.get('SELECT delta_id FROM checkpoint_names WHERE run_id = ? AND name = ?', [runId, name]);
        if (existing) {
            if (Number(existing.delta_id) !== delta) {
                onProblem(`run ${runId} already has a checkpoint named ${name} (at ${existing.delta_id}); the one at ${delta} was not named`);
            }
            return;
        }
        if (!this.sql.get('SELECT 1 AS found FROM runs WHERE run_id = ?', [runId])) throw new UnknownRunError(runId);
        this.sql.run('INSERT INTO checkpoint_names (run_id, name, delta_id, description, time) VALUES (?, ?, ?, ?, ?)',
            [runId, name, delta, description ?? null, time]);
    }

    private removeRuns(runIds: string[]): void {
        for (const runId of runIds) {
            for (const table of ['runs', 'run_models', 'tasks', 'changed_tasks', 'attempts', 'events', 'deltas', 'delta_tasks', 'checkpoint_names']) {
                this.sql.run(`DELETE FROM ${table} WHERE run_id = ?`, [runId]);
            }
        }
    }

    task(runId: string, taskId: string): StoredState {
        const row = this.sql.get('SELECT state FROM tasks WHERE run_id = ? AND task_id = ?', [runId, taskId]);
        return row ? JSON.parse(row.state as string) as StoredState : { status: 'pending', attempts: 0, fromCache: false };
    }

    private saveTask(runId: string, taskId: string, state: StoredState): void {
        this.sql.run('INSERT OR REPLACE INTO tasks (run_id, task_id, status, state) VALUES (?, ?, ?, ?)',
            [runId, taskId, state.status, JSON.stringify(state)]);
        this.sql.run('INSERT OR IGNORE INTO changed_tasks (run_id, task_id) VALUES (?, ?)', [runId, taskId]);
    }

    private cacheSet(record: RecordOf<'cache.set'>): void {
        for (const key of record.evict) this.cacheDelete(key);
        this.cacheDelete(record.key);
        const value = JSON.stringify(record.value);
        const bytes = byteLength(record.value);
        this.sql.run('INSERT INTO cache (key, value, stored_at, expires_at, bytes, used) VALUES (?, ?, ?, ?, ?, ?)',
            [record.key, value, record.storedAt, record.expiresAt, bytes, ++this.cacheUse]);
        this.cacheEntries++;
        this.cacheBytes += bytes;
    }

    private cacheTouch(key: string): void {
        this.sql.run('UPDATE cache SET used = ? WHERE key = ?', [++this.cacheUse, key]);
    }

    private cacheDelete(key: string): void {
        const row = this.sql.get('SELECT bytes FROM cache WHERE key = ?', [key]);
        if (!row) return;
        this.sql.run('DELETE FROM cache WHERE key = ?', [key]);
        this.cacheEntries--;
        this.cacheBytes -= Number(row.bytes);
    }
}

function counterOf(status: TaskStatus): 'completed' | 'failed' | 'skipped' {
    return status === 'completed' ? 'completed' : status === 'skipped' ? 'skipped' : 'failed';
}

/** The size a cache entry counts for: its result as JSON, as the engine's memory cache counts it. */
export function byteLength(value: Json): number {
    return Buffer.byteLength(JSON.stringify(value) ?? 'null');
}
