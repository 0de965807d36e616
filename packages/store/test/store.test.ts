import { describe, expect, test } from 'vitest';
import type { RunEvent } from '@flow/engine';
import { StoreError } from '../src/index.js';
import { RunEvents, openStore, runRecord, stateDir, writeRun } from './helpers.js';

describe('append and reopen', () => {
    test('a run and its events come back exactly after close and reopen', async () => {
        const dir = stateDir();
        const store = await openStore(dir);
        const written = writeRun(store, 'run-1', ['a', 'b'], run => [run.started(2), ...run.tasksDone(['a', 'b']), run.runCompleted()]);
        await store.close();

        const reopened = await openStore(dir);
        expect(reopened.events('run-1')).toEqual(written);
        expect(reopened.run('run-1')).toMatchObject({
            runId: 'run-1', workflow: 'wf', status: 'completed', tasks: { total: 2, completed: 2, failed: 0, skipped: 0 },
            record: runRecord('run-1', ['a', 'b'])
        });
    });

    test('events after a seq are the tail of the stream', async () => {
        const store = await openStore(stateDir());
        const written = writeRun(store, 'r', ['a'], run => [run.started(1), ...run.tasksDone(['a'])]);
        expect(store.events('r', 3).map(event => event.seq)).toEqual(written.slice(3).map(event => event.seq));
    });

    test('an event type the store does not know is kept in the stream and changes nothing else', async () => {
        const store = await openStore(stateDir());
        const future = { runId: 'r', seq: 2, time: 5, type: 'task.quantum_leap', task: 'a', spin: 0.5 } as unknown as RunEvent;
        writeRun(store, 'r', ['a'], run => [run.started(1)]);
        store.append(future);
        expect(store.events('r').at(-1)).toEqual(future);
        expect(store.stateAt('r').tasks.a.status).toBe('pending');
    });

    test('an event for a run that was never recorded is refused', async () => {
        const store = await openStore(stateDir());
        expect(() => store.append(new RunEvents('ghost').started(1))).toThrow(/run ghost, which is not recorded/);
    });

    test('an event whose seq is not after the last one is refused', async () => {
        const store = await openStore(stateDir());
        const run = new RunEvents('r');
        writeRun(store, 'r', ['a'], () => [run.started(1)]);
        const replayed = { ...run.ready('a'), seq: 1 };
        expect(() => store.append(replayed)).toThrow(/has seq 1, but the store already has seq 1/);
    });

    test('a run id can be recorded only once', async () => {
        const store = await openStore(stateDir());
        store.recordRun(runRecord('r', []));
        expect(() => store.recordRun(runRecord('r', []))).toThrow(StoreError);
    });
});

describe('runs', () => {
    test('newest first, filtered by workflow and status, limited', async () => {
        const store = await openStore(stateDir());
        writeRun(store, 'old', [], run => [run.runCompleted()], { startedAt: 1, workflow: 'a' });
        writeRun(store, 'mid', [], () => [], { startedAt: 2, workflow: 'b' });
        writeRun(store, 'new', [], run => [run.runCompleted()], { startedAt: 3, workflow: 'a' });

        expect(store.runs().map(run => run.runId)).toEqual(['new', 'mid', 'old']);
        expect(store.runs({ workflow: 'a' }).map(run => run.runId)).toEqual(['new', 'old']);
        expect(store.runs({ status: 'running' }).map(run => run.runId)).toEqual(['mid']);
        expect(store.runs({ limit: 1 }).map(run => run.runId)).toEqual(['new']);
    });

    test('a run is found by a unique prefix of its id', async () => {
        const store = await openStore(stateDir());
        store.recordRun(runRecord('3f2a9c', []));
        store.recordRun(runRecord('3f7b10', []));
        expect(store.run('3f2')?.runId).toBe('3f2a9c');
        expect(store.stateAt('3f7').runId).toBe('3f7b10');
    });

    test('an ambiguous prefix names the runs it matches', async () => {
        const store = await openStore(stateDir());
        store.recordRun(runRecord('3f2a9c', []));
        store.recordRun(runRecord('3f7b10', []));
        expect(() => store.run('3f')).toThrow('Run id 3f is ambiguous: it starts 3f2a9c, 3f7b10. Give more of the id.');
    });

    test('no run matches: undefined from run(), an error naming the state directory elsewhere', async () => {
        const dir = stateDir();
        const store = await openStore(dir);
        expect(store.run('nope')).toBeUndefined();
        expect(() => store.events('nope')).toThrow(`There is no run nope in ${dir}`);
    });

    test('a failed run counts its failed, upstream-failed and skipped tasks', async () => {
        const store = await openStore(stateDir());
        writeRun(store, 'r', ['a', 'b', 'c', 'd'], run => [
            run.started(4), run.completed('a'), run.failed('b'), run.skipped('c', 'upstream_failed'), run.skipped('d')
        ]);
        expect(store.run('r')?.tasks).toEqual({ total: 4, completed: 1, failed: 2, skipped: 1 });
    });

    test('a forked run keeps its parent', async () => {
        const store = await openStore(stateDir());
        store.recordRun(runRecord('child', [], { parent: { runId: 'p', checkpoint: 'built', mode: 'fork' } }));
        expect(store.runs()[0].parent).toEqual({ runId: 'p', checkpoint: 'built', mode: 'fork' });
    });
});

