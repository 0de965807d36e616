import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreError } from '../src/index.js';
import { openStore, RunEvents, runRecord, stateDir } from './helpers.js';

describe('what a state directory from elsewhere cannot make the store do', () => {
    it('refuses a run id that is not a plain folder name', async () => {
        const store = await openStore(stateDir());
        for (const runId of ['../escape', 'a/b', '', '..']) {
            expect(() => store.recordRun(runRecord(runId, ['a'])), JSON.stringify(runId)).toThrow(StoreError);
        }
        expect(() => store.recordRun(runRecord('3f2a-9c.1_x', ['a']))).not.toThrow();
    });

    it('removes only folders directly inside logs/ when it removes a run', async () => {
        const dir = stateDir();
        const outside = join(dir, 'precious');
        mkdirSync(outside);
        writeFileSync(join(outside, 'keep.txt'), 'keep');
        const warnings: string[] = [];
        const store = await openStore(dir, { onWarning: message => warnings.push(message) });
        // A run id as a crafted database could hold it; recordRun would refuse it.
        (store as unknown as { removeLogs(runId: string): void }).removeLogs('../precious');
        expect(existsSync(join(outside, 'keep.txt'))).toBe(true);
        expect(warnings).toEqual([expect.stringContaining('kept the logs of run "../precious"')]);
    });
});

describe('the automatic retention bound', () => {
    const saved = process.env.FLOW_KEEP_RUNS;
    afterEach(() => {
        if (saved === undefined) delete process.env.FLOW_KEEP_RUNS;
        else process.env.FLOW_KEEP_RUNS = saved;
    });

    async function finishedRuns(dir: string, count: number): Promise<void> {
        const store = await openStore(dir, { retention: {} });
        for (let index = 0; index < count; index++) {
            const runId = `run-${index}`;
            store.recordRun(runRecord(runId, ['a'], { startedAt: 1_000 + index }));
            const events = new RunEvents(runId);
            store.append(events.started(1));
            store.append(events.completed('a'));
            store.append(events.runCompleted());
        }
        await store.close();
    }

    it('is FLOW_KEEP_RUNS for every writer that does not set one', async () => {
        const dir = stateDir();
        await finishedRuns(dir, 5);
        process.env.FLOW_KEEP_RUNS = '3';
        const store = await openStore(dir);
        expect(store.runs().map(run => run.runId)).toEqual(['run-4', 'run-3', 'run-2']);
    });

    it('refuses a FLOW_KEEP_RUNS that is not a count, saying what to give', async () => {
        process.env.FLOW_KEEP_RUNS = 'many';
        await expect(openStore(stateDir())).rejects.toThrow(/FLOW_KEEP_RUNS=many: give a whole number of at least 1/);
    });
});
