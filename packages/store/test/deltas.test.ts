import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { DB_FILE, INBOX_DIR } from '../src/store.js';
import { RunEvents, openStore, queryFile, runRecord, stateDir } from './helpers.js';

/** A wide run: every task becomes ready at once, then each starts and completes in turn. */
async function checkpointStorage(tasks: number): Promise<{ rows: number; bytes: number }> {
    const dir = stateDir();
    const store = await openStore(dir);
    const ids = Array.from({ length: tasks }, (_, index) => `task${index}`);
    store.recordRun(runRecord('r', ids));
    const run = new RunEvents('r');
    for (const id of ids) store.append(run.ready(id));
    for (const id of ids) {
        store.append(run.taskStarted(id));
        store.append(run.completed(id, { id }));
    }
    await store.close();
    const [[rows, bytes]] = await queryFile(join(dir, DB_FILE), 'SELECT count(*), sum(length(state)) FROM delta_tasks');
    return { rows: rows as number, bytes: bytes as number };
}

describe('checkpoints as deltas', () => {
    test('a 1,000-task run stores each task\'s changes once per checkpoint it changed in: O(tasks), not O(tasks²)', async () => {
        // The first checkpoint holds the 1,000 ready tasks (and the first one done); each later
        // one holds only the task that finished. Whole copies would be 1,000 × 1,001 / 2 rows.
        expect((await checkpointStorage(1_000)).rows).toBe(1_999);
    });

    test('twice the tasks, twice the bytes', async () => {
        const small = await checkpointStorage(250);
        const large = await checkpointStorage(500);
        expect(large.bytes / small.bytes).toBeGreaterThan(1.9);
        expect(large.bytes / small.bytes).toBeLessThan(2.1);
    });

    test('folding the deltas gives the same state as the events did', async () => {
        const store = await openStore(stateDir());
        const run = new RunEvents('r');
        store.recordRun(runRecord('r', ['a', 'b', 'c']));
        for (const event of [run.ready('a'), run.ready('b'), run.taskStarted('a'), run.taskStarted('b'), run.completed('b', 2), run.failed('a'), run.skipped('c', 'upstream_failed')]) {
            store.append(event);
        }
        expect(store.stateAt('r', 3).tasks).toEqual(store.stateAt('r').tasks);
    });
});

describe('checkpoints named from another process', () => {
    test('a read-only store names a checkpoint of a running run; the writer takes it in', async () => {
        const dir = stateDir();
        const writer = await openStore(dir);
        const run = new RunEvents('r');
        writer.recordRun(runRecord('r', ['a', 'b']));
        writer.append(run.completed('a', 1));

        const reader = await openStore(dir, { readOnly: true });
        expect(reader.checkpoint('r', 'halfway', 'a is done')).toMatchObject({ id: 1, name: 'halfway', description: 'a is done' });
        expect((await openStore(dir, { readOnly: true })).stateAt('r', 'halfway').at?.id).toBe(1);

        writer.append(run.completed('b', 2));
        await writer.close();
        expect(readdirSync(join(dir, INBOX_DIR))).toEqual([]);
        const reopened = await openStore(dir);
        expect(reopened.checkpoints('r').map(({ id, name }) => ({ id, name }))).toEqual([{ id: 1, name: 'halfway' }, { id: 2 }]);
    });

    test('a name the run already has is refused by the reader too', async () => {
        const dir = stateDir();
        const writer = await openStore(dir);
        writer.recordRun(runRecord('r', ['a']));
        writer.append(new RunEvents('r').completed('a', 1));
        writer.checkpoint('r', 'x');
        const reader = await openStore(dir, { readOnly: true });
        expect(() => reader.checkpoint('r', 'x')).toThrow(/already has a checkpoint named x/);
    });
});