describe('task state', () => {
    test('a completed task has its result, attempts, agent, duration, times and log file', async () => {
        const store = await openStore(stateDir());
        writeRun(store, 'r', ['a'], run => [
            run.started(1), run.ready('a'), { ...run.taskStarted('a'), agent: 'gpu' } as RunEvent,
            run.completed('a', { rows: 3 }, { agent: 'gpu', logFile: '/logs/a.log', durationMs: 40 })
        ]);
        expect(store.stateAt('r').tasks.a).toEqual({
            id: 'a', status: 'completed', result: { rows: 3 }, attempts: 1, agent: 'gpu', fromCache: false, durationMs: 40,
            startedAt: 1_002, finishedAt: 1_003, logFile: '/logs/a.log'
        });
    });

    test('a task that ran a demo built-in keeps that mark', async () => {
        const store = await openStore(stateDir());
        writeRun(store, 'r', ['a', 'b'], run => [
            { ...run.taskStarted('a'), runner: 'sleep', demo: true } as RunEvent, run.completed('a'), run.taskStarted('b'), run.completed('b')
        ]);
        expect(store.stateAt('r').tasks.a.demo).toBe(true);
        expect(store.stateAt('r').tasks.b.demo).toBeUndefined();
    });

    test('a result reused by a resume says where it came from', async () => {
        const store = await openStore(stateDir());
        const reused = { runId: 'earlier', checkpoint: 'built' };
        writeRun(store, 'r', ['a'], run => [run.completed('a', 1, { attempts: 0, reused })]);
        expect(store.stateAt('r').tasks.a).toMatchObject({ status: 'completed', attempts: 0, reused });
    });

    test('a retried task counts each attempt and keeps each attempt\'s error', async () => {
        const store = await openStore(stateDir());
        const error = { kind: 'timeout', message: 'timed out', nonRetryable: false };
        writeRun(store, 'r', ['a'], run => [
            run.taskStarted('a', 1),
            run.attemptFailed('a', 1, error, '/l/a.1.log'),
            run.taskStarted('a', 2), run.completed('a', 'ok', { attempts: 2 })
        ]);
        expect(store.stateAt('r').tasks.a).toMatchObject({ status: 'completed', attempts: 2 });
        expect(store.attempts('r', 'a')).toEqual([
            { attempt: 1, runner: 'shell', startedAt: 1_000, finishedAt: 1_001, ok: false, error, logFile: '/l/a.1.log' },
            { attempt: 2, runner: 'shell', startedAt: 1_002, finishedAt: 1_003, ok: true }
        ]);
    });

    test('tasks without an event yet are pending, in the model\'s order', async () => {
        const store = await openStore(stateDir());
        writeRun(store, 'r', ['z', 'a', 'm'], run => [run.started(3), run.completed('a')]);
        const { tasks } = store.stateAt('r');
        expect(Object.keys(tasks)).toEqual(['z', 'a', 'm']);
        expect(tasks.z).toEqual({ id: 'z', status: 'pending', attempts: 0, fromCache: false });
    });
});

