/**
 * The `shell` runner: runs a command with `/bin/sh -c` in the workflow's folder, with a clean
 * environment, standard input from `/dev/null`, and its output streamed to the attempt's log.
 * docs/runners.md is the user's reference for all of it; the rules in brief:
 *
 * - Environment: only `PATH`, `HOME`, `LANG`, `TMPDIR` (and names listed in `inheritEnv`) are
 *   taken from the caller, so secrets in the caller's environment do not reach every task;
 *   `FLOW_*` variables describe the attempt and carry its values, and `FLOW_CONTEXT` names a
 *   JSON file holding all of them.
 * - Placeholders in the command never become code: each is replaced by a reference to an
 *   environment variable (`"${FLOW_VALUE_1}"`) holding the value, because the shell expands a
 *   variable's value without ever parsing it again. Quoting the value into the text instead
 *   turns it into code as soon as the quotes around the placeholder are misjudged (a
 *   single-quoted `'$(x)'` placed inside double quotes runs `x`).
 * - The result is the last line of standard output when it is JSON, else `{ exitCode, output }`
 *   with the output's tail. A non-zero exit is an `exit_code` failure carrying the code; death by
 *   a signal is an `exit_code` failure with the shell's number for it (128 + signal number).
 * - The command leads its own process group. Stopping it (timeout, cancellation) sends SIGTERM
 *   to the group and to every descendant, then SIGKILL after `killGraceMs`; the attempt settles
 *   only once nothing of it runs, so a retry never overlaps with the remains of the attempt
 *   before it. Processes a command leaves running in the background when it exits are stopped
 *   the same way: a task's processes never outlive it.
 * - CPU time: an EXIT trap has the shell write `times` (its own and its waited-for children's
 *   CPU) to a file as it exits, reported with the wall time through `reportUsage`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Json } from '@flow/model';
import { TaskFailure } from '../errors.js';
import type { ProcessUsage } from '../events.js';
import { interpolate, plainText } from '../interpolate.js';
import { LastLine, OutputTail } from './output.js';
import { ProcessTree } from './process-tree.js';
import type { RunnerContext, TaskRunner } from './registry.js';

export interface ShellRunnerOptions {
    /** Bytes of standard output (and, separately, of standard error) kept in memory. @default 65536 */
    tailBytes?: number;
    /** Most bytes of the last line of standard output, the line a JSON result is read from. @default 1048576 */
    maxResultBytes?: number;
    /** Time between SIGTERM and SIGKILL when a command is stopped, in real milliseconds. @default 2000 */
    killGraceMs?: number;
    /** The shell. @default /bin/sh */
    shell?: string;
    /** Names of further variables passed on from the caller's environment (for example `SSH_AUTH_SOCK`). @default [] */
    inheritEnv?: string[];
}

/** Variables taken from the caller's environment: what commands need to find programs, files and the locale. */
export const INHERITED_ENV = ['PATH', 'HOME', 'LANG', 'TMPDIR'] as const;

/**
 * A `FLOW_PARAM_*`, `FLOW_RESULT_*`, `FLOW_INPUT_*` or `FLOW_ITEM` value longer than this is left
 * out of the environment (it stays in the `FLOW_CONTEXT` file): Linux limits one variable to
 * 128 KiB and all of them together to about 2 MB, and a command that cannot start helps no one.
 */
export const MAX_ENV_VALUE_BYTES = 32_768;

