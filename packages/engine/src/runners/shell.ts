/**
 * The `shell` runner: runs a command with `/bin/sh -c` in the workflow's folder.
 *
 * Environment (nothing else of the caller's environment is passed on):
 * - `PATH`, `HOME`, `LANG`, `TMPDIR` (when set) from the caller;
 * - `FLOW_RUN_ID`, `FLOW_WORKFLOW`, `FLOW_TASK`, `FLOW_ATTEMPT`, `FLOW_PURPOSE`
 *   (`task`, `compensation` or `notification`), `FLOW_AGENT` (when on an agent);
 * - `FLOW_PARAM_<NAME>` per parameter, `FLOW_RESULT_<TASK>` per upstream task (its result),
 *   `FLOW_INPUT_<NAME>` per input, `FLOW_ITEM` and `FLOW_ITEM_INDEX` for a batch item; names are
 *   upper-cased with other characters than letters and digits turned into `_`; strings are
 *   passed as they are, other values as JSON;
 * - `FLOW_CONTEXT`: the path of a JSON file holding all of the above
 *   (`{ runId, workflow, task, attempt, agent, params, upstream, inputs, item }`).
 *
 * Placeholders in the command (`{{param.x}}`, `{{task.result.y}}`, `{{item.x}}`) are replaced
 * by shell-quoted values, so a value is always one word of data, never code. Standard input is
 * closed; standard output and error go to the attempt's log file, and only their tails are kept
 * in memory. The result is the last line of standard output when it is JSON, else
 * `{ exitCode, output }` with the tail of the output.
 *
 * The command runs in its own process group; a timeout or cancellation sends SIGTERM to the
 * whole group and SIGKILL after a grace period, so children and grandchildren stop too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Json } from '@flow/model';
import { TaskFailure } from '../errors.js';
import { interpolate } from '../interpolate.js';
import { OutputTail } from './output.js';
import type { RunnerContext, TaskRunner } from './registry.js';

export interface ShellRunnerOptions {
    /** Bytes of standard output (and, separately, of standard error) kept in memory. @default 65536 */
    tailBytes?: number;
    /** Time between SIGTERM and SIGKILL when a command is stopped, in real milliseconds. @default 2000 */
    killGraceMs?: number;
    /** The shell. @default /bin/sh */
    shell?: string;
}

