/**
 * Demonstration built-ins: `sleep` waits, `echo` returns a value, `fail` fails. They do no real
 * work, and say so: every event and view labels tasks that use them as demo built-ins
 * (`DEMO_RUNNER_KINDS`), and each writes a `[demo]` line to the attempt's log. Their behaviour
 * is still real, so tests and demos show what the engine does: `sleep` waits on the run's clock
 * and stops when told to, `fail` fails with exactly the kind and exit code it was given.
 */
import type { Json } from '@flow/model';
import { TaskFailure } from '../errors.js';
import { interpolate, plainText } from '../interpolate.js';
import type { RunnerContext, TaskRunner } from './registry.js';

function stopped(signal: AbortSignal): TaskFailure {
    return signal.reason instanceof TaskFailure ? signal.reason : TaskFailure.cancelled('the attempt was stopped');
}

export class SleepRunner implements TaskRunner {
    readonly kind = 'sleep';

    run(context: RunnerContext): Promise<Json> {
        const { request, signal, clock, log } = context;
        if (request.runner.kind !== 'sleep') throw TaskFailure.nonRetryable(`the sleep runner cannot run a ${request.runner.kind} runner`, 'runner_error');
        const ms = request.runner.ms;
        return new Promise<Json>((resolve, reject) => {
            if (signal.aborted) {
                reject(stopped(signal));
                return;
            }
            log.write(`[demo] sleep ${ms} ms (a built-in that waits and does no work)\n`);
            const onAbort = (): void => {
                clock.clearTimeout(handle);
                reject(stopped(signal));
            };
            const handle = clock.setTimeout(() => {
                signal.removeEventListener('abort', onAbort);
                resolve({ sleptMs: ms });
            }, ms);
            signal.addEventListener('abort', onAbort, { once: true });
        });
    }
}

export class EchoRunner implements TaskRunner {
    readonly kind = 'echo';

    async run(context: RunnerContext): Promise<Json> {
        const { request, log } = context;
        if (request.runner.kind !== 'echo') throw TaskFailure.nonRetryable(`the echo runner cannot run a ${request.runner.kind} runner`, 'runner_error');
        const value = request.runner.value;
        const result = typeof value === 'string'
            ? interpolate(value, { params: request.params, upstream: request.upstream, item: request.item?.value }, plainText)
            : value;
        log.write(`[demo] echo ${JSON.stringify(result)} (a built-in that returns its value and does no work)\n`);
        return result;
    }
}

export class FailRunner implements TaskRunner {
    readonly kind = 'fail';

    async run(context: RunnerContext): Promise<Json> {
        const { request, log } = context;
        const runner = request.runner;
        if (runner.kind !== 'fail') throw TaskFailure.nonRetryable(`the fail runner cannot run a ${runner.kind} runner`, 'runner_error');
        const message = interpolate(runner.message, { params: request.params, upstream: request.upstream, item: request.item?.value }, plainText);
        const kind = runner.errorKind ?? (runner.exitCode !== undefined ? 'exit_code' : 'demo_failure');
        log.write(`[demo] fail with ${kind}${runner.exitCode !== undefined ? ` (exit code ${runner.exitCode})` : ''}: ${message} (a built-in that fails on purpose)\n`);
        // Retryable, so a demo of the retry policy behaves as a real failure of that kind would.
        throw TaskFailure.fromJSON({
            kind, message, nonRetryable: false, details: { demo: true },
            ...runner.exitCode !== undefined ? { exitCode: runner.exitCode } : {}
        });
    }
}
