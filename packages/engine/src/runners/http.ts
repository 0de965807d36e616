/**
 * The `http` runner: sends one request with `fetch` and turns the answer into a result or a
 * typed failure (docs/runners.md has the table).
 *
 * Placeholders are escaped for where they land: percent-encoded in the URL; in a JSON body,
 * JSON-escaped inside a string literal and written as a JSON value outside one (so
 * `{"topic": "{{param.topic}}", "n": {{param.n}}}` stays valid JSON whatever the values hold);
 * percent-encoded in a form body; as plain text in headers and other bodies. A JSON body without
 * a `content-type` header is sent as `application/json`.
 *
 * The result is the response body as JSON when it parses, else `{ status, body }` with the body
 * as text. At most `maxBodyBytes` of a body are read, so a huge answer cannot fill memory; a cut
 * body is marked `truncated: true`.
 */
import type { Json } from '@flow/model';
import { TaskFailure } from '../errors.js';
import { interpolate, plainText } from '../interpolate.js';
import type { RunnerContext, TaskRunner } from './registry.js';

export interface HttpRunnerOptions {
    /** Most bytes of a response body read; the rest is not downloaded. @default 1048576 */
    maxBodyBytes?: number;
}

/** Characters of a response body kept in a failure's details (events and journals carry them). */
const ERROR_BODY_CHARS = 4096;

type BodyEncoding = 'json' | 'form' | 'text';

function headerValue(headers: Record<string, string>, name: string): string | undefined {
    const key = Object.keys(headers).find(candidate => candidate.toLowerCase() === name);
    return key === undefined ? undefined : headers[key];
}

/** Offsets of the placeholders of a JSON template that sit inside a string literal. */
function placeholdersInStrings(template: string): Set<number> {
    const inside = new Set<number>();
    const placeholder = /\{\{[^{}]*\}\}/y;
    let inString = false;
    for (let index = 0; index < template.length; index++) {
        placeholder.lastIndex = index;
        if (placeholder.test(template)) {
            if (inString) inside.add(index);
            index = placeholder.lastIndex - 1;
            continue;
        }
        const char = template[index];
        if (inString && char === '\\') index++;
        else if (char === '"') inString = !inString;
    }
    return inside;
}

