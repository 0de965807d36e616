/**
 * The `http` runner: sends a request with `fetch`. Placeholders in the URL are
 * percent-encoded; in headers and the body they are inserted as plain text. The result is the
 * response body as JSON when it parses, else `{ status, body }`. Failures are typed for retry
 * policies: 429 is `resource_exhausted`, 5xx and network errors are `agent_unavailable`, other
 * 4xx are `http_status`, and exceeding the runner's `timeout` is `timeout`.
 */
import type { Json } from '@flow/model';
import { TaskFailure } from '../errors.js';
import { interpolate, plainText } from '../interpolate.js';
import type { RunnerContext, TaskRunner } from './registry.js';

export interface HttpRunnerOptions {
    /** Most characters of a response body kept in a result or an error. @default 65536 */
    maxBodyChars?: number;
}

export class HttpRunner implements TaskRunner {
    readonly kind = 'http';
    private readonly maxBodyChars: number;

    constructor(options: HttpRunnerOptions = {}) {
        this.maxBodyChars = options.maxBodyChars ?? 65_536;
    }

    async run(context: RunnerContext): Promise<Json> {
        const { request, signal, clock } = context;
        const runner = request.runner;
        if (runner.kind !== 'http') throw TaskFailure.nonRetryable(`the http runner cannot run a ${runner.kind} runner`, 'runner_error');
        const values = { params: request.params, upstream: request.upstream, item: request.item?.value };
        const url = interpolate(runner.url, values, value => encodeURIComponent(plainText(value)));
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(runner.headers)) headers[name] = interpolate(plainText(value), values, plainText);
        const body = runner.body !== undefined ? interpolate(runner.body, values, plainText) : undefined;

        const controller = new AbortController();
        let timedOut = false;
        const onAbort = (): void => controller.abort(signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
        const timer = runner.timeoutMs !== undefined
            ? clock.setTimeout(() => { timedOut = true; controller.abort(); }, runner.timeoutMs)
            : undefined;
        try {
            signal.throwIfAborted();
            const response = await fetch(url, { method: runner.method.toUpperCase(), headers, body, signal: controller.signal });
            const text = (await response.text()).slice(0, this.maxBodyChars);
            context.log.write(`${runner.method.toUpperCase()} ${url} -> ${response.status}\n${text}\n`);
            if (!response.ok) {
                const message = `${runner.method.toUpperCase()} ${url} answered ${response.status} ${response.statusText}`;
                const details = { status: response.status, body: text };
                if (response.status === 429) throw TaskFailure.retryable(message, 'resource_exhausted', details);
                if (response.status >= 500) throw TaskFailure.retryable(message, 'agent_unavailable', details);
                throw TaskFailure.retryable(message, 'http_status', details);
            }
            try {
                return JSON.parse(text) as Json;
            } catch {
                return { status: response.status, body: text };
            }
        } catch (error) {
            if (error instanceof TaskFailure) throw error;
            if (signal.aborted) throw signal.reason instanceof TaskFailure ? signal.reason : TaskFailure.cancelled('stopped');
            if (timedOut) throw TaskFailure.retryable(`${runner.method.toUpperCase()} ${url} did not answer within ${runner.timeoutMs} ms`, 'timeout');
            const cause = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
            throw TaskFailure.retryable(`${runner.method.toUpperCase()} ${url} failed: ${cause}`, 'agent_unavailable');
        } finally {
            if (timer !== undefined) clock.clearTimeout(timer);
            signal.removeEventListener('abort', onAbort);
        }
    }
}
