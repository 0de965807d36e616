/**
 * The `node` runner: imports a module (relative to the workflow's folder) and calls its default
 * export, or the named `export`, with `{ params, inputs, upstream, item, signal, log, task,
 * attempt }`. The function returns the task's result (JSON) or throws; throw a `TaskFailure`
 * (`TaskFailure.retryable(message, kind)`) to choose the failure's kind, else the failure is a
 * `runner_error`. The function should stop when `signal` aborts; the attempt settles as stopped
 * at that moment either way.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Json } from '@flow/model';
import { TaskFailure } from '../errors.js';
import type { UpstreamOutcome } from '../protocol.js';
import type { RunnerContext, TaskRunner } from './registry.js';

/** What a node runner module's function receives. */
export interface NodeTaskArguments {
    params: Record<string, Json>;
    inputs: Record<string, Json>;
    upstream: Record<string, UpstreamOutcome>;
    item?: Json;
    task: string;
    attempt: number;
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
        let loaded: Record<string, unknown>;
        try {
            loaded = await import(pathToFileURL(modulePath).href) as Record<string, unknown>;
        } catch (error) {
            throw TaskFailure.nonRetryable(`cannot load module ${modulePath}: ${(error as Error).message}`, 'runner_error');
        }
        const exportName = request.runner.export ?? 'default';
        const callable = loaded[exportName];
        if (typeof callable !== 'function') {
            throw TaskFailure.nonRetryable(`module ${modulePath} has no function export "${exportName}": export one that takes { params, inputs, signal, log }`, 'validation_failed');
        }
        signal.throwIfAborted();
        const argumentsForTask: NodeTaskArguments = {
            params: request.params, inputs: request.inputs, upstream: request.upstream, item: request.item?.value,
            task: request.task, attempt: request.attempt, signal,
            log: line => context.log.write(`${line}\n`)
        };
        const aborted = new Promise<never>((_resolve, reject) => {
            signal.addEventListener('abort', () => reject(signal.reason instanceof TaskFailure ? signal.reason : TaskFailure.cancelled('stopped')), { once: true });
        });
        aborted.catch(() => undefined);
        const value = await Promise.race([(callable as (args: NodeTaskArguments) => unknown)(argumentsForTask), aborted]);
        return toJson(value, modulePath);
    }
}

/** The value as JSON (undefined is null); a value JSON cannot hold is a validation failure. */
function toJson(value: unknown, modulePath: string): Json {
    if (value === undefined) return null;
    try {
        return JSON.parse(JSON.stringify(value)) as Json;
    } catch (error) {
        throw TaskFailure.nonRetryable(`module ${modulePath} returned a value that is not JSON: ${(error as Error).message}`, 'validation_failed');
    }
}