describe('checkpoints', () => {
    test('every finished task makes a checkpoint, numbered from 1', async () => {
        const store = await openStore(stateDir());
        writeRun(store, 'r', ['a', 'b', 'c'], run => [run.started(3), ...run.tasksDone(['a', 'b']), run.failed('c')]);
        expect(store.checkpoints('r').map(({ id, task }) => ({ id, task }))).toEqual([
            { id: 1, task: 'a' }, { id: 2, task: 'b' }, { id: 3, task: 'c' }
        ]);
    });

    test('the state at a checkpoint is what was known when its task finished', async () => {
        const store = await openStore(stateDir());
        writeRun(store, 'r', ['a', 'b'], run => [run.started(2), run.ready('a'), run.taskStarted('a'), run.ready('b'), run.completed('a', 1), run.taskStarted('b'), run.completed('b', 2)]);
        const { tasks, at } = store.stateAt('r', 1);
        expect(at).toMatchObject({ id: 1, task: 'a' });
        expect(tasks.a).toMatchObject({ status: 'completed', result: 1 });
        expect(tasks.b).toMatchObject({ status: 'ready', attempts: 0 });
    });

    test('a checkpoint the workflow reached names the delta of the task before it', async () => {
        const store = await openStore(stateDir());
        writeRun(store, 'r', ['a', 'b'], run => [run.completed('a', 1), run.checkpoint('built', ['a']), run.completed('b', 2)]);
        expect(store.checkpoints('r').map(({ id, name }) => ({ id, name }))).toEqual([{ id: 1, name: 'built' }, { id: 2 }]);
        expect(store.stateAt('r', 'built').tasks.b.status).toBe('pending');
    });

    test('a checkpoint named by hand labels the latest delta, with its description', async () => {
        const store = await openStore(stateDir());
        writeRun(store, 'r', ['a', 'b'], run => [run.completed('a', 1), run.completed('b', 2)]);
        expect(store.checkpoint('r', 'before-deploy', 'all built')).toMatchObject({ id: 2, name: 'before-deploy', description: 'all built', task: 'b' });
        expect(store.stateAt('r', 'before-deploy').at?.id).toBe(2);
    });

    test('a checkpoint named before any task finished is the run\'s start, 0', async () => {
        const store = await openStore(stateDir());
        writeRun(store, 'r', ['a'], run => [run.started(1)]);
        expect(store.checkpoint('r', 'start')).toMatchObject({ id: 0, name: 'start', seq: 0 });
        expect(store.stateAt('r', 'start').tasks.a.status).toBe('pending');
    });

    test('a checkpoint name is unique in its run', async () => {
        const store = await openStore(stateDir());
        writeRun(store, 'r', ['a'], run => [run.completed('a')]);
        store.checkpoint('r', 'x');
        expect(() => store.checkpoint('r', 'x')).toThrow('Run r already has a checkpoint named x (checkpoint 1): choose another name.');
    });

    test('a string of digits that is not a name is a checkpoint id', async () => {
        const store = await openStore(stateDir());
        writeRun(store, 'r', ['a', 'b'], run => [run.completed('a', 1), run.completed('b', 2)]);
        expect(store.stateAt('r', '1').at?.id).toBe(1);
    });

    test('an unknown checkpoint says which ones exist', async () => {
        const store = await openStore(stateDir());
        writeRun(store, 'r', ['a', 'b'], run => [run.completed('a', 1), run.checkpoint('built', ['a']), run.completed('b', 2)]);
        expect(() => store.stateAt('r', 'shipped')).toThrow('Run r has no checkpoint named shipped (its named checkpoints: built)');
        expect(() => store.stateAt('r', 3)).toThrow('Run r has no checkpoint 3: its checkpoints are 1 to 2 (0 is its start).');
    });

    test('the diff between two checkpoints lists only the tasks that changed, before and after', async () => {
        const store = await openStore(stateDir());
        writeRun(store, 'r', ['a', 'b', 'c'], run => [run.completed('a', 1), run.completed('b', 2), run.taskStarted('c'), run.failed('c')]);
        const changes = store.diff('r', 1, 3);
        expect(changes.map(change => change.task)).toEqual(['b', 'c']);
        expect(changes[1].before).toMatchObject({ status: 'pending' });
        expect(changes[1].after).toMatchObject({ status: 'failed', error: { kind: 'exit_code' } });
    });

    test('no change between a checkpoint and itself', async () => {
        const store = await openStore(stateDir());
        writeRun(store, 'r', ['a'], run => [run.completed('a', 1)]);
        expect(store.diff('r', 1, 1)).toEqual([]);
    });
});
