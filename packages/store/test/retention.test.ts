import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { FlowStore } from '../src/index.js';
import { LOGS_DIR } from '../src/store.js';
import { openStore, stateDir, writeRun } from './helpers.js';

const DAY = 24 * 60 * 60 * 1000;

/** Finished runs r1..rn started a day apart (r1 oldest), and one still running, started last. */
function history(store: FlowStore, finished: number): void {
    for (let index = 1; index <= finished; index++) {
        writeRun(store, `r${index}`, [], run => [run.runCompleted()], { startedAt: index * DAY });
    }
    writeRun(store, 'live', [], () => [], { startedAt: (finished + 1) * DAY });
}

describe('gc', () => {
    test('keepRuns keeps the most recently started runs', async () => {
        const store = await openStore(stateDir(), { retention: {} });
        history(store, 4);
        expect(store.gc({ keepRuns: 3 }).removedRuns).toEqual(['r2', 'r1']);
        expect(store.runs().map(run => run.runId)).toEqual(['live', 'r4', 'r3']);
    });

    test('olderThanMs removes finished runs that started longer ago', async () => {
        const store = await openStore(stateDir(), { retention: {}, clock: { now: () => 5 * DAY } });
        history(store, 4);
        expect(store.gc({ olderThanMs: 2.5 * DAY }).removedRuns).toEqual(['r2', 'r1']);
    });

    test('a running run is never removed, however old', async () => {
        const store = await openStore(stateDir(), { retention: {}, clock: { now: () => 100 * DAY } });
        history(store, 1);
        expect(store.gc({ keepRuns: 0, olderThanMs: 0 }).removedRuns).toEqual(['r1']);
        expect(store.runs().map(run => run.runId)).toEqual(['live']);
    });

    test('a removed run takes its events, checkpoints and log folder with it, also after reopening', async () => {
        const dir = stateDir();
        const store = await openStore(dir, { retention: {} });
        writeRun(store, 'old', ['a'], run => [run.completed('a', 1), run.checkpoint('cp', ['a']), run.runCompleted()], { startedAt: 1 });
        writeRun(store, 'new', [], run => [run.runCompleted()], { startedAt: 2 });
        mkdirSync(join(dir, LOGS_DIR, 'old'), { recursive: true });
        writeFileSync(join(dir, LOGS_DIR, 'old', 'a.1.log'), 'output');
        store.gc({ keepRuns: 1 });
        expect(existsSync(join(dir, LOGS_DIR, 'old'))).toBe(false);
        await store.close();

        const reopened = await openStore(dir, { retention: {} });
        expect(reopened.run('old')).toBeUndefined();
        expect(() => reopened.events('old')).toThrow(/There is no run old/);
    });

    test('expired cache entries go too', async () => {
        let now = 0;
        const store = await openStore(stateDir(), { retention: {}, clock: { now: () => now } });
        await store.cache.set('brief', 1, 10);
        await store.cache.set('forever', 2);
        now = 10;
        store.gc({});
        expect(store.cache.size).toBe(1);
    });

    test('a bound that is not a number of at least 0 is refused', async () => {
        const store = await openStore(stateDir());
        expect(() => store.gc({ keepRuns: -1 })).toThrow('gc: keepRuns -1 is not a number of at least 0.');
    });
});

describe('the automatic retention bound', () => {
    test('a writer that opens applies it', async () => {
        const dir = stateDir();
        const store = await openStore(dir, { retention: {} });
        history(store, 5);
        await store.close();
        const bounded = await openStore(dir, { retention: { keepRuns: 2 } });
        expect(bounded.runs().map(run => run.runId)).toEqual(['live', 'r5']);
    });

    test('every export applies it, so a long-lived writer stays bounded', async () => {
        const store = await openStore(stateDir(), { retention: { keepRuns: 2 } });
        history(store, 3);
        await store.flush();
        expect(store.runs().map(run => run.runId)).toEqual(['live', 'r3']);
    });

    test('by default it keeps 200 runs', async () => {
        const dir = stateDir();
        const store = await openStore(dir, { retention: {} });
        history(store, 200);
        await store.close();
        const bounded = await openStore(dir);
        const kept = bounded.runs().map(run => run.runId);
        expect(kept).toHaveLength(200);
        expect(kept).not.toContain('r1');
    });
});