/** An environment variable name for a parameter, task or input name. */
export function envName(prefix: string, name: string): string {
    return `${prefix}${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** A command ready to run: the text for `sh -c`, and the variables its placeholders became. */
export interface PreparedCommand {
    command: string;
    /** `FLOW_VALUE_1` ... in the order the placeholders appear. */
    values: Record<string, string>;
}

/** Where a placeholder sits in a command; `unknown` after constructs the scanner does not follow. */
type QuoteContext = 'unquoted' | 'single' | 'double' | 'unknown';

/**
 * Where each placeholder of a command template sits: outside quotes, in single quotes or in
 * double quotes, following comments, `$(...)` and backticks (which start a fresh command).
 * Offsets are those `interpolate` passes to its `format`.
 *
 * Getting this wrong cannot run code (an expanded variable is never parsed again), but it can
 * leave a value unquoted, split into words and globbed. So after constructs whose quoting this
 * scanner does not follow (here-documents, `case`, whose `)` looks like the end of a `$(...)`,
 * `$'...'`, quotes nested in `${...}`), a placeholder's context is `unknown` and refused.
 */
function placeholderContexts(template: string): Map<number, QuoteContext> {
    const contexts = new Map<number, QuoteContext>();
    /** One frame per nested command: its quoting, and how many `(` of it are open (for `$( (a) )`). */
    const frames: Array<{ quote: Exclude<QuoteContext, 'unknown'>; parens: number; closer: ')' | '`' | undefined }> = [
        { quote: 'unquoted', parens: 0, closer: undefined }
    ];
    const placeholder = /\{\{[^{}]*\}\}/y;
    const unknownFrom = template.search(/<<|\bcase\b|\$'|\$\{[^}]*["'`]/);
    for (let index = 0; index < template.length; index++) {
        const frame = frames[frames.length - 1];
        placeholder.lastIndex = index;
        if (placeholder.test(template)) {
            contexts.set(index, unknownFrom !== -1 && index > unknownFrom ? 'unknown' : frame.quote);
            index = placeholder.lastIndex - 1;
            continue;
        }
        const char = template[index];
        if (frame.quote === 'single') {
            if (char === "'") frame.quote = 'unquoted';
            continue;
        }
        if (char === '\\') {
            index++;
            continue;
        }
        if (char === '$' && template[index + 1] === '(') {
            frames.push({ quote: 'unquoted', parens: 0, closer: ')' });
            index++;
            continue;
        }
        if (char === '`') {
            if (frame.closer === '`' && frame.quote === 'unquoted') frames.pop();
            else frames.push({ quote: 'unquoted', parens: 0, closer: '`' });
            continue;
        }
        if (frame.quote === 'double') {
            if (char === '"') frame.quote = 'unquoted';
            continue;
        }
        if (char === '#' && (index === 0 || /[\s;&|()]/.test(template[index - 1]))) {
            // A comment: its quotes are not quotes. It ends at the end of the line.
            const newline = template.indexOf('\n', index);
            index = newline === -1 ? template.length : newline;
        } else if (char === "'") frame.quote = 'single';
        else if (char === '"') frame.quote = 'double';
        else if (char === '(') frame.parens++;
        else if (char === ')') {
            if (frame.parens > 0) frame.parens--;
            else if (frame.closer === ')') frames.pop();
        }
    }
    return contexts;
}

/**
 * Replaces the placeholders of a command template by references to `FLOW_VALUE_<n>` variables,
 * written for the quotes each one sits in (`"${V}"` outside quotes, `${V}` inside double quotes,
 * `'"${V}"'` inside single quotes), and returns the values those variables hold.
 */
export function prepareCommand(template: string, request: RunnerContext['request']): PreparedCommand {
    const contexts = placeholderContexts(template);
    const values: Record<string, string> = {};
    let count = 0;
    const command = interpolate(template, { params: request.params, upstream: request.upstream, item: request.item?.value }, (value, offset) => {
        const name = `FLOW_VALUE_${++count}`;
        values[name] = plainText(value);
        if (values[name].includes('\0')) {
            throw TaskFailure.nonRetryable(
                `placeholder ${count} of "${template}" has a value with a NUL character, which no command can receive; remove it from the value`,
                'validation_failed');
        }
        switch (contexts.get(offset) ?? 'unknown') {
            case 'unquoted': return `"\${${name}}"`;
            case 'double': return `\${${name}}`;
            case 'single': return `'"\${${name}}"'`;
            case 'unknown': throw TaskFailure.nonRetryable(
                `cannot tell whether placeholder ${count} of "${template}" sits inside quotes: it follows a here-document, case, $'...' ` +
                'or quotes inside ${...}; move that part of the command into a script and pass the value as an argument, ' +
                'or read it in the command from $FLOW_PARAM_<NAME> or the $FLOW_CONTEXT file', 'validation_failed');
        }
    });
    return { command, values };
}