/** Quotes a value as one word for `/bin/sh`: single quotes, with `'` written as `'\''`. */
export function shellQuote(value: Json): string {
    const text = typeof value === 'string' ? value : value === null ? '' : JSON.stringify(value);
    return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** An environment variable name for a parameter, task or input name. */
export function envName(prefix: string, name: string): string {
    return `${prefix}${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

function envValue(value: Json): string {
    return typeof value === 'string' ? value : JSON.stringify(value);
}

export class ShellRunner implements TaskRunner {
    readonly kind = 'shell';
    private readonly live = new Set<ChildProcess>();
    private readonly tailBytes: number;
    private readonly killGraceMs: number;
    private readonly shell: string;

    constructor(options: ShellRunnerOptions = {}) {
        this.tailBytes = options.tailBytes ?? 65_536;
        this.killGraceMs = options.killGraceMs ?? 2000;
        this.shell = options.shell ?? '/bin/sh';
    }

    async run(context: RunnerContext): Promise<Json> {
        const { request, signal, log } = context;
        if (request.runner.kind !== 'shell') throw TaskFailure.nonRetryable(`the shell runner cannot run a ${request.runner.kind} runner`, 'runner_error');
        signal.throwIfAborted();
        const item = request.item?.value;
        const command = interpolate(request.runner.command, { params: request.params, upstream: request.upstream, item }, shellQuote);
        const contextFile = join(tmpdir(), `flow-context-${process.pid}-${request.runId}-${request.attemptId}-${request.purpose}-${safeName(request.task)}.json`);
        writeFileSync(contextFile, JSON.stringify({
            runId: request.runId, workflow: request.workflow, task: request.task, attempt: request.attempt,
            agent: request.agent ?? null, params: request.params, upstream: request.upstream, inputs: request.inputs,
            item: request.item ?? null
        }));
        try {
            return await this.spawnCommand(command, this.environment(context, contextFile), context, log);
        } finally {
            rmSync(contextFile, { force: true });
        }
    }

    /** Sends SIGKILL to every process group still running. */
    killAll(): void {
        for (const child of this.live) killGroup(child, 'SIGKILL');
    }

    private environment(context: RunnerContext, contextFile: string): NodeJS.ProcessEnv {
        const { request } = context;
        const env: NodeJS.ProcessEnv = {
            PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
            HOME: process.env.HOME ?? tmpdir(),
            FLOW_RUN_ID: request.runId,
            FLOW_WORKFLOW: request.workflow,
            FLOW_TASK: request.task,
            FLOW_ATTEMPT: String(request.attempt),
            FLOW_PURPOSE: request.purpose,
            FLOW_CONTEXT: contextFile
        };
        for (const name of ['LANG', 'TMPDIR'] as const) if (process.env[name] !== undefined) env[name] = process.env[name];
        if (request.agent !== undefined) env.FLOW_AGENT = request.agent;
        for (const [name, value] of Object.entries(request.params)) env[envName('FLOW_PARAM_', name)] = envValue(value);
        for (const [name, outcome] of Object.entries(request.upstream)) env[envName('FLOW_RESULT_', name)] = envValue(outcome.result);
        for (const [name, value] of Object.entries(request.inputs)) env[envName('FLOW_INPUT_', name)] = envValue(value);
        if (request.item) {
            env.FLOW_ITEM = envValue(request.item.value);
            env.FLOW_ITEM_INDEX = String(request.item.index);
        }
        return env;
    }

    private spawnCommand(command: string, env: NodeJS.ProcessEnv, context: RunnerContext, log: RunnerContext['log']): Promise<Json> {
        const { signal } = context;
        return new Promise<Json>((resolve, reject) => {
            const stdout = new OutputTail(this.tailBytes);
            const stderr = new OutputTail(this.tailBytes);
            let child: ChildProcess;
            try {
                child = spawn(this.shell, ['-c', command], {
                    cwd: context.workflowDir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe']
                });
            } catch (error) {
                reject(TaskFailure.nonRetryable(`cannot start ${this.shell}: ${(error as Error).message}`, 'runner_error'));
                return;
            }
            this.live.add(child);
            let killTimer: ReturnType<typeof setTimeout> | undefined;
            let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
            let closeWait: ReturnType<typeof setTimeout> | undefined;
            let settled = false;
            /** Set when the shell has ended but processes of its group outlive it after an abort. */
            let waitingForKill = false;

            const onAbort = (): void => {
                killGroup(child, 'SIGTERM');
                killTimer = setTimeout(() => {
                    killTimer = undefined;
                    killGroup(child, 'SIGKILL');
                    if (waitingForKill) finish();
                }, this.killGraceMs);
            };
            signal.addEventListener('abort', onAbort, { once: true });

            child.stdout!.on('data', (chunk: Buffer) => { stdout.push(chunk); log.write(chunk); });
            child.stderr!.on('data', (chunk: Buffer) => { stderr.push(chunk); log.write(chunk); });

            const finish = (): void => {
                if (settled) return;
                // After an abort, settle only once the whole group is gone (or SIGKILL was sent),
                // so a retry never overlaps with the remains of the stopped attempt.
                if (signal.aborted && killTimer !== undefined && groupAlive(child)) {
                    waitingForKill = true;
                    return;
                }
                settled = true;
                clearTimeout(closeWait);
                clearTimeout(killTimer);
                signal.removeEventListener('abort', onAbort);
                this.live.delete(child);
                if (signal.aborted) {
                    reject(signal.reason instanceof TaskFailure ? signal.reason : TaskFailure.cancelled('the attempt was stopped'));
                    return;
                }
                const code = exit?.code ?? null;
                if (code === 0) {
                    resolve(resultOf(stdout));
                    return;
                }
                const details = { output: stdout.text(), stderr: stderr.text() };
                const last = stderr.lastLine() ?? stdout.lastLine();
                if (code === null) {
                    reject(TaskFailure.retryable(`command was killed by ${exit?.signal ?? 'a signal'}${last ? `: ${last}` : ''}`, 'runner_error', details));
                } else {
                    reject(TaskFailure.exitCode(code, `command exited with code ${code}${last ? `: ${last}` : ''}`, details));
                }
            };

            child.on('error', error => {
                if (settled) return;
                settled = true;
                signal.removeEventListener('abort', onAbort);
                this.live.delete(child);
                reject(TaskFailure.nonRetryable(`cannot run the command: ${error.message}`, 'runner_error'));
            });
            child.on('exit', (code, exitSignal) => {
                exit = { code, signal: exitSignal };
                // A process the command left in the background may hold the pipes open; do not wait for it forever.
                closeWait = setTimeout(() => {
                    child.stdout?.destroy();
                    child.stderr?.destroy();
                    finish();
                }, 500);
            });
            child.on('close', finish);
        });
    }
}

/** The last line of standard output if it is JSON, else the exit code and the output's tail. */
function resultOf(stdout: OutputTail): Json {
    const last = stdout.lastLine();
    if (last !== undefined) {
        try {
            return JSON.parse(last) as Json;
        } catch {
            // Not JSON: the output itself is the result.
        }
    }
    return { exitCode: 0, output: stdout.text() };
}

function groupAlive(child: ChildProcess): boolean {
    if (child.pid === undefined) return false;
    try {
        process.kill(-child.pid, 0);
        return true;
    } catch {
        return false;
    }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
    if (child.pid === undefined) return;
    try {
        process.kill(-child.pid, signal);
    } catch {
        // The group is already gone.
    }
}

function safeName(text: string): string {
    return text.replace(/[^A-Za-z0-9_.-]/g, '_');
}
