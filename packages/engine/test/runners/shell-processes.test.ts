/**
 * Stopping shell commands: every test starts real processes, records their pids in a file,
 * and checks afterwards that none of them exists any more. Nothing here waits a fixed time:
 * the tests poll (with a bound) for pids to appear and to disappear.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TaskFailure } from '../../src/errors.js';
import { ShellRunner } from '../../src/runners/shell.js';
import { allGone, attempt, context, failureOf, killQuietly, pidsIn, processExists, temporaryFolder } from './helpers.js';

let started: number[] = [];
afterEach(() => {
    killQuietly(started);
    started = [];
});

/** Starts `command` in a fresh folder; `pids` is where the command writes the pids to check. */
function start(runner: ShellRunner, command: string) {
    const dir = temporaryFolder();
    const controller = new AbortController();
    const attemptContext = context(attempt({ kind: 'shell', command }), dir, { signal: controller.signal });
    const outcome = runner.run(attemptContext);
    outcome.catch(() => undefined);
    return { dir, controller, outcome, log: attemptContext.log, pidFile: join(dir, 'pids') };
}

describe('shell runner: stopping a command stops everything it started', () => {
    it('kills background children and grandchildren on abort', async () => {
        const runner = new ShellRunner({ killGraceMs: 10_000 });
        const task = start(runner, `
            echo $$ >> pids
            sleep 100 & echo $! >> pids
            sh -c 'sleep 100 & echo $! >> pids; wait' &
            wait`);
        started = await pidsIn(task.pidFile, 3);
        const reason = TaskFailure.timeout(5000);
        task.controller.abort(reason);

        expect(await failureOf(task.outcome)).toBe(reason);
        await allGone(started);
    });

    it('sends SIGKILL after the grace period to a command that survives SIGTERM', async () => {
        // The grace must outlast the shell's wait to run its trap (after the current sleep), even
        // on a loaded machine, or the SIGKILL comes first and the test shows nothing.
        const runner = new ShellRunner({ killGraceMs: 2000 });
        const task = start(runner, `
            trap 'echo got TERM >> trapped' TERM
            echo $$ >> pids
            while :; do sleep 0.05; done`);
        started = await pidsIn(task.pidFile, 1);
        task.controller.abort(TaskFailure.cancelled('test'));

        expect((await failureOf(task.outcome)).kind).toBe('cancelled');
        // It handled SIGTERM and went on, so only the SIGKILL that followed can have ended it.
        expect(readFileSync(join(task.dir, 'trapped'), 'utf8')).toContain('got TERM');
        await allGone(started);
    });

    it('settles an aborted attempt only after its processes are gone', async () => {
        const runner = new ShellRunner({ killGraceMs: 200 });
        const task = start(runner, `
            trap '' TERM
            sleep 100 & echo $! >> pids
            wait`);
        started = await pidsIn(task.pidFile, 1);
        task.controller.abort(TaskFailure.cancelled('test'));
        await failureOf(task.outcome);
        // The sleep ignores SIGTERM too (ignored signals stay ignored across exec): SIGKILL got it before the attempt settled.
        const state = readProcState(started[0]);
        expect(state === undefined || state === 'Z').toBe(true);
    });

    it('also kills a descendant that left the process group with setsid', async () => {
        const runner = new ShellRunner({ killGraceMs: 10_000 });
        const task = start(runner, `
            setsid sh -c 'echo $$ >> pids; exec sleep 100' &
            wait`);
        started = await pidsIn(task.pidFile, 1);
        task.controller.abort(TaskFailure.cancelled('test'));
        await failureOf(task.outcome);
        await allGone(started);
    });

    it('stops processes a command leaves running when it exits, and keeps its result', async () => {
        const runner = new ShellRunner({ killGraceMs: 10_000 });
        const task = start(runner, `
            sleep 100 > /dev/null 2>&1 & echo $! >> pids
            sleep 100 & echo $! >> pids
            echo '{"done":true}'`);
        expect(await task.outcome).toEqual({ done: true });
        started = await pidsIn(task.pidFile, 2);
        await allGone(started);
        expect(task.log.text()).toMatch(/the command exited and left 2 process\(es\) running .*; stopping them/);
    });

    it('killAll kills at once, without waiting for the grace period', async () => {
        const runner = new ShellRunner({ killGraceMs: 600_000 });
        const task = start(runner, `
            trap '' TERM
            echo $$ >> pids
            sleep 100 & echo $! >> pids
            wait`);
        started = await pidsIn(task.pidFile, 2);
        runner.killAll();

        const failure = await failureOf(task.outcome);
        expect(failure.exitCode).toBe(137);
        expect(failure.message).toContain('killed by SIGKILL');
        await allGone(started);
    });

    it('does not start a command whose attempt was aborted already', async () => {
        const runner = new ShellRunner();
        const dir = temporaryFolder();
        const controller = new AbortController();
        controller.abort(TaskFailure.cancelled('before the start'));
        const failure = await failureOf(runner.run(context(attempt({ kind: 'shell', command: 'echo $$ > pids' }), dir, { signal: controller.signal })));
        expect(failure.message).toBe('cancelled: before the start');
        expect(() => readFileSync(join(dir, 'pids'))).toThrow();
    });
});

function readProcState(pid: number): string | undefined {
    if (!processExists(pid)) return undefined;
    try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    } catch {
        return undefined;
    }
}