function envValue(value: Json): string {
    return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Process trees still running in this process, killed if the host exits before they end. */
const runningTrees = new Set<ProcessTree>();
let contextDir: string | undefined;
let contextFiles = 0;
let exitHookInstalled = false;

function installExitHook(): void {
    if (exitHookInstalled) return;
    exitHookInstalled = true;
    // Commands lead process groups of their own, so they would outlive a host that exits; take them along.
    process.once('exit', () => {
        for (const tree of runningTrees) tree.signal('SIGKILL');
        if (contextDir) rmSync(contextDir, { recursive: true, force: true });
    });
}

/**
 * Writes an attempt's context file into a folder only this user can read (values may be
 * secrets), created once per process with a name no one else can predict.
 */
function writeContextFile(task: string, content: string): string {
    for (let tries = 0; ; tries++) {
        contextDir ??= mkdtempSync(join(tmpdir(), 'flow-shell-'));
        const file = join(contextDir, `${++contextFiles}-${task.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`);
        try {
            writeFileSync(file, content, { mode: 0o600, flag: 'wx' });
            return file;
        } catch (error) {
            // Someone removed the temporary folder (a cleaner of /tmp): make a new one, once.
            if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || tries > 0) throw error;
            contextDir = undefined;
        }
    }
}

export class ShellRunner implements TaskRunner {
    readonly kind = 'shell';
    private readonly live = new Set<ProcessTree>();
    private readonly tailBytes: number;
    private readonly maxResultBytes: number;
    private readonly killGraceMs: number;
    private readonly shell: string;
    private readonly inheritEnv: readonly string[];

    constructor(options: ShellRunnerOptions = {}) {
        this.tailBytes = options.tailBytes ?? 65_536;
        this.maxResultBytes = options.maxResultBytes ?? 1_048_576;
        this.killGraceMs = options.killGraceMs ?? 2000;
        this.shell = options.shell ?? '/bin/sh';
        this.inheritEnv = [...INHERITED_ENV, ...options.inheritEnv ?? []];
    }

    async run(context: RunnerContext): Promise<Json> {
        const { request, signal } = context;
        if (request.runner.kind !== 'shell') throw TaskFailure.nonRetryable(`the shell runner cannot run a ${request.runner.kind} runner`, 'runner_error');
        signal.throwIfAborted();
        const prepared = prepareCommand(request.runner.command, request);
        try {
            if (!statSync(context.workflowDir).isDirectory()) throw new Error('not a folder');
        } catch {
            throw TaskFailure.nonRetryable(`cannot run "${request.runner.command}": the workflow's folder ${context.workflowDir} does not exist`, 'runner_error');
        }
        const contextFile = writeContextFile(request.task, JSON.stringify({
            runId: request.runId, workflow: request.workflow, purpose: request.purpose, task: request.task, type: request.type ?? null,
            attempt: request.attempt, agent: request.agent ?? null, item: request.item ?? null,
            params: request.params, upstream: request.upstream, inputs: request.inputs, metadata: request.metadata
        }));
        const usageFile = `${contextFile.slice(0, -'.json'.length)}.times`;
        try {
            const env = this.environment(context, contextFile, prepared.values);
            return await this.execute(measured(prepared.command, usageFile), env, context, usageFile);
        } finally {
            rmSync(contextFile, { force: true });
            rmSync(usageFile, { force: true });
        }
    }

    /** Sends SIGKILL to everything still running that this runner started. */
    killAll(): void {
        for (const tree of this.live) tree.signal('SIGKILL');
    }

    private environment(context: RunnerContext, contextFile: string, values: Record<string, string>): NodeJS.ProcessEnv {
        const { request, log } = context;
        const env: NodeJS.ProcessEnv = {};
        for (const name of this.inheritEnv) if (process.env[name] !== undefined) env[name] = process.env[name];
        env.PATH ??= '/usr/local/bin:/usr/bin:/bin';
        env.HOME ??= tmpdir();
        const data = (name: string, value: Json): void => {
            const text = envValue(value);
            if (Buffer.byteLength(text) > MAX_ENV_VALUE_BYTES) {
                log.write(`[flow] ${name} is not set: its value has ${Buffer.byteLength(text)} bytes, more than ${MAX_ENV_VALUE_BYTES}; read it from the file $FLOW_CONTEXT\n`);
                return;
            }
            env[name] = text;
        };
        for (const [name, value] of Object.entries(request.params)) data(envName('FLOW_PARAM_', name), value);
        for (const [name, outcome] of Object.entries(request.upstream)) data(envName('FLOW_RESULT_', name), outcome.result);
        for (const [name, value] of Object.entries(request.inputs)) data(envName('FLOW_INPUT_', name), value);
        if (request.item) {
            data('FLOW_ITEM', request.item.value);
            env.FLOW_ITEM_INDEX = String(request.item.index);
        }
        Object.assign(env, {
            FLOW_RUN_ID: request.runId,
            FLOW_WORKFLOW: request.workflow,
            FLOW_WORKFLOW_DIR: context.workflowDir,
            FLOW_TASK: request.task,
            FLOW_ATTEMPT: String(request.attempt),
            FLOW_PURPOSE: request.purpose,
            FLOW_CONTEXT: contextFile
        }, values);
        if (request.agent !== undefined) env.FLOW_AGENT = request.agent;
        return env;
    }

