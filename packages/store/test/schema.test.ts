import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { FlowStore } from '../src/index.js';
import { MIGRATIONS } from '../src/schema.js';
import { loadSqlJs } from '../src/sql.js';
import { DB_FILE } from '../src/store.js';
import { openStore, queryFile, stateDir } from './helpers.js';

/** A store.db as version 1 left it: one finished run with a checkpoint, one left running. */
async function writeVersion1(dir: string): Promise<void> {
    const SQL = await loadSqlJs();
    const db = new SQL.Database();
    db.exec(MIGRATIONS[0]);
    db.exec(`
        PRAGMA user_version = 1;
        INSERT INTO meta VALUES ('last_n', 0);
        INSERT INTO runs (run_id, workflow, record, status, started_at, finished_at, duration_ms, total_tasks, completed, last_seq, deltas)
            VALUES ('old', 'wf', '{"runId":"old","workflow":"wf","params":{},"startedAt":10}', 'completed', 10, 20, 10, 1, 1, 2, 1);
        INSERT INTO run_models VALUES ('old', '{"name":"wf","tasks":[{"id":"a"}]}', '["a"]');
        INSERT INTO runs (run_id, workflow, record, status, started_at, total_tasks)
            VALUES ('stuck', 'wf', '{"runId":"stuck","workflow":"wf","params":{},"startedAt":30}', 'running', 30, 0);
        INSERT INTO run_models VALUES ('stuck', '{"name":"wf","tasks":[]}', '[]');
        INSERT INTO tasks VALUES ('old', 'a', 'completed', '{"status":"completed","result":42,"attempts":1,"fromCache":false}');
        INSERT INTO events (run_id, seq, type, time, body) VALUES
            ('old', 1, 'task.completed', 15, '{"runId":"old","seq":1,"time":15,"type":"task.completed","task":"a","result":42,"attempts":1,"durationMs":5,"fromCache":false}'),
            ('old', 2, 'run.completed', 20, '{"runId":"old","seq":2,"time":20,"type":"run.completed","durationMs":10,"deliverables":[]}');
        INSERT INTO deltas VALUES ('old', 1, 1, 15, 'a');
        INSERT INTO delta_tasks (run_id, task_id, delta_id, state) VALUES ('old', 'a', 1, '{"status":"completed","result":42,"attempts":1,"fromCache":false}');
        INSERT INTO checkpoint_names VALUES ('old', 'done', 1, NULL, 15);
    `);
    writeFileSync(join(dir, DB_FILE), db.export());
    db.close();
}

describe('schema migrations', () => {
    test('a version-1 store opens in this version with its runs, checkpoints and events intact', async () => {
        const dir = stateDir();
        await writeVersion1(dir);
        const store = await openStore(dir, { retention: {} });
        expect(store.run('old')).toMatchObject({ status: 'completed', durationMs: 10, tasks: { total: 1, completed: 1 } });
        expect(store.stateAt('old', 'done').tasks.a).toMatchObject({ status: 'completed', result: 42 });
        expect(store.events('old').map(event => event.type)).toEqual(['task.completed', 'run.completed']);
        await store.flush();
        expect(await queryFile(join(dir, DB_FILE), 'PRAGMA user_version')).toEqual([[MIGRATIONS.length]]);
    });

    test('what version 2 added works on a migrated store: the results cache, and telling interrupted runs', async () => {
        const dir = stateDir();
        await writeVersion1(dir);
        const store = await openStore(dir, { retention: {} });
        await store.cache.set('k', 'v');
        expect((await store.cache.get('k'))?.value).toBe('v');
        // Version 1 did not record writers: a run it left running has no writer to wait for.
        expect(store.run('stuck')?.status).toBe('interrupted');
    });

    test('a database of a newer version is refused with what to do, and left as it is', async () => {
        const dir = stateDir();
        const SQL = await loadSqlJs();
        const db = new SQL.Database();
        db.exec('PRAGMA user_version = 99');
        writeFileSync(join(dir, DB_FILE), db.export());
        const file = join(dir, DB_FILE);
        await expect(FlowStore.open(dir, { lockWaitMs: 0 })).rejects.toThrow(
            `${file} has schema version 99, newer than this flowctl knows (${MIGRATIONS.length}): it was written by a newer flowctl. Use that flowctl, or another --state-dir.`);
        expect(await queryFile(file, 'PRAGMA user_version')).toEqual([[99]]);
    });
});
