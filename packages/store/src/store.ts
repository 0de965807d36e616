/**
 * FlowStore: the durable state of runs in one state directory.
 *
 *   store.db          the database as last exported (sql.js, written to store.db.tmp, then renamed)
 *   store.db.prev     the export before it, kept so that a damaged store.db can be rebuilt
 *   journal/*.log     every change since store.db.prev, one synced line each (journal.ts)
 *   store.lock        the writer's pid (lock.ts)
 *   inbox/*.json      checkpoints named by read-only stores, for the writer to take in
 *   logs/<run id>/    attempt logs, written by flowctl; removed with their run
 *
 * A change counts once its journal line is synced; the database in memory is then updated, and
 * exported in the background (every `exportIntervalMs`, on `flush` and on `close`). After each
 * export the journal starts a new segment, and the segments that store.db.prev covers go.
 * Opening loads store.db (else store.db.prev, else an empty database) and replays the journal
 * past the `n` the export recorded.
 */
import { mkdirSync, promises as fsp, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync, fsyncSync, openSync, closeSync, existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import type { FailureInfo, RunEvent } from '@flow/engine';
import { jsonEquals, type Json } from '@flow/model';
import type { SqlJsStatic, SqlValue } from 'sql.js';
import { computeAnalytics, type AnalyticsQuery, type AnalyticsReport } from './analytics.js';
import { StoreResultCache } from './cache.js';
import { StoreError } from './errors.js';
import { JournalWriter, listSegments, readSegment, syncDirectory, truncateSegment } from './journal.js';
import { acquireLock, isAlive, readLock, type LockInfo, type StoreLock } from './lock.js';
import type { JournalRecord, RecordOf } from './records.js';
import { migrate } from './schema.js';
import { loadSqlJs, Sql, type Row } from './sql.js';
import { Tables, UnknownRunError } from './tables.js';
import type {
    CheckpointInfo, RetentionOptions, RunRecord, RunState, RunStatusInStore, RunSummary, StoreOptions, TaskChange, TaskState
} from './types.js';

export const DB_FILE = 'store.db';
export const PREVIOUS_DB_FILE = 'store.db.prev';
export const JOURNAL_DIR = 'journal';
export const LOCK_FILE = 'store.lock';
export const INBOX_DIR = 'inbox';
export const LOGS_DIR = 'logs';

const DEFAULT_KEEP_RUNS = 200;

/** Run ids become folder names (logs/<id>): nothing that could climb out of the state directory. */
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/**
 * The bound every writer applies unless told otherwise: the newest `FLOW_KEEP_RUNS` runs
 * (default 200). Read here, so every writer of a state directory (flowctl, the editor) keeps
 * the same number of runs.
 */
function defaultRetention(): RetentionOptions {
    const text = process.env.FLOW_KEEP_RUNS;
    if (text === undefined || text.trim() === '') return { keepRuns: DEFAULT_KEEP_RUNS };
    const keepRuns = Number(text);
    if (!Number.isInteger(keepRuns) || keepRuns < 1) {
        throw new StoreError(`FLOW_KEEP_RUNS=${text}: give a whole number of at least 1 (how many runs the state directory keeps).`, 'invalid');
    }
    return { keepRuns };
}
const DEFAULT_EXPORT_INTERVAL_MS = 5000;
/** How often a writer looks for checkpoints in the inbox and whether an export is due. */
const TICK_MS = 1000;
/** A reader that finds the journal moved on under it (an export deleted segments) reloads. */
const READ_ATTEMPTS = 5;

type NewRecord = DistributiveOmit<JournalRecord, 'n'>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

interface Loaded {
    sql: Sql;
    tables: Tables;
    /** The `n` of the last record in the database as loaded, and of the last record replayed. */
    exportedN: number;
    lastN: number;
    closedSegments: Array<{ file: string; last: number }>;
}

export class FlowStore {
    /** The engine's ResultCache, persistent and shared by every run on the state directory. */
    readonly cache: StoreResultCache;
    private readonly journal: JournalWriter | undefined;
    private readonly clock: { now(): number };
    private readonly exportIntervalMs: number;
    private readonly retention: RetentionOptions;
    /** The `n` of the last record that store.db holds. */
    private exportedN: number;
    private lastExportAt = Date.now();
    private exporting: Promise<void> | undefined;
    private timer: ReturnType<typeof setInterval> | undefined;
    private vacuumDue = false;
    private closed = false;
    private readonly problems: string[] = [];

    private constructor(
        readonly stateDir: string,
        readonly readOnly: boolean,
        private readonly sql: Sql,
        private readonly tables: Tables,
        private readonly lock: StoreLock | undefined,
        /** For a read-only store: the writer holding the lock when it opened, if any. */
        private readonly liveWriter: LockInfo | undefined,
        loaded: Loaded,
        private readonly options: StoreOptions
    ) {
        this.clock = options.clock ?? { now: () => Date.now() };
        this.exportIntervalMs = options.exportIntervalMs ?? DEFAULT_EXPORT_INTERVAL_MS;
        this.retention = options.retention ?? defaultRetention();
        this.exportedN = loaded.exportedN;
        if (!readOnly) this.journal = new JournalWriter(join(stateDir, JOURNAL_DIR), loaded.lastN + 1, loaded.closedSegments);
        this.cache = new StoreResultCache(sql, tables, this.journal && ((record, sync) => this.write(record, sync)), this.clock, options.cache);
    }

    static async open(stateDir: string, options: StoreOptions = {}): Promise<FlowStore> {
        const dir = resolve(stateDir);
        const readOnly = options.readOnly ?? false;
        const problems: string[] = [];
        const warn = (message: string): void => {
            problems.push(message);
            options.onWarning?.(message);
        };
        const SQL = await loadSqlJs();
        if (readOnly) {
            const liveWriter = readLock(join(dir, LOCK_FILE));
            const loaded = loadForReading(SQL, dir, warn);
            const store = new FlowStore(dir, true, loaded.sql, loaded.tables, undefined,
                liveWriter && isAlive(liveWriter) ? liveWriter : undefined, loaded, options);
            store.problems.push(...problems);
            store.applyInbox(false);
            return store;
        }
        try {
            mkdirSync(join(dir, JOURNAL_DIR), { recursive: true });
        } catch (error) {
            throw new StoreError(`Cannot create the state directory ${dir} (${(error as Error).message}): ` +
                'choose a folder you can write with --state-dir or FLOW_STATE_DIR (flow.stateDirectory in the editor).', 'io', dir);
        }
        const lock = await acquireLock(join(dir, LOCK_FILE), options.lockWaitMs ?? 10_000, dir);
        try {
            const loaded = loadForWriting(SQL, dir, warn);
            const store = new FlowStore(dir, false, loaded.sql, loaded.tables, lock, undefined, loaded, options);
            store.problems.push(...problems);
            store.markInterrupted();
            store.applyInbox(true);
            store.applyRetention();
            store.startTimer();
            return store;
        } catch (error) {
            lock.release();
            throw error;
        }
    }

    /** What the store recovered from when it opened (also given to `onWarning`). */
    get warnings(): readonly string[] {
        return this.problems;
    }

    recordRun(run: RunRecord): void {
        this.assertWritable('record a run');
        if (typeof run.runId !== 'string' || !RUN_ID.test(run.runId) || run.runId.includes('..')) {
            throw new StoreError(`Run id ${JSON.stringify(run.runId)} cannot be recorded: use letters, digits, '_', '-' and '.' (a UUID, say).`, 'invalid');
        }
        if ((run as { dryRun?: boolean }).dryRun === true) throw new StoreError(`Run ${run.runId} is a dry run: dry runs are not stored.`, 'invalid');
        if (this.sql.get('SELECT 1 AS found FROM runs WHERE run_id = ?', [run.runId])) {
            throw new StoreError(`Run ${run.runId} is already recorded in ${this.stateDir}: give the new run an id of its own.`, 'invalid');
        }
        this.write({ k: 'run', run, writer: this.lock!.token });
    }

    append(event: RunEvent): void {
        this.assertWritable('append an event');
        const run = this.sql.get('SELECT last_seq FROM runs WHERE run_id = ?', [event.runId]);
        if (!run) throw new StoreError(`Event ${event.type} (seq ${event.seq}) is for run ${event.runId}, which is not recorded in ${this.stateDir}: record the run first.`, 'not_found');
        if (!(event.seq > Number(run.last_seq))) {
            throw new StoreError(`Event ${event.type} of run ${event.runId} has seq ${event.seq}, but the store already has seq ${run.last_seq}: ` +
                'events are appended once each, in order.', 'invalid');
        }
        this.write({ k: 'event', e: event });
    }

    /**
     * Names the run's latest delta (its start, 0, before any task finished). A read-only store
     * leaves the name in the inbox for the writer, so a running run can be checkpointed from
     * another process; it is visible to every store opened after.
     */
    checkpoint(runId: string, name: string, description?: string): CheckpointInfo {
        this.assertOpen();
        const id = this.resolveRunId(runId);
        if (name.trim() === '') throw new StoreError('A checkpoint needs a name that is not empty.', 'invalid');
        const existing = this.sql.get('SELECT delta_id FROM checkpoint_names WHERE run_id = ? AND name = ?', [id, name]);
        if (existing) {
            throw new StoreError(`Run ${id} already has a checkpoint named ${name} (checkpoint ${existing.delta_id}): choose another name.`, 'invalid');
        }
        const delta = Number(this.sql.get('SELECT deltas FROM runs WHERE run_id = ?', [id])!.deltas);
        const record: NewRecord = { k: 'checkpoint', runId: id, name, delta, time: this.clock.now(), ...(description !== undefined ? { description } : {}) };
        if (this.journal) {
            this.write(record);
        } else {
            writeInboxRequest(this.stateDir, record as RecordOf<'checkpoint'>);
            this.tables.apply({ n: 0, ...record } as JournalRecord, message => this.warn(message));
        }
        return this.checkpointInfo(id, delta, name);
    }

    runs(filter: { workflow?: string; status?: RunStatusInStore; limit?: number } = {}): RunSummary[] {
        this.assertOpen();
        const rows = filter.workflow === undefined
            ? this.sql.all(`${RUN_COLUMNS} ORDER BY started_at DESC, run_id DESC`)
            : this.sql.all(`${RUN_COLUMNS} WHERE workflow = ? ORDER BY started_at DESC, run_id DESC`, [filter.workflow]);
        const summaries = rows.map(row => this.summary(row)).filter(summary => filter.status === undefined || summary.status === filter.status);
        return filter.limit === undefined ? summaries : summaries.slice(0, filter.limit);
    }

    /** By id or a unique prefix of it (as git takes commits); undefined when no run matches. */
    run(runId: string): (RunSummary & { record: RunRecord }) | undefined {
        this.assertOpen();
        const id = this.findRunId(runId);
        if (id === undefined) return undefined;
        const row = this.sql.get(`${RUN_COLUMNS} WHERE run_id = ?`, [id])!;
        const model = this.sql.get('SELECT model FROM run_models WHERE run_id = ?', [id])?.model ?? null;
        const record = { ...JSON.parse(row.record as string), ...(model === null ? {} : { model: JSON.parse(model as string) }) } as RunRecord;
        return { ...this.summary(row), record };
    }

    /** One entry per delta, in order; a named delta carries its name (one entry per name). */
    checkpoints(runId: string): CheckpointInfo[] {
        this.assertOpen();
        const id = this.resolveRunId(runId);
        const atStart = this.sql.all('SELECT name, description FROM checkpoint_names WHERE run_id = ? AND delta_id = 0 ORDER BY time, name', [id])
            .map(row => this.checkpointInfo(id, 0, row.name as string));
        const rows = this.sql.all(
            `SELECT d.id, d.seq, d.time, d.task, c.name, c.description FROM deltas d
             LEFT JOIN checkpoint_names c ON c.run_id = d.run_id AND c.delta_id = d.id
             WHERE d.run_id = ? ORDER BY d.id, c.time, c.name`, [id]);
        return [...atStart, ...rows.map(row => deltaInfo(id, row))];
    }

    /**
     * The state at a checkpoint, by name or id (a string of digits that is not a name is an id);
     * without one, the state after the run's last event, with `at` its latest checkpoint.
     */
    stateAt(runId: string, checkpoint?: string | number): RunState {
        this.assertOpen();
        const id = this.resolveRunId(runId);
        const tasks = this.pendingTasks(id);
        let at: CheckpointInfo | undefined;
        if (checkpoint === undefined) {
            this.overlay(tasks, this.sql.rows('SELECT task_id, state FROM tasks WHERE run_id = ?', [id]));
            const latest = Number(this.sql.get('SELECT deltas FROM runs WHERE run_id = ?', [id])!.deltas);
            at = latest > 0 ? this.checkpointInfo(id, latest) : undefined;
        } else {
            const delta = this.resolveCheckpoint(id, checkpoint);
            // SQLite takes the bare columns from the row of max(): each task's last change at or before the delta.
            this.overlay(tasks, this.sql.rows('SELECT task_id, state, max(delta_id) FROM delta_tasks WHERE run_id = ? AND delta_id <= ? GROUP BY task_id', [id, delta]));
            at = this.checkpointInfo(id, delta, typeof checkpoint === 'string' && !/^\d+$/.test(checkpoint) ? checkpoint : undefined);
        }
        return { runId: id, at, tasks };
    }

    /** The tasks whose state differs between two checkpoints, in the run's task order. */
    diff(runId: string, from: string | number, to: string | number): TaskChange[] {
        this.assertOpen();
        const id = this.resolveRunId(runId);
        const fromDelta = this.resolveCheckpoint(id, from);
        const toDelta = this.resolveCheckpoint(id, to);
        // Only a task in a delta between the two can differ: read just those, at both ends.
        const statesAt = (delta: number): Map<string, TaskState> => new Map(this.sql.rows(
            `SELECT d.task_id, d.state, max(d.delta_id) FROM
                (SELECT DISTINCT task_id FROM delta_tasks WHERE run_id = ?1 AND delta_id > ?2 AND delta_id <= ?3) c
             CROSS JOIN delta_tasks d ON d.run_id = ?1 AND d.task_id = c.task_id AND d.delta_id <= ?4
             GROUP BY d.task_id`,
            [id, Math.min(fromDelta, toDelta), Math.max(fromDelta, toDelta), delta]
        ).map(([task, state]) => [task as string, { id: task as string, ...JSON.parse(state as string) } as TaskState]));
        const before = statesAt(fromDelta);
        const after = statesAt(toDelta);
        const declared = this.pendingTasks(id);
        const changed = new Set([...before.keys(), ...after.keys()]);
        const changes: TaskChange[] = [];
        for (const task of [...Object.keys(declared).filter(task => changed.has(task)), ...[...changed].filter(task => !(task in declared))]) {
            const a = before.get(task) ?? declared[task];
            const b = after.get(task) ?? declared[task];
            if (a && b && jsonEquals(a as unknown as Json, b as unknown as Json)) continue;
            changes.push({ task, ...(a ? { before: a } : {}), ...(b ? { after: b } : {}) });
        }
        return changes;
    }

    /** The run's events after `afterSeq`, exactly as they were appended. */
    events(runId: string, afterSeq = 0): RunEvent[] {
        this.assertOpen();
        const id = this.resolveRunId(runId);
        return this.sql.column('SELECT body FROM events WHERE run_id = ? AND seq > ? ORDER BY seq', [id, afterSeq])
            .map(body => JSON.parse(body as string) as RunEvent);
    }

    /** Each attempt of a task (of a batch: of each item), in order. */
    attempts(runId: string, task: string): Array<{
        attempt: number; item?: number; agent?: string; runner?: string; startedAt: number; finishedAt?: number; ok?: boolean;
        error?: FailureInfo; logFile?: string;
        /** What the attempt's processes used, when its runner measured it. */
        cpuMs?: number; wallMs?: number;
    }> {
        this.assertOpen();
        const id = this.resolveRunId(runId);
        return this.sql.all('SELECT * FROM attempts WHERE run_id = ? AND task_id = ? ORDER BY item, attempt', [id, task]).map(row => ({
            attempt: Number(row.attempt),
            ...(Number(row.item) >= 0 ? { item: Number(row.item) } : {}),
            ...(row.agent !== null ? { agent: row.agent as string } : {}),
            ...(row.runner !== null ? { runner: row.runner as string } : {}),
            startedAt: Number(row.started_at),
            ...(row.finished_at !== null ? { finishedAt: Number(row.finished_at) } : {}),
            ...(row.ok !== null ? { ok: row.ok === 1 } : {}),
            ...(row.error !== null ? { error: JSON.parse(row.error as string) } : {}),
            ...(row.log_file !== null ? { logFile: row.log_file as string } : {}),
            ...(row.cpu_ms !== null ? { cpuMs: Number(row.cpu_ms), wallMs: Number(row.wall_ms) } : {})
        }));
    }

    /** Analytics of the runs that started in a timeframe, computed with SQL on the database as it is now (analytics.ts). */
    analytics(query: AnalyticsQuery = {}): AnalyticsReport {
        this.assertOpen();
        return computeAnalytics(this.sql.db, query, this.clock.now(), this.readOnly ? this.liveWriter?.token ?? null : undefined);
    }

    /**
     * Removes finished runs (with their events, checkpoints and logs/<run id>/): those beyond the
     * `keepRuns` most recently started, and those started more than `olderThanMs` ago. Running
     * runs are never removed. Also drops expired cache entries.
     */
    gc(options: RetentionOptions): { removedRuns: string[] } {
        this.assertWritable('remove runs');
        for (const [option, value] of Object.entries(options)) {
            if (value !== undefined && !(typeof value === 'number' && value >= 0)) {
                throw new StoreError(`gc: ${option} ${value} is not a number of at least 0.`, 'invalid');
            }
        }
        const removedRuns = this.removableRuns(options);
        if (removedRuns.length > 0) {
            this.write({ k: 'gc', runs: removedRuns });
            for (const runId of removedRuns) this.removeLogs(runId);
            this.vacuumDue = true;
        }
        const expired = this.cache.expiredKeys();
        if (expired.length > 0) this.write({ k: 'cache.delete', keys: expired });
        return { removedRuns };
    }

    /**
     * A removed run's attempt logs. The id comes from the database, which a repository may ship:
     * only a folder directly inside logs/ is ever removed.
     */
    private removeLogs(runId: string): void {
        const logs = resolve(this.stateDir, LOGS_DIR);
        const folder = resolve(logs, runId);
        if (!RUN_ID.test(runId) || dirname(folder) !== logs) {
            this.warn(`kept the logs of run ${JSON.stringify(runId)}: its id is not a folder name inside ${logs}`);
            return;
        }
        rmSync(folder, { recursive: true, force: true });
    }

    /** Exports the database now (a read-only store has nothing to export). */
    async flush(): Promise<void> {
        if (!this.journal || this.closed) return;
        while (this.exporting) await this.exporting;
        if (this.journal.lastWritten === this.exportedN && !this.vacuumDue) return;
        this.exporting = this.export().finally(() => {
            this.exporting = undefined;
        });
        await this.exporting;
    }

    /** A final export, then the lock is released. */
    async close(): Promise<void> {
        if (this.closed) return;
        if (this.timer) clearInterval(this.timer);
        try {
            if (this.journal) {
                this.applyInbox(true);
                await this.flush();
                this.journal.close();
            }
        } finally {
            this.closed = true;
            this.sql.close();
            this.lock?.release();
        }
    }

    // ---- writing

    private write(record: NewRecord, sync = true): void {
        const written = this.journal!.append(record, sync) as JournalRecord;
        this.tables.apply(written, message => this.warn(message));
    }

    private assertOpen(): void {
        if (this.closed) throw new StoreError(`The store of ${this.stateDir} is closed.`, 'closed');
    }

    private assertWritable(what: string): void {
        this.assertOpen();
        if (!this.journal) throw new StoreError(`The store of ${this.stateDir} was opened read-only: it cannot ${what}.`, 'read_only');
    }

    private warn(message: string): void {
        this.problems.push(message);
        this.options.onWarning?.(message);
    }

    /** Every run still `running` when a writer opens was left so by a writer that is gone. */
    private markInterrupted(): void {
        for (const row of this.sql.all("SELECT run_id, writer FROM runs WHERE status = 'running'")) {
            const pid = typeof row.writer === 'string' ? row.writer.split('-')[0] : undefined;
            this.write({
                k: 'interrupted', runId: row.run_id as string, time: this.clock.now(),
                reason: `the flowctl or editor window running it${pid ? ` (pid ${pid})` : ''} stopped before the run ended`
            });
        }
    }

    /** Takes in (writer) or shows (reader) the checkpoints that read-only stores named. */
    private applyInbox(take: boolean): void {
        for (const { file, record } of readInbox(this.stateDir)) {
            if (!record) {
                if (take) {
                    this.warn(`${file} is not a checkpoint request; it was removed.`);
                    unlinkSync(file);
                }
                continue;
            }
            const known = this.sql.get('SELECT 1 AS found FROM runs WHERE run_id = ?', [record.runId]);
            const named = this.sql.get('SELECT delta_id FROM checkpoint_names WHERE run_id = ? AND name = ?', [record.runId, record.name]);
            if (known && !named) {
                if (take) this.write(record);
                else this.tables.apply({ ...record, n: 0 }, () => undefined);
            } else if (take && known && Number(named!.delta_id) !== record.delta) {
                this.warn(`Checkpoint ${record.name} of run ${record.runId} asked for by ${file} was not named: the run already has a checkpoint of that name.`);
            }
            if (take) unlinkSync(file);
        }
    }

    private applyRetention(): void {
        if (this.removableRuns(this.retention).length > 0) this.gc(this.retention);
    }

    private removableRuns({ keepRuns, olderThanMs }: RetentionOptions): string[] {
        const cutoff = olderThanMs === undefined ? -Infinity : this.clock.now() - olderThanMs;
        return this.sql.all('SELECT run_id, status, started_at FROM runs ORDER BY started_at DESC, run_id DESC')
            .filter((row, index) => row.status !== 'running' &&
                ((keepRuns !== undefined && index >= keepRuns) || Number(row.started_at) < cutoff))
            .map(row => row.run_id as string);
    }

    private startTimer(): void {
        if (this.exportIntervalMs <= 0) return;
        this.timer = setInterval(() => {
            try {
                this.applyInbox(true);
            } catch (error) {
                this.warn(`Could not take in the checkpoints in ${join(this.stateDir, INBOX_DIR)}: ${(error as Error).message}`);
            }
            if (this.exporting || Date.now() - this.lastExportAt < this.exportIntervalMs) return;
            this.flush().catch(error => this.warn(`Could not export the database to ${join(this.stateDir, DB_FILE)}: ${(error as Error).message}`));
        }, Math.min(TICK_MS, this.exportIntervalMs));
        this.timer.unref();
    }

    /**
     * Everything up to here into store.db: the journal starts a new segment, the database is
     * exported (synchronously: sql.js has no other way), then written, synced and renamed over
     * store.db while new events go on into the new segment.
     */
    private async export(): Promise<void> {
        const journal = this.journal!;
        this.applyRetention();
        journal.sync();
        const upTo = journal.lastWritten;
        journal.rotate();
        this.sql.run("INSERT OR REPLACE INTO meta (key, value) VALUES ('last_n', ?)", [upTo]);
        if (this.vacuumDue || this.mostlyFree()) this.sql.db.exec('VACUUM');
        this.vacuumDue = false;
        const bytes = this.sql.db.export();
        this.lastExportAt = Date.now();
        const file = join(this.stateDir, DB_FILE);
        const temporary = join(this.stateDir, `${DB_FILE}.tmp`);
        const handle = await fsp.open(temporary, 'w');
        try {
            await handle.writeFile(bytes);
            await handle.sync();
        } finally {
            await handle.close();
        }
        if (existsSync(file)) renameSync(file, join(this.stateDir, PREVIOUS_DB_FILE));
        renameSync(temporary, file);
        syncDirectory(this.stateDir);
        // What store.db held is now store.db.prev: the journal must keep what comes after it.
        journal.deleteCoveredBy(this.exportedN);
        this.exportedN = upTo;
    }

    /** More than a quarter of the database's pages free (after runs were removed): worth a VACUUM. */
    private mostlyFree(): boolean {
        const [[free]] = this.sql.db.exec('PRAGMA freelist_count')[0].values;
        const [[pages]] = this.sql.db.exec('PRAGMA page_count')[0].values;
        return Number(pages) > 256 && Number(free) * 4 > Number(pages);
    }

    // ---- reading

    private summary(row: Row): RunSummary {
        const record = JSON.parse(row.record as string) as Omit<RunRecord, 'model'>;
        let status = row.status as RunStatusInStore;
        let reason = row.reason === null ? undefined : row.reason as string;
        // A reader sees a run as running only while the writer that records it holds the lock.
        if (status === 'running' && this.readOnly && (this.liveWriter === undefined || this.liveWriter.token !== row.writer)) {
            status = 'interrupted';
            reason = 'the flowctl or editor window running it stopped before the run ended';
        }
        return {
            runId: row.run_id as string,
            workflow: row.workflow as string,
            status,
            startedAt: Number(row.started_at),
            ...(row.finished_at !== null ? { finishedAt: Number(row.finished_at) } : {}),
            ...(row.duration_ms !== null ? { durationMs: Number(row.duration_ms) } : {}),
            ...(reason !== undefined ? { reason } : {}),
            tasks: { total: Number(row.total_tasks), completed: Number(row.completed), failed: Number(row.failed), skipped: Number(row.skipped) },
            ...(record.parent ? { parent: record.parent } : {}),
            ...(record.scope !== undefined ? { scope: record.scope } : {})
        };
    }

    /** Every task of the run's model, pending, in declaration order. */
    private pendingTasks(runId: string): Record<string, TaskState> {
        const tasks: Record<string, TaskState> = Object.create(null) as Record<string, TaskState>;
        const taskIds = this.sql.get('SELECT task_ids FROM run_models WHERE run_id = ?', [runId])?.task_ids;
        for (const taskId of JSON.parse((taskIds ?? '[]') as string) as string[]) tasks[taskId] = { id: taskId, status: 'pending', attempts: 0, fromCache: false };
        return tasks;
    }

    /** Sets each task of `rows` (task id, state JSON) in `tasks`. */
    private overlay(tasks: Record<string, TaskState>, rows: SqlValue[][]): void {
        for (const [task, state] of rows) tasks[task as string] = { id: task as string, ...JSON.parse(state as string) };
    }

    private findRunId(ref: string): string | undefined {
        if (this.sql.get('SELECT 1 AS found FROM runs WHERE run_id = ?', [ref])) return ref;
        if (ref === '') return undefined;
        const matches = this.sql.column('SELECT run_id FROM runs WHERE run_id > ? AND run_id < ? ORDER BY run_id LIMIT 6', [ref, `${ref}\u{10ffff}`]) as string[];
        if (matches.length > 1) {
            throw new StoreError(`Run id ${ref} is ambiguous: it starts ${matches.slice(0, 5).join(', ')}${matches.length > 5 ? ', ...' : ''}. Give more of the id.`, 'ambiguous');
        }
        return matches[0];
    }

    private resolveRunId(ref: string): string {
        const id = this.findRunId(ref);
        if (id === undefined) throw new StoreError(`There is no run ${ref} in ${this.stateDir}: \`flowctl runs\` lists the runs there.`, 'not_found');
        return id;
    }

    /** A checkpoint reference to a delta id: a name, else an id (a number or a string of digits). */
    private resolveCheckpoint(runId: string, ref: string | number): number {
        if (typeof ref === 'string') {
            const named = this.sql.get('SELECT delta_id FROM checkpoint_names WHERE run_id = ? AND name = ?', [runId, ref]);
            if (named) return Number(named.delta_id);
            if (!/^\d+$/.test(ref)) {
                const names = this.sql.column('SELECT name FROM checkpoint_names WHERE run_id = ? ORDER BY delta_id, name', [runId]) as string[];
                throw new StoreError(`Run ${runId} has no checkpoint named ${ref}` +
                    (names.length > 0 ? ` (its named checkpoints: ${names.join(', ')})` : ' (it has no named checkpoints)') +
                    `: give a name or a number from \`flowctl checkpoints ${runId}\`.`, 'not_found');
            }
        }
        const delta = Number(ref);
        const count = Number(this.sql.get('SELECT deltas FROM runs WHERE run_id = ?', [runId])!.deltas);
        if (!Number.isInteger(delta) || delta < 0 || delta > count) {
            throw new StoreError(`Run ${runId} has no checkpoint ${ref}: its checkpoints are ` +
                (count > 0 ? `1 to ${count} (0 is its start)` : '0 only (its start): no task has finished yet') + '.', 'not_found');
        }
        return delta;
    }

    private checkpointInfo(runId: string, delta: number, name?: string): CheckpointInfo {
        if (delta === 0) {
            const row = name === undefined ? undefined : this.sql.get('SELECT name, description, time FROM checkpoint_names WHERE run_id = ? AND name = ?', [runId, name]);
            const startedAt = Number(this.sql.get('SELECT started_at FROM runs WHERE run_id = ?', [runId])!.started_at);
            return {
                id: 0, runId, time: row ? Number(row.time) : startedAt, seq: 0,
                ...(row ? { name: row.name as string } : {}),
                ...(row && row.description !== null ? { description: row.description as string } : {})
            };
        }
        const row = this.sql.get(
            `SELECT d.id, d.seq, d.time, d.task, c.name, c.description FROM deltas d
             LEFT JOIN checkpoint_names c ON c.run_id = d.run_id AND c.delta_id = d.id ${name === undefined ? '' : 'AND c.name = ?'}
             WHERE d.run_id = ? AND d.id = ? ORDER BY c.time LIMIT 1`,
            name === undefined ? [runId, delta] : [name, runId, delta]);
        return deltaInfo(runId, row!);
    }
}

const RUN_COLUMNS = `SELECT run_id, workflow, record, status, started_at, finished_at, duration_ms, reason,
    total_tasks, completed, failed, skipped, writer FROM runs`;

function deltaInfo(runId: string, row: Row): CheckpointInfo {
    return {
        id: Number(row.id), runId,
        ...(row.name !== null && row.name !== undefined ? { name: row.name as string } : {}),
        ...(row.description !== null && row.description !== undefined ? { description: row.description as string } : {}),
        ...(row.task !== null ? { task: row.task as string } : {}),
        time: Number(row.time), seq: Number(row.seq)
    };
}

// ---- opening

/**
 * The newest readable export (store.db, else store.db.prev, else an empty database). A writer
 * moves a damaged file aside, so the next export does not overwrite what someone may want to
 * look at.
 */
function loadDatabase(SQL: SqlJsStatic, stateDir: string, writer: boolean, warn: (message: string) => void): { sql: Sql; exportedN: number } {
    const damaged: string[] = [];
    for (const name of [DB_FILE, PREVIOUS_DB_FILE]) {
        const file = join(stateDir, name);
        let bytes: Buffer;
        try {
            bytes = readFileSync(file);
        } catch (error) {
            if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
            throw new StoreError(`Cannot read ${file}: ${(error as Error).message}.`, 'io', file);
        }
        let sql: Sql | undefined;
        try {
            sql = new Sql(new SQL.Database(bytes));
            migrate(sql.db, file);
            const exportedN = Number(sql.get("SELECT value FROM meta WHERE key = 'last_n'")?.value ?? 0);
            reportDamaged(damaged, `${file} and the journal`, warn);
            return { sql, exportedN };
        } catch (error) {
            sql?.close();
            if (error instanceof StoreError) throw error;
            let note = '';
            if (writer) {
                const aside = `${file}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
                renameSync(file, aside);
                note = `; it was moved to ${aside}`;
            }
            damaged.push(`${file} is not a readable database (${(error as Error).message})${note}`);
        }
    }
    const sql = new Sql(new SQL.Database());
    migrate(sql.db, join(stateDir, DB_FILE));
    reportDamaged(damaged, 'the journal', warn);
    return { sql, exportedN: 0 };
}

function reportDamaged(damaged: string[], source: string, warn: (message: string) => void): void {
    if (damaged.length > 0) warn(`${damaged.join('; ')}. The state was rebuilt from ${source}.`);
}

function loadForWriting(SQL: SqlJsStatic, stateDir: string, warn: (message: string) => void): Loaded {
    const { sql, exportedN } = loadDatabase(SQL, stateDir, true, warn);
    const tables = new Tables(sql);
    const replayed = replay(stateDir, tables, exportedN, true, warn);
    if (replayed.gap) {
        warn(`The journal in ${join(stateDir, JOURNAL_DIR)} lacks records ${replayed.gap.from} to ${replayed.gap.to} ` +
            '(deleted or damaged): runs recorded in them may miss events.');
    }
    return { sql, tables, exportedN, lastN: replayed.lastN, closedSegments: replayed.segments };
}

/**
 * A reader takes no lock, so the writer may export and delete journal segments while it reads:
 * a journal that no longer follows on from the export it loaded means a newer export exists.
 */
function loadForReading(SQL: SqlJsStatic, stateDir: string, warn: (message: string) => void): Loaded {
    for (let attempt = 1; ; attempt++) {
        const problems: string[] = [];
        const { sql, exportedN } = loadDatabase(SQL, stateDir, false, message => problems.push(message));
        const tables = new Tables(sql);
        const replayed = replay(stateDir, tables, exportedN, false, message => problems.push(message));
        if (!replayed.gap || attempt === READ_ATTEMPTS) {
            for (const problem of problems) warn(problem);
            if (replayed.gap) {
                warn(`The journal in ${join(stateDir, JOURNAL_DIR)} lacks records ${replayed.gap.from} to ${replayed.gap.to}: the state shown may miss events.`);
            }
            return { sql, tables, exportedN, lastN: replayed.lastN, closedSegments: [] };
        }
        sql.close();
    }
}

/** Applies the journal's records after `afterN`. A writer also cuts off a torn last line. */
function replay(stateDir: string, tables: Tables, afterN: number, writer: boolean, warn: (message: string) => void): {
    lastN: number; segments: Array<{ file: string; last: number }>; gap?: { from: number; to: number };
} {
    let next = afterN + 1;
    let gap: { from: number; to: number } | undefined;
    let damaged = false;
    const unknownRuns = new Set<string>();
    const segments: Array<{ file: string; last: number }> = [];
    for (const segment of listSegments(join(stateDir, JOURNAL_DIR))) {
        let contents;
        try {
            contents = readSegment(segment.file);
        } catch (error) {
            // Deleted by the writer since it was listed: covered by a newer export.
            if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
            throw error;
        }
        if (contents.validBytes < contents.totalBytes && writer) {
            truncateSegment(segment.file, contents.validBytes);
            warn(`${segment.file}: dropped an incomplete last record (${contents.totalBytes - contents.validBytes} bytes) ` +
                'left by a process that stopped while writing it; it had not been acknowledged.');
        }
        for (const line of contents.badLines) warn(`${segment.file}:${line}: skipped a damaged journal record (its checksum does not match).`);
        damaged ||= contents.badLines.length > 0;
        for (const record of contents.records) {
            if (record.n < next) continue;
            if (record.n > next && !gap) gap = { from: next, to: record.n - 1 };
            next = record.n + 1;
            try {
                tables.apply(record, warn);
            } catch (error) {
                if (error instanceof UnknownRunError) {
                    if (!unknownRuns.has(error.runId)) warn(`${segment.file}: skipped records of run ${error.runId}, whose start is not in the store.`);
                    unknownRuns.add(error.runId);
                } else {
                    warn(`${segment.file}: could not apply journal record ${record.n} (${(error as Error).message}); it was skipped.`);
                }
            }
        }
        segments.push({ file: segment.file, last: contents.records.at(-1)?.n ?? segment.first - 1 });
    }
    // Damaged lines leave gaps of their own, already reported with their place.
    return { lastN: next - 1, segments, ...(gap && !damaged ? { gap } : {}) };
}

// ---- the inbox

function writeInboxRequest(stateDir: string, record: RecordOf<'checkpoint'>): void {
    const dir = join(stateDir, INBOX_DIR);
    mkdirSync(dir, { recursive: true });
    const name = `checkpoint-${Date.now()}-${process.pid}-${randomBytes(4).toString('hex')}.json`;
    const temporary = join(dir, `.${name}.tmp`);
    writeFileSync(temporary, JSON.stringify(record));
    const fd = openSync(temporary, 'r');
    try {
        fsyncSync(fd);
    } finally {
        closeSync(fd);
    }
    renameSync(temporary, join(dir, name));
    syncDirectory(dir);
}

function readInbox(stateDir: string): Array<{ file: string; record: RecordOf<'checkpoint'> | undefined }> {
    const dir = join(stateDir, INBOX_DIR);
    let names: string[];
    try {
        names = readdirSync(dir).filter(name => name.endsWith('.json') && !name.startsWith('.')).sort();
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw error;
    }
    return names.flatMap(name => {
        const file = join(dir, name);
        try {
            const record = JSON.parse(readFileSync(file, 'utf8')) as RecordOf<'checkpoint'>;
            const valid = record.k === 'checkpoint' && typeof record.runId === 'string' && typeof record.name === 'string' && typeof record.delta === 'number';
            return [{ file, record: valid ? record : undefined }];
        } catch (error) {
            // Taken in by the writer since it was listed.
            if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
            return [{ file, record: undefined }];
        }
    });
}