    private execute(command: string, env: NodeJS.ProcessEnv, context: RunnerContext, usageFile: string): Promise<Json> {
        const { signal, log } = context;
        return new Promise<Json>((resolve, reject) => {
            const stdout = new OutputTail(this.tailBytes);
            const stderr = new OutputTail(this.tailBytes);
            const resultLine = new LastLine(this.maxResultBytes);
            let child: ChildProcess;
            try {
                child = spawn(this.shell, ['-c', command], {
                    cwd: context.workflowDir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe']
                });
            } catch (error) {
                reject(cannotStart(error as NodeJS.ErrnoException, this.shell));
                return;
            }
            const spawnedAt = performance.now();
            let wallMs = 0;
            // Without a pid the spawn failed; the 'error' event says why.
            const tree = child.pid !== undefined ? new ProcessTree(child.pid) : undefined;
            if (tree) {
                installExitHook();
                runningTrees.add(tree);
                this.live.add(tree);
            }
            let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
            let outputClosed = false;
            let stopping: 'no' | 'running' | 'done' = 'no';
            let pipeTimer: ReturnType<typeof setTimeout> | undefined;
            let settled = false;

            const stopTree = (): void => {
                if (!tree || stopping !== 'no') return;
                stopping = 'running';
                void tree.stop(this.killGraceMs).then(() => {
                    stopping = 'done';
                    tryFinish();
                });
            };
            const onAbort = (): void => stopTree();
            signal.addEventListener('abort', onAbort, { once: true });

            let paused = false;
            const forward = (tail: OutputTail, chunk: Buffer): void => {
                tail.push(chunk);
                if (log.write(chunk) === false && !paused && log.onceDrained) {
                    // The log file is behind: stop reading, so the pipe (and the command) waits instead of our memory growing.
                    paused = true;
                    child.stdout!.pause();
                    child.stderr!.pause();
                    log.onceDrained(() => {
                        paused = false;
                        child.stdout!.resume();
                        child.stderr!.resume();
                    });
                }
            };
            child.stdout!.on('data', (chunk: Buffer) => {
                resultLine.push(chunk);
                forward(stdout, chunk);
            });
            child.stderr!.on('data', (chunk: Buffer) => forward(stderr, chunk));

            const tryFinish = (): void => {
                if (settled || !exit || stopping === 'running') return;
                if (!outputClosed) {
                    // Everything we know of has ended, yet the output is still open: a process that left
                    // the group and its parent holds it. Do not wait for it forever.
                    pipeTimer ??= setTimeout(() => {
                        log.write('[flow] the output was still held open by a process outside the command\'s process group; stopped reading it\n');
                        child.stdout!.destroy();
                        child.stderr!.destroy();
                        outputClosed = true;
                        tryFinish();
                    }, 500);
                    return;
                }
                settled = true;
                clearTimeout(pipeTimer);
                signal.removeEventListener('abort', onAbort);
                if (tree) {
                    this.live.delete(tree);
                    runningTrees.delete(tree);
                }
                const usage = readUsage(usageFile, wallMs);
                if (usage) context.reportUsage?.(usage);
                if (signal.aborted) {
                    reject(signal.reason instanceof TaskFailure ? signal.reason : TaskFailure.cancelled('the attempt was stopped'));
                    return;
                }
                try {
                    resolve(outcomeOf(exit, stdout, stderr, resultLine, this.maxResultBytes));
                } catch (error) {
                    reject(error);
                }
            };

            child.on('error', error => {
                if (settled) return;
                settled = true;
                clearTimeout(pipeTimer);
                signal.removeEventListener('abort', onAbort);
                if (tree) {
                    tree.signal('SIGKILL');
                    this.live.delete(tree);
                    runningTrees.delete(tree);
                }
                reject(cannotStart(error as NodeJS.ErrnoException, this.shell));
            });
            child.on('exit', (code, exitSignal) => {
                exit = { code, signal: exitSignal };
                wallMs = Math.round(performance.now() - spawnedAt);
                if (!signal.aborted && tree?.alive()) {
                    const pids = tree.members();
                    const which = pids.length > 0 ? `${pids.length} process(es) running (pid ${pids.join(', ')})` : 'processes running in its process group';
                    log.write(`[flow] the command exited and left ${which}; stopping them\n`);
                    stopTree();
                }
                tryFinish();
            });
            child.on('close', () => {
                outputClosed = true;
                tryFinish();
            });
        });
    }
}