/** How a body template's placeholders are escaped, and whether the body is JSON. */
function bodyEncoding(template: string, contentType: string | undefined): BodyEncoding {
    if (contentType !== undefined) {
        if (/json/i.test(contentType)) return 'json';
        if (/x-www-form-urlencoded/i.test(contentType)) return 'form';
        return 'text';
    }
    return /^\s*[[{]/.test(template) ? 'json' : 'text';
}

function renderBody(template: string, encoding: BodyEncoding, values: Parameters<typeof interpolate>[1]): string {
    switch (encoding) {
        case 'form': return interpolate(template, values, value => encodeURIComponent(plainText(value)));
        case 'text': return interpolate(template, values, plainText);
        case 'json': {
            const inStrings = placeholdersInStrings(template);
            return interpolate(template, values, (value, offset) =>
                inStrings.has(offset) ? JSON.stringify(plainText(value)).slice(1, -1) : JSON.stringify(value));
        }
    }
}

export class HttpRunner implements TaskRunner {
    readonly kind = 'http';
    private readonly maxBodyBytes: number;

    constructor(options: HttpRunnerOptions = {}) {
        this.maxBodyBytes = options.maxBodyBytes ?? 1_048_576;
    }

    async run(context: RunnerContext): Promise<Json> {
        const { request, signal, clock } = context;
        const runner = request.runner;
        if (runner.kind !== 'http') throw TaskFailure.nonRetryable(`the http runner cannot run a ${runner.kind} runner`, 'runner_error');
        const values = { params: request.params, upstream: request.upstream, item: request.item?.value };
        const method = runner.method.toUpperCase();
        const url = interpolate(runner.url, values, value => encodeURIComponent(plainText(value)));
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(runner.headers)) headers[name] = interpolate(plainText(value), values, plainText);
        let body: string | undefined;
        if (runner.body !== undefined) {
            const encoding = bodyEncoding(runner.body, headerValue(headers, 'content-type'));
            body = renderBody(runner.body, encoding, values);
            if (encoding === 'json' && headerValue(headers, 'content-type') === undefined) headers['content-type'] = 'application/json';
        }
        const what = `${method} ${url}`;

        const controller = new AbortController();
        let timedOut = false;
        const onAbort = (): void => controller.abort(signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
        const timer = runner.timeoutMs !== undefined
            ? clock.setTimeout(() => { timedOut = true; controller.abort(); }, runner.timeoutMs)
            : undefined;
        try {
            signal.throwIfAborted();
            const outgoing = buildRequest(url, { method, headers, body, signal: controller.signal }, what);
            const response = await fetch(outgoing);
            const { text, truncated } = await readBody(response, this.maxBodyBytes);
            context.log.write(`${what} -> ${response.status} ${response.statusText}${truncated ? ` (body cut after ${this.maxBodyBytes} bytes)` : ''}\n${text}\n`);
            if (!response.ok) throw statusFailure(what, response, text);
            if (!truncated) {
                try {
                    return JSON.parse(text) as Json;
                } catch {
                    // Not JSON: the text is the result.
                }
            }
            const result: Record<string, Json> = { status: response.status, body: text };
            if (truncated) result.truncated = true;
            return result;
        } catch (error) {
            if (error instanceof TaskFailure) throw error;
            if (signal.aborted) throw signal.reason instanceof TaskFailure ? signal.reason : TaskFailure.cancelled('the attempt was stopped');
            if (timedOut) throw TaskFailure.retryable(`${what} did not answer within ${runner.timeoutMs} ms`, 'timeout');
            const cause = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
            throw TaskFailure.retryable(`${what} failed: ${cause}`, 'agent_unavailable');
        } finally {
            if (timer !== undefined) clock.clearTimeout(timer);
            signal.removeEventListener('abort', onAbort);
        }
    }
}

/** The request, or a non-retryable failure for a URL, method, header or body that can never be sent. */
function buildRequest(url: string, init: RequestInit, what: string): Request {
    let parsed: URL;
    try {
        parsed = new URL(url);
    } catch {
        throw TaskFailure.nonRetryable(`${what}: "${url}" is not a URL; write an absolute http:// or https:// URL`, 'validation_failed');
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
        throw TaskFailure.nonRetryable(`${what}: the http runner sends http:// and https:// requests, not ${parsed.protocol}`, 'validation_failed');
    }
    try {
        return new Request(parsed, init);
    } catch (error) {
        throw TaskFailure.nonRetryable(`${what} cannot be sent: ${(error as Error).message}`, 'validation_failed');
    }
}

/** Reads at most `maxBytes` of the body, cancelling the rest of the download. */
async function readBody(response: Response, maxBytes: number): Promise<{ text: string; truncated: boolean }> {
    if (!response.body) return { text: '', truncated: false };
    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    let truncated = false;
    for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (size + value.length > maxBytes) {
            chunks.push(value.subarray(0, maxBytes - size));
            size = maxBytes;
            truncated = true;
            await reader.cancel();
            break;
        }
        chunks.push(value);
        size += value.length;
    }
    const text = new TextDecoder().decode(Buffer.concat(chunks));
    return { text: truncated ? text.replace(/\uFFFD+$/, '') : text, truncated };
}

/**
 * The failure for a status that is not 2xx. What the server may answer differently when asked
 * again is retryable, each under the kind a retry policy names: 408 `timeout`, 429
 * `resource_exhausted`, 5xx `agent_unavailable`. Other statuses (4xx, 501, 505, a 3xx not
 * followed) say the request itself is wrong, so they are `http_status` and never retried.
 */
function statusFailure(what: string, response: Response, text: string): TaskFailure {
    const status = response.status;
    const message = `${what} answered ${status} ${response.statusText}`.trimEnd();
    const details: Record<string, Json> = { status, body: text.slice(0, ERROR_BODY_CHARS) };
    const retryAfter = response.headers.get('retry-after');
    if (retryAfter !== null) details.retryAfter = retryAfter;
    if (status === 408) return TaskFailure.retryable(message, 'timeout', details);
    if (status === 429) return TaskFailure.retryable(message, 'resource_exhausted', details);
    if (status >= 500 && status !== 501 && status !== 505) return TaskFailure.retryable(message, 'agent_unavailable', details);
    return TaskFailure.nonRetryable(message, 'http_status', details);
}
