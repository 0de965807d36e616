/**
 * Demonstration built-ins: `sleep` waits, `echo` returns a value, `fail` fails. They do no real
 * work, and every event and view labels tasks that use them as demo built-ins
 * (`DEMO_RUNNER_KINDS`), so a run of them is never mistaken for real work.
 */
import type { Json } from '@flow/model';
import { TaskFailure } from '../errors.js';
import { interpolate, plainText } from '../interpolate.js';
import type { RunnerContext, TaskRunner } from './registry.js';

export class SleepRunner implements TaskRunner {
    readonly kind = 'sleep';

    run(context: RunnerContext): Promise<Json> {
        const { request, signal, clock } = context;
        if (request.runner.kind !== 'sleep') throw TaskFailure.nonRetryable(`the sleep runner cannot run a ${request.runner.kind} runner`, 'runner_error');
        const ms = request.runner.ms;
        return new Promise<Json>((resolve, reject) => {
            if (signal.aborted) {
                reject(signal.reason);
                return;
            }
            const handle = clock.setTimeout(() => {
                signal.removeEventListener('abort', onAbort);
                resolve({ sleptMs: ms });
            }, ms);
            const onAbort = (): void => {
                clock.clearTimeout(handle);
                reject(signal.reason instanceof TaskFailure ? signal.reason : TaskFailure.cancelled('stopped'));
            };
            signal.addEventListener('abort', onAbort, { once: true });
        });
    }
}

export class EchoRunner implements TaskRunner {
    readonly kind = 'echo';

    async run(context: RunnerContext): Promise<Json> {
        const { request } = context;
        if (request.runner.kind !== 'echo') throw TaskFailure.nonRetryable(`the echo runner cannot run a ${request.runner.kind} runner`, 'runner_error');
        const value = request.runner.value;
        if (typeof value !== 'string') return value;
        return interpolate(value, { params: request.params, upstream: request.upstream, item: request.item?.value }, plainText);
    }
}

export class FailRunner implements TaskRunner {
    readonly kind = 'fail';

    async run(context: RunnerContext): Promise<Json> {
        const { request } = context;
        const runner = request.runner;
        if (runner.kind !== 'fail') throw TaskFailure.nonRetryable(`the fail runner cannot run a ${runner.kind} runner`, 'runner_error');
        const message = interpolate(runner.message, { params: request.params, upstream: request.upstream, item: request.item?.value }, plainText);
        if (runner.exitCode !== undefined && runner.errorKind === undefined) throw TaskFailure.exitCode(runner.exitCode, message);
        throw TaskFailure.retryable(message, runner.errorKind ?? 'demo_failure');
    }
}