/**
 * The command with an EXIT trap that has the shell write `times` to `usageFile` as it exits:
 * the user and system CPU time of the shell and of every process it waited for (which includes
 * what those waited for). Node cannot ask the kernel for a child's resource usage, and the shell
 * is the one process that waits for all of the command's foreground work. On the command's own
 * line, so the shell's messages keep their line numbers; a syntax error on that line stops the
 * shell before the trap is set, exactly as before.
 */
function measured(command: string, usageFile: string): string {
    return `trap ${shellQuote(`times >${shellQuote(usageFile)}`)} EXIT; ${command}`;
}

function shellQuote(text: string): string {
    return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * The CPU time `times` wrote (two lines, the shell's and its children's, `<m>m<s>s` user and
 * system each), or undefined when the shell did not write it: it was killed, replaced itself
 * (`exec`), or the command set an EXIT trap of its own.
 */
function readUsage(usageFile: string, wallMs: number): ProcessUsage | undefined {
    let text: string;
    try {
        text = readFileSync(usageFile, 'utf8');
    } catch {
        return undefined;
    }
    const times = [...text.matchAll(/(\d+)m(\d+(?:\.\d+)?)s/g)].map(([, minutes, seconds]) => Number(minutes) * 60 + Number(seconds));
    if (times.length !== 4 || !times.every(Number.isFinite)) return undefined;
    return { cpuMs: Math.round(times.reduce((sum, value) => sum + value, 0) * 1000), wallMs };
}

/** The result of a command that exited, or the failure it is. */
function outcomeOf(
    exit: { code: number | null; signal: NodeJS.Signals | null },
    stdout: OutputTail, stderr: OutputTail, resultLine: LastLine, maxResultBytes: number
): Json {
    const details = { output: stdout.text(4096), stderr: stderr.text(4096) };
    const last = stderr.lastLine() ?? stdout.lastLine();
    const said = last ? `: ${last}` : '';
    if (exit.code === null) {
        const name = exit.signal ?? 'SIGKILL';
        const status = 128 + (constants.signals[name as keyof typeof constants.signals] ?? 0);
        throw TaskFailure.exitCode(status, `command was killed by ${name} (exit status ${status})${said}`, { ...details, signal: name });
    }
    if (exit.code === 127) {
        throw TaskFailure.exitCode(127, `command exited with code 127, the shell's code for a command it cannot find${said}; check the name and PATH`, details);
    }
    if (exit.code === 126) {
        throw TaskFailure.exitCode(126, `command exited with code 126, the shell's code for a file it cannot execute${said}; check its permissions (chmod +x)`, details);
    }
    if (exit.code !== 0) throw TaskFailure.exitCode(exit.code, `command exited with code ${exit.code}${said}`, details);

    const line = resultLine.line();
    if (line && !line.cut) {
        try {
            return JSON.parse(line.text) as Json;
        } catch {
            // Not JSON: the output itself is the result.
        }
    }
    if (line?.cut && /^\s*[[{"]/.test(line.text)) {
        throw TaskFailure.nonRetryable(
            `the last line of standard output, which looks like a JSON result, is longer than ${maxResultBytes} bytes, the most a result may have; ` +
            'write a large result to a file and print its path instead', 'validation_failed');
    }
    const result: Record<string, Json> = { exitCode: 0, output: stdout.text() };
    if (stdout.truncated) {
        result.truncated = true;
        result.outputBytes = stdout.total;
    }
    return result;
}

function cannotStart(error: NodeJS.ErrnoException, shell: string): TaskFailure {
    if (error.code === 'E2BIG') {
        return TaskFailure.nonRetryable(
            'cannot start the command: it and its environment are longer than the system allows; ' +
            'pass large values through files (the FLOW_CONTEXT file holds every value)', 'runner_error');
    }
    if (error.code === 'ENOENT') return TaskFailure.nonRetryable(`cannot start the command: the shell ${shell} does not exist`, 'runner_error');
    return TaskFailure.nonRetryable(`cannot start the command with ${shell}: ${error.message}`, 'runner_error');
}
