/**
 * The `node` runner: imports a module (a path relative to the workflow's folder) and calls its
 * default export, or the named `export`, with a `NodeTaskContext`. The function returns the
 * task's result (JSON; `undefined` is `null`) or throws. To choose the failure's kind, throw a
 * `TaskFailure` (`TaskFailure.retryable(message, 'agent_unavailable')`) or any error with a
 * string `kind` property (and optionally `nonRetryable: true`, `exitCode`), which needs no import
 * of the engine; any other error is a `runner_error` carrying its message.
 *
 * The function runs in the engine's own process, so it cannot be killed: it should stop when
 * `signal` aborts. Either way the attempt settles as stopped as soon as the signal aborts, and
 * whatever the function still returns is ignored.
 *
 * An ES module is loaded again when its file changed since it was last loaded, so a long-lived
 * host (the editor) runs the code as it is now; modules it imports are cached by Node as usual.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Json } from '@flow/model';
import { TaskFailure } from '../errors.js';
import type { UpstreamOutcome } from '../protocol.js';
import type { RunnerContext, TaskRunner } from './registry.js';

/** What a node runner module's function receives. */
export interface NodeTaskContext {
    /** The run's parameters. */
    params: Record<string, Json>;
    /** The task's `inputs`. */
    inputs: Record<string, Json>;
    /** Status and result of the tasks this one runs after. */
    upstream: Record<string, UpstreamOutcome>;
    /** The batch item, for an attempt of a batch item. */
    item?: Json;
    task: string;
    attempt: number;
    runId: string;
    /** The workflow's folder, the base of relative paths. */
    workflowDir: string;
    /** Aborted when the attempt must stop (timeout, cancellation); `signal.reason` says why. */
    signal: AbortSignal;
    /** Appends a line to the attempt's log. */
    log: (line: string) => void;
}

export class NodeRunner implements TaskRunner {
    readonly kind = 'node';

    async run(context: RunnerContext): Promise<Json> {
        const { request, signal } = context;
        if (request.runner.kind !== 'node') throw TaskFailure.nonRetryable(`the node runner cannot run a ${request.runner.kind} runner`, 'runner_error');
        const modulePath = resolve(context.workflowDir, request.runner.module);
        const exportName = request.runner.export ?? 'default';
        const callable = await loadFunction(modulePath, exportName);
        signal.throwIfAborted();
        const taskContext: NodeTaskContext = {
            params: request.params, inputs: request.inputs, upstream: request.upstream, item: request.item?.value,
            task: request.task, attempt: request.attempt, runId: request.runId, workflowDir: context.workflowDir, signal,
            log: line => { context.log.write(`${line}\n`); }
        };
        let onAbort: (() => void) | undefined;
        const aborted = new Promise<never>((_resolve, reject) => {
            onAbort = () => reject(signal.reason instanceof TaskFailure ? signal.reason : TaskFailure.cancelled('the attempt was stopped'));
            signal.addEventListener('abort', onAbort, { once: true });
        });
        try {
            // Called inside the race so that a synchronous throw is a failure like an asynchronous one.
            const value = await Promise.race([Promise.resolve().then(() => callable(taskContext)), aborted]);
            return toJson(value, modulePath, exportName);
        } catch (error) {
            throw failureOf(error);
        } finally {
            signal.removeEventListener('abort', onAbort!);
        }
    }
}

type TaskFunction = (context: NodeTaskContext) => unknown;

async function loadFunction(modulePath: string, exportName: string): Promise<TaskFunction> {
    let version: number;
    try {
        version = statSync(modulePath).mtimeMs;
    } catch {
        throw TaskFailure.nonRetryable(`cannot load module ${modulePath}: the file does not exist (a relative path starts from the workflow's folder)`, 'runner_error');
    }
    let loaded: Record<string, unknown>;
    try {
        // The query makes a changed file a new module; an unchanged one stays cached.
        loaded = await import(`${pathToFileURL(modulePath).href}?mtime=${version}`) as Record<string, unknown>;
    } catch (error) {
        throw TaskFailure.nonRetryable(`cannot load module ${modulePath}: ${(error as Error).message}`, 'runner_error');
    }
    const callable = loaded[exportName];
    if (typeof callable !== 'function') {
        const functions = Object.keys(loaded).filter(name => typeof loaded[name] === 'function');
        throw TaskFailure.nonRetryable(
            `module ${modulePath} has no function export "${exportName}" (its function exports: ${functions.length > 0 ? functions.join(', ') : 'none'}); ` +
            'export a function that takes { params, inputs, signal, log }', 'validation_failed');
    }
    return callable as TaskFunction;
}

/** A `TaskFailure` for what the module threw; errors with a `kind` keep it. */
function failureOf(error: unknown): TaskFailure {
    if (error instanceof TaskFailure) return error;
    if (error !== null && typeof error === 'object' && typeof (error as { kind?: unknown }).kind === 'string') {
        const typed = error as { kind: string; message?: unknown; nonRetryable?: unknown; exitCode?: unknown };
        return TaskFailure.fromJSON({
            kind: typed.kind,
            message: typeof typed.message === 'string' ? typed.message : String(error),
            nonRetryable: typed.nonRetryable === true,
            ...typeof typed.exitCode === 'number' ? { exitCode: typed.exitCode } : {}
        });
    }
    return TaskFailure.from(error);
}

/** The value as JSON (undefined is null); a value JSON cannot hold is a validation failure. */
function toJson(value: unknown, modulePath: string, exportName: string): Json {
    if (value === undefined) return null;
    try {
        return JSON.parse(JSON.stringify(value)) as Json;
    } catch (error) {
        throw TaskFailure.nonRetryable(`${exportName} of ${modulePath} returned a value that is not JSON: ${(error as Error).message}`, 'validation_failed');
    }
}
