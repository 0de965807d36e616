/**
 * The database's schema, versioned in SQLite's `user_version`. A fresh database runs every
 * migration from 0; an older one runs those after its version. Migrations only ever add: a
 * store written by an older flowctl opens in a newer one, never the other way round.
 */
import type { Database } from 'sql.js';
import { StoreError } from './errors.js';

/** Each entry upgrades the schema from its index to its index + 1. */
export const MIGRATIONS: readonly string[] = [
    // 0 → 1: runs, their tasks and attempts, every event, checkpoints as deltas.
    `
    CREATE TABLE meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
    -- Small rows: a run's row is updated with every event.
    CREATE TABLE runs (
        run_id TEXT PRIMARY KEY,
        workflow TEXT NOT NULL,
        -- The RunRecord without its model.
        record TEXT NOT NULL,
        status TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        finished_at INTEGER,
        duration_ms INTEGER,
        reason TEXT,
        total_tasks INTEGER NOT NULL,
        completed INTEGER NOT NULL DEFAULT 0,
        failed INTEGER NOT NULL DEFAULT 0,
        skipped INTEGER NOT NULL DEFAULT 0,
        last_seq INTEGER NOT NULL DEFAULT 0,
        deltas INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX runs_by_start ON runs (started_at);
    CREATE TABLE run_models (
        run_id TEXT PRIMARY KEY,
        model TEXT,
        -- The model's task ids in declaration order (JSON), so states need not parse the model.
        task_ids TEXT NOT NULL
    );
    -- Each task's latest state.
    CREATE TABLE tasks (
        run_id TEXT NOT NULL,
        task_id TEXT NOT NULL,
        status TEXT NOT NULL,
        state TEXT NOT NULL,
        PRIMARY KEY (run_id, task_id)
    );
    -- The tasks changed since their run's last delta: what the next delta holds.
    CREATE TABLE changed_tasks (
        run_id TEXT NOT NULL,
        task_id TEXT NOT NULL,
        PRIMARY KEY (run_id, task_id)
    ) WITHOUT ROWID;
    CREATE TABLE attempts (
        run_id TEXT NOT NULL,
        task_id TEXT NOT NULL,
        -- -1 for a task that is not a batch.
        item INTEGER NOT NULL,
        attempt INTEGER NOT NULL,
        agent TEXT,
        runner TEXT,
        started_at INTEGER NOT NULL,
        finished_at INTEGER,
        ok INTEGER,
        error TEXT,
        log_file TEXT,
        PRIMARY KEY (run_id, task_id, item, attempt)
    ) WITHOUT ROWID;
    CREATE TABLE events (
        run_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        type TEXT NOT NULL,
        time INTEGER NOT NULL,
        body TEXT NOT NULL,
        UNIQUE (run_id, seq)
    );
    -- One delta per finished task: the states of the tasks that changed since the one before.
    CREATE TABLE deltas (
        run_id TEXT NOT NULL,
        id INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        time INTEGER NOT NULL,
        task TEXT,
        PRIMARY KEY (run_id, id)
    ) WITHOUT ROWID;
    CREATE TABLE delta_tasks (
        run_id TEXT NOT NULL,
        task_id TEXT NOT NULL,
        delta_id INTEGER NOT NULL,
        state TEXT NOT NULL,
        UNIQUE (run_id, task_id, delta_id)
    );
    CREATE TABLE checkpoint_names (
        run_id TEXT NOT NULL,
        name TEXT NOT NULL,
        delta_id INTEGER NOT NULL,
        description TEXT,
        time INTEGER NOT NULL,
        PRIMARY KEY (run_id, name)
    ) WITHOUT ROWID;
    `,
    // 1 → 2: the persistent results cache, and the writer of each run, to tell interrupted runs.
    // Runs of a version-1 store have no writer: any of them still 'running' was interrupted.
    `
    CREATE TABLE cache (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        stored_at INTEGER NOT NULL,
        expires_at INTEGER,
        bytes INTEGER NOT NULL,
        -- Order of last use (a counter, not a time: equal clock readings must not tie).
        used INTEGER NOT NULL
    );
    CREATE INDEX cache_by_use ON cache (used);
    ALTER TABLE runs ADD COLUMN writer TEXT;
    `,
    // 2 → 3: what each attempt's processes used, from the \`usage\` of the event that ended it
    // (NULL where the runner measured nothing, and for attempts recorded before).
    `
    ALTER TABLE attempts ADD COLUMN cpu_ms INTEGER;
    ALTER TABLE attempts ADD COLUMN wall_ms INTEGER;
    `
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function schemaVersion(db: Database): number {
    return Number(db.exec('PRAGMA user_version')[0].values[0][0]);
}

/** Brings the database to SCHEMA_VERSION, in one transaction. */
export function migrate(db: Database, file: string): void {
    const version = schemaVersion(db);
    if (version > SCHEMA_VERSION) {
        throw new StoreError(`${file} has schema version ${version}, newer than this flowctl knows (${SCHEMA_VERSION}): ` +
            'it was written by a newer flowctl. Use that flowctl, or another --state-dir.', 'schema', file);
    }
    if (version === SCHEMA_VERSION) return;
    db.run('BEGIN');
    try {
        for (let next = version; next < SCHEMA_VERSION; next++) db.exec(MIGRATIONS[next]);
        db.run(`PRAGMA user_version = ${SCHEMA_VERSION}`);
        db.run('COMMIT');
    } catch (error) {
        db.run('ROLLBACK');
        throw error;
    }
}
