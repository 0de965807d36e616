import { cpSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { listSegments } from '../src/journal.js';
import { DB_FILE, JOURNAL_DIR, LOCK_FILE, PREVIOUS_DB_FILE } from '../src/store.js';
import { RunEvents, openStore, queryFile, runRecord, stateDir, writeRun } from './helpers.js';

/** The state directory as a killed writer leaves it: everything but its (live) lock. */
function copyAsCrashed(from: string): string {
    const to = stateDir();
    cpSync(from, to, { recursive: true, filter: source => !source.endsWith(LOCK_FILE) });
    return to;
}

/** Where each complete line of a segment ends (after its newline), with the seq of its event. */
function lineEnds(file: string): Array<{ end: number; seq?: number }> {
    const bytes = readFileSync(file);
    const ends: Array<{ end: number; seq?: number }> = [];
    let start = 0;
    for (let end = bytes.indexOf(0x0a); end >= 0; end = bytes.indexOf(0x0a, start)) {
        const record = JSON.parse(bytes.subarray(start + 9, end).toString('utf8'));
        ends.push({ end: end + 1, seq: record.e?.seq });
        start = end + 1;
    }
    return ends;
}

describe('replaying the journal', () => {
    test('a writer that stopped without closing loses nothing: the journal past the last export is replayed', async () => {
        const dir = stateDir();
        const store = await openStore(dir);
        const run = new RunEvents('r');
        store.recordRun(runRecord('r', ['a', 'b']));
        const before = [run.started(2), ...run.tasksDone(['a'], 2)];
        for (const event of before) store.append(event);
        await store.flush();
        const after = run.tasksDone(['b'], 2);
        for (const event of after) store.append(event);

        const crashed = copyAsCrashed(dir);
        expect(await queryFile(join(crashed, DB_FILE), 'SELECT count(*) FROM events')).toEqual([[before.length]]);
        const reopened = await openStore(crashed);
        expect(reopened.events('r')).toEqual([...before, ...after]);
        expect(reopened.stateAt('r').tasks.b.status).toBe('completed');
        expect(reopened.warnings).toEqual([]);
    });

    test('a read-only store sees the export and the journal after it, while the writer goes on', async () => {
        const dir = stateDir();
        const writer = await openStore(dir);
        const run = new RunEvents('r');
        writeRun(writer, 'r', ['a'], () => [run.started(1)]);
        await writer.flush();
        writer.append(run.completed('a', 7));
        const reader = await openStore(dir, { readOnly: true });
        expect(reader.stateAt('r').tasks.a).toMatchObject({ status: 'completed', result: 7 });
        expect(() => reader.append(run.progress(1, 1))).toThrow(/opened read-only: it cannot append an event/);
    });
});

describe('a torn last line', () => {
    async function crashedWithJournal(): Promise<{ dir: string; segment: string; events: number }> {
        const dir = stateDir();
        const store = await openStore(dir);
        const written = writeRun(store, 'r', ['a', 'b', 'c'], run => [run.started(3), ...run.tasksDone(['a', 'b', 'c'])]);
        const crashed = copyAsCrashed(dir);
        return { dir: crashed, segment: listSegments(join(crashed, JOURNAL_DIR)).at(-1)!.file, events: written.length };
    }

    function cutAt(template: string, segment: string, offset: number): string {
        const dir = copyAsCrashed(template);
        truncateSync(join(dir, JOURNAL_DIR, segment.split('/').at(-1)!), offset);
        return dir;
    }

    // Reading is the same for readers and writers; read-only stores change nothing, so one copy
    // can be cut shorter and shorter. (The writer's repair of the cut is the next test's.)
    test('cut at every byte of the last record: that record is dropped, every one before it survives', async () => {
        const { dir, segment, events } = await crashedWithJournal();
        const ends = lineEnds(segment);
        const lastStart = ends.at(-2)!.end;
        for (let offset = ends.at(-1)!.end - 1; offset >= lastStart; offset--) {
            truncateSync(segment, offset);
            const store = await openStore(dir, { readOnly: true });
            expect(store.events('r').map(event => event.seq), `cut at ${offset}`).toEqual(Array.from({ length: events - 1 }, (_, index) => index + 1));
            await store.close();
        }
    });

    test('cut anywhere in the last few records: what ended before the cut survives, nothing after it', async () => {
        const { dir, segment } = await crashedWithJournal();
        const ends = lineEnds(segment);
        const from = ends.at(-6)!.end;
        const to = ends.at(-1)!.end;
        // Offsets spread over the last five records, the same every run, longest cut last.
        const offsets = Array.from({ length: 24 }, (_, step) => from + Math.floor(((step * 7919) % 1000) / 1000 * (to - from)));
        for (const offset of offsets.sort((a, b) => b - a)) {
            truncateSync(segment, offset);
            const store = await openStore(dir, { readOnly: true });
            const survivors = ends.filter(line => line.end <= offset && line.seq !== undefined).map(line => line.seq);
            expect(store.events('r').map(event => event.seq), `cut at ${offset}`).toEqual(survivors);
            await store.close();
        }
    });

    test('the writer says what it dropped, and cuts it off so the next append follows a whole line', async () => {
        const { dir: template, segment, events } = await crashedWithJournal();
        const ends = lineEnds(segment);
        const dir = cutAt(template, segment, ends.at(-1)!.end - 5);
        const file = join(dir, JOURNAL_DIR, segment.split('/').at(-1)!);
        const store = await openStore(dir);
        expect(store.warnings).toEqual([expect.stringContaining(`${file}: dropped an incomplete last record`)]);
        expect(readFileSync(file).length).toBe(ends.at(-2)!.end);
        store.append({ ...new RunEvents('r').progress(3, 3), seq: events });
        const copy = copyAsCrashed(dir);
        expect((await openStore(copy)).events('r').at(-1)?.seq).toBe(events);
    });
});

describe('damage', () => {
    test('a damaged line in the middle of the journal is skipped with its place; the rest is replayed', async () => {
        const dir = stateDir();
        const store = await openStore(dir);
        writeRun(store, 'r', ['a'], run => [run.started(1), run.ready('a'), run.taskStarted('a')]);
        const crashed = copyAsCrashed(dir);
        const file = listSegments(join(crashed, JOURNAL_DIR))[0].file;
        const text = readFileSync(file, 'utf8');
        // Line 3 is the task.ready event: flip a character of its JSON.
        writeFileSync(file, text.replace('"task.ready"', '"task.reaDy"'));
        const reopened = await openStore(crashed);
        expect(reopened.warnings).toEqual([`${file}:3: skipped a damaged journal record (its checksum does not match).`]);
        expect(reopened.events('r').map(event => event.type)).toEqual(['run.started', 'task.started']);
    });

    test('a database file of garbage is moved aside with a warning naming it, and rebuilt from the journal', async () => {
        const dir = stateDir();
        const store = await openStore(dir);
        const written = writeRun(store, 'r', ['a'], run => [run.started(1), ...run.tasksDone(['a'])]);
        await store.flush();
        const crashed = copyAsCrashed(dir);
        writeFileSync(join(crashed, DB_FILE), Buffer.from('this is not SQLite, just bytes '.repeat(200)));

        const reopened = await openStore(crashed);
        expect(reopened.warnings).toHaveLength(1);
        expect(reopened.warnings[0]).toMatch(new RegExp(`^${join(crashed, DB_FILE)} is not a readable database \\(.*\\); it was moved to ${join(crashed, DB_FILE)}\\.damaged-.*The state was rebuilt from the journal\\.$`));
        expect(reopened.events('r')).toEqual(written);
        expect(readdirSync(crashed).filter(name => name.startsWith(`${DB_FILE}.damaged-`))).toHaveLength(1);
    });

    test('with two exports behind it, a damaged database is rebuilt from the one before and the journal', async () => {
        const dir = stateDir();
        const store = await openStore(dir);
        const run = new RunEvents('r');
        store.recordRun(runRecord('r', ['a', 'b']));
        store.append(run.completed('a', 1));
        await store.flush();
        store.append(run.completed('b', 2));
        await store.flush();
        store.append(run.runCompleted());
        const crashed = copyAsCrashed(dir);
        writeFileSync(join(crashed, DB_FILE), 'garbage');

        const reopened = await openStore(crashed);
        expect(reopened.warnings[0]).toMatch(new RegExp(`The state was rebuilt from ${join(crashed, PREVIOUS_DB_FILE)} and the journal\\.$`));
        expect(reopened.run('r')?.status).toBe('completed');
        expect(reopened.stateAt('r').tasks.b.result).toBe(2);
    });

    test('records missing from the journal are reported as such', async () => {
        const dir = stateDir();
        const store = await openStore(dir);
        const run = new RunEvents('r');
        store.recordRun(runRecord('r', ['a', 'b']));
        await store.flush();
        store.append(run.completed('a', 1));
        await store.flush();
        store.append(run.completed('b', 2));
        const crashed = copyAsCrashed(dir);
        // Leaves store.db.prev (before 'a') and the journal after store.db (from 'b'): 'a' is lost.
        rmSync(join(crashed, DB_FILE));
        rmSync(listSegments(join(crashed, JOURNAL_DIR))[0].file);

        const reopened = await openStore(crashed);
        expect(reopened.warnings).toEqual([`The journal in ${join(crashed, JOURNAL_DIR)} lacks records 2 to 2 (deleted or damaged): runs recorded in them may miss events.`]);
        expect(reopened.events('r').map(event => event.seq)).toEqual([2]);
    });
});

describe('compaction', () => {
    test('after each export the journal holds only what followed the export before it', async () => {
        const dir = stateDir();
        const store = await openStore(dir);
        const run = new RunEvents('r');
        const tasks = ['a', 'b', 'c', 'd', 'e'];
        store.recordRun(runRecord('r', tasks));
        const counts: number[] = [];
        for (const task of tasks) {
            for (const event of run.tasksDone([task], tasks.length)) store.append(event);
            await store.flush();
            counts.push(listSegments(join(dir, JOURNAL_DIR)).length);
        }
        // Without compaction: 1, 2, 3, 4, 5 (a new segment starts after every export).
        expect(counts).toEqual([1, 1, 1, 1, 1]);
        await store.close();
        const reopened = await openStore(dir);
        expect(Object.values(reopened.stateAt('r').tasks).map(task => task.status)).toEqual(tasks.map(() => 'completed'));
    });

    test('what the remaining segments hold is enough to rebuild from the export before the last', async () => {
        const dir = stateDir();
        const store = await openStore(dir);
        const run = new RunEvents('r');
        store.recordRun(runRecord('r', ['a', 'b', 'c']));
        for (const task of ['a', 'b', 'c']) {
            store.append(run.completed(task, task));
            await store.flush();
        }
        const crashed = copyAsCrashed(dir);
        writeFileSync(join(crashed, DB_FILE), 'garbage');
        const reopened = await openStore(crashed);
        expect(reopened.events('r').map(event => event.seq)).toEqual([1, 2, 3]);
    });
});

describe('a writer that died right after starting a segment', () => {
    test('leaves an empty segment, which the next writer appends to', async () => {
        const dir = stateDir();
        const store = await openStore(dir);
        const run = new RunEvents('r');
        writeRun(store, 'r', ['a'], () => [run.started(1)]);
        await store.flush();
        const crashed = copyAsCrashed(dir);
        // The next record would be n 3 (the run, its first event, then this one).
        writeFileSync(join(crashed, JOURNAL_DIR, '000000000003.log'), '');

        const reopened = await openStore(crashed);
        reopened.append(run.completed('a', 1));
        const again = await openStore(copyAsCrashed(crashed));
        expect(again.events('r').map(event => event.type)).toEqual(['run.started', 'task.completed']);
    });
});
