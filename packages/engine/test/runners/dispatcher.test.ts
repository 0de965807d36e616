import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Json } from '@flow/model';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { InProcessDispatcher, logFileName } from '../../src/dispatcher.js';
import { defaultRunners } from '../../src/runners/index.js';
import { RunnerRegistry, type RunnerContext, type TaskRunner } from '../../src/runners/registry.js';
import { attempt, temporaryFolder } from './helpers.js';

function dispatcher(runners = defaultRunners(), options: { maxLogBytes?: number } = {}) {
    const workflowDir = temporaryFolder();
    const logDir = join(temporaryFolder(), 'logs');
    return { logDir, workflowDir, dispatcher: new InProcessDispatcher({ runners, clock: systemClock, workflowDir, logDir, ...options }) };
}

const never = new AbortController().signal;

describe('InProcessDispatcher', () => {
    it('writes each attempt\'s output to its own log file and names it in the outcome', async () => {
        const { dispatcher: inProcess, logDir } = dispatcher();
        const first = await inProcess.execute(attempt({ kind: 'shell', command: 'echo first; exit 1' }), never);
        const second = await inProcess.execute(attempt({ kind: 'shell', command: 'echo second' }, { attempt: 2, attemptId: 2 }), never);
        expect(first).toMatchObject({ ok: false, logFile: join(logDir, 'build.attempt1.log') });
        expect(second).toMatchObject({ ok: true, logFile: join(logDir, 'build.attempt2.log') });
        expect(readFileSync(join(logDir, 'build.attempt1.log'), 'utf8')).toBe('first\n');
        expect(readFileSync(join(logDir, 'build.attempt2.log'), 'utf8')).toBe('second\n');
    });

    it('names no log file for an attempt that printed nothing', async () => {
        const { dispatcher: inProcess, logDir } = dispatcher();
        const outcome = await inProcess.execute(attempt({ kind: 'shell', command: 'true' }), never);
        expect(outcome).toMatchObject({ ok: true, result: { exitCode: 0, output: '' } });
        expect(outcome).not.toHaveProperty('logFile');
        expect(existsSync(logDir)).toBe(false);
    });

    it('cuts a log file at maxLogBytes and says so in the file', async () => {
        const { dispatcher: inProcess, logDir } = dispatcher(defaultRunners(), { maxLogBytes: 10 });
        await inProcess.execute(attempt({ kind: 'shell', command: 'echo 0123456789abcdef' }), never);
        expect(readFileSync(join(logDir, 'build.attempt1.log'), 'utf8'))
            .toBe('0123456789\n[flow] log truncated: the output went past 10 bytes; the rest was not written\n');
    });

    it('names log files after the task, item, attempt and purpose', () => {
        const shell = { kind: 'shell', command: 'true' } as const;
        expect(logFileName(attempt(shell, { task: 'quarterly', item: { index: 2, value: null }, attempt: 3 }))).toBe('quarterly.item2.attempt3.log');
        expect(logFileName(attempt(shell, { purpose: 'compensation' }))).toBe('build.compensation.log');
        expect(logFileName(attempt(shell, { purpose: 'notification', task: 'ops team' }))).toBe('notification.ops_team.log');
        expect(logFileName(attempt(shell, { task: '../../etc/passwd' }))).toBe('.._.._etc_passwd.attempt1.log');
    });

    it('answers an unknown runner kind with the kinds it has', async () => {
        const { dispatcher: inProcess } = dispatcher();
        const outcome = await inProcess.execute(attempt({ kind: 'vscode_task', label: 'build' }), never);
        expect(outcome).toEqual({
            ok: false, error: {
                kind: 'runner_unavailable', nonRetryable: true,
                message: 'runner kind "vscode_task" is not available here (available: shell, node, http, sleep, echo, fail); run this workflow from the editor'
            }
        });
    });

    it('runs a runner the host registers, as the editor does for VS Code tasks', async () => {
        const seen: string[] = [];
        const vscodeTasks: TaskRunner = {
            kind: 'vscode_task',
            async run(context: RunnerContext): Promise<Json> {
                if (context.request.runner.kind === 'vscode_task') seen.push(context.request.runner.label);
                return { ran: true };
            }
        };
        const { dispatcher: inProcess } = dispatcher(defaultRunners().register(vscodeTasks));
        expect(await inProcess.execute(attempt({ kind: 'vscode_task', label: 'build' }), never)).toEqual({ ok: true, result: { ran: true } });
        expect(seen).toEqual(['build']);
    });

    it('turns a runner that throws a plain error into a failed outcome instead of rejecting', async () => {
        const broken: TaskRunner = { kind: 'shell', run: async () => { throw new Error('bug in runner'); } };
        const { dispatcher: inProcess, logDir } = dispatcher(new RunnerRegistry([broken]));
        expect(await inProcess.execute(attempt({ kind: 'shell', command: 'true' }), never))
            .toEqual({ ok: false, error: { kind: 'runner_error', message: 'bug in runner', nonRetryable: false } });
        expect(existsSync(logDir) ? readdirSync(logDir) : []).toEqual([]);
    });
});
