/**
 * Two processes on one state directory, and a writer killed at random moments: the writer is
 * test/fixtures/writer.ts in a child process.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { FlowStore } from '../src/index.js';
import { LOCK_FILE } from '../src/store.js';
import { openStore, runRecord, startWriter, stateDir } from './helpers.js';

describe('the writer lock', () => {
    test('a second writer fails at once with lockWaitMs 0, naming the holder\'s pid and the lock file', async () => {
        const dir = stateDir();
        const holder = await startWriter(['hold', dir]);
        const pid = (await holder.waitFor(/^locked /)).split(' ')[1];
        await expect(FlowStore.open(dir, { lockWaitMs: 0 })).rejects.toMatchObject({ code: 'locked' });
        await expect(FlowStore.open(dir, { lockWaitMs: 0 })).rejects.toThrow(
            new RegExp(`^${dir} is in use by another flowctl or editor window \\(pid ${pid}, since .*\\)\\. Try again when it has finished, ` +
                `or use another --state-dir\\. If no process ${pid} is running there, delete ${join(dir, LOCK_FILE)}\\.$`));
    });

    test('a second writer with time to wait opens once the first has closed', async () => {
        const dir = stateDir();
        const holder = await startWriter(['hold', dir]);
        await holder.waitFor(/^locked /);
        const waiting = await startWriter(['open', dir, '--wait', '60000']);
        holder.process.stdin.write('release\n');
        await holder.waitFor(/^released$/);
        expect(await waiting.waitFor(/^(opened|error)/)).toBe('opened');
    });

    test('the lock of a process that died without releasing it is taken over', async () => {
        const dir = stateDir();
        const dead = await startWriter(['hold', dir, '--exit']);
        const pid = Number((await dead.waitFor(/^locked /)).split(' ')[1]);
        await dead.exited;
        expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(pid);

        const store = await openStore(dir, { lockWaitMs: 0 });
        expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
        await store.close();
        expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    });

    test('of two writers finding the same dead lock at once, exactly one takes it', async () => {
        const dir = stateDir();
        const dead = await startWriter(['hold', dir, '--exit']);
        await dead.waitFor(/^locked /);
        await dead.exited;
        const racers = await Promise.all([startWriter(['hold', dir]), startWriter(['hold', dir])]);
        const outcomes = await Promise.all(racers.map(racer => Promise.race([
            racer.waitFor(/^locked /).then(() => 'locked'),
            racer.exited.then(() => racer.stderr().includes('is in use by another flowctl or editor window') ? 'refused' : `failed: ${racer.stderr()}`)
        ])));
        expect(outcomes.sort()).toEqual(['locked', 'refused']);
    });

    test('a reader opens without the lock while a writer holds it', async () => {
        const dir = stateDir();
        const holder = await startWriter(['hold', dir, '--record', 'live']);
        await holder.waitFor(/^locked /);
        const reader = await openStore(dir, { readOnly: true });
        expect(reader.run('live')?.status).toBe('running');
    });
});

describe('interrupted runs', () => {
    test('a run whose writer died is interrupted: to readers at once, and recorded so by the next writer', async () => {
        const dir = stateDir();
        const dead = await startWriter(['hold', dir, '--record', 'lost', '--exit']);
        const pid = (await dead.waitFor(/^locked /)).split(' ')[1];
        await dead.exited;

        const reader = await openStore(dir, { readOnly: true });
        expect(reader.run('lost')).toMatchObject({ status: 'interrupted' });
        await reader.close();

        const writer = await openStore(dir);
        expect(writer.run('lost')).toMatchObject({
            status: 'interrupted', reason: `the flowctl or editor window running it (pid ${pid}) stopped before the run ended`
        });
        await writer.close();
        expect((await openStore(dir, { readOnly: true })).runs({ status: 'interrupted' }).map(run => run.runId)).toEqual(['lost']);
    });

    test('a run still running in the writer that has it is not interrupted', async () => {
        const store = await openStore(stateDir());
        store.recordRun(runRecord('mine', []));
        expect(store.run('mine')?.status).toBe('running');
    });
});

describe('readers while a writer appends and exports', () => {
    test('every reader sees the events from the first on, without a gap, and never fewer than the reader before', async () => {
        const dir = stateDir();
        const writer = await startWriter(['loop', dir, 'r', '--interval', '5']);
        await writer.waitFor(/^acked 1$/);
        let seen = 0;
        for (let read = 0; read < 30; read++) {
            const reader = await FlowStore.open(dir, { readOnly: true });
            const seqs = reader.events('r').map(event => event.seq);
            expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, index) => index + 1));
            expect(seqs.length).toBeGreaterThanOrEqual(seen);
            expect(reader.warnings).toEqual([]);
            seen = seqs.length;
            await reader.close();
            // Lets this process read the writer's output: a full pipe would stop the writer.
            await new Promise(resolve => setTimeout(resolve, 20));
        }
        expect(writer.lines.filter(line => line.startsWith('acked ')).length).toBeGreaterThan(1);
    });
});

describe('a writer killed at random moments', () => {
    test('every acknowledged event survives, in order, and the store opens cleanly each time', async () => {
        const dir = stateDir();
        let acked = 0;
        // Moments spread over appends and background exports (every 20 ms), the same every run.
        for (const [round, afterAcks] of [17, 130, 45, 260, 3, 90].entries()) {
            const runId = `run-${round}`;
            const writer = await startWriter(['loop', dir, runId, '--interval', '20', '--result-bytes', '2000']);
            await writer.waitFor(new RegExp(`^acked ${afterAcks}$`));
            writer.process.kill('SIGKILL');
            await writer.exited;
            const lastAcked = Math.max(...writer.lines.filter(line => line.startsWith('acked ')).map(line => Number(line.split(' ')[1])));

            const store = await FlowStore.open(dir, { exportIntervalMs: 0, lockWaitMs: 0 });
            const seqs = store.events(runId).map(event => event.seq);
            // Printed after the append returned: durable. One more may have been written, not yet printed.
            expect(seqs.length === lastAcked || seqs.length === lastAcked + 1, `round ${round}: ${seqs.length} events, ${lastAcked} acknowledged`).toBe(true);
            expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, index) => index + 1));
            expect(store.run(runId)?.status).toBe('interrupted');
            expect(store.warnings.filter(warning => !warning.includes('dropped an incomplete last record'))).toEqual([]);
            acked += lastAcked;
            await store.close();
        }
        const store = await openStore(dir, { readOnly: true });
        expect(store.runs().reduce((sum, run) => sum + store.events(run.runId).length, 0)).toBeGreaterThanOrEqual(acked);
    });
});
