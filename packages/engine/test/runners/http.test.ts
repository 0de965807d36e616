import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Json, RunnerDef } from '@flow/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock.js';
import { TaskFailure } from '../../src/errors.js';
import { HttpRunner } from '../../src/runners/http.js';
import { attempt, context, failureOf, temporaryFolder } from './helpers.js';

interface Received {
    method: string;
    url: string;
    headers: IncomingMessage['headers'];
    body: string;
}

/** Routes of the test server, by path; each sees the request as received. */
const routes: Record<string, (request: Received, response: ServerResponse) => void> = {
    '/echo': (request, response) => json(response, 200, request),
    '/text': (_request, response) => { response.writeHead(200, { 'content-type': 'text/plain' }); response.end('plain words'); },
    '/large': (_request, response) => { response.writeHead(200); response.end('x'.repeat(1_000_000)); },
    '/status': (request, response) => {
        const status = Number(new URL(request.url, 'http://x').searchParams.get('code'));
        response.writeHead(status, status === 429 ? { 'retry-after': '30' } : {});
        response.end(`status ${status}`);
    },
    '/hang': () => { onHang?.(); },
};
let onHang: (() => void) | undefined;

function json(response: ServerResponse, status: number, value: unknown): void {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(value));
}

let server: Server;
let base: string;
beforeAll(async () => {
    server = createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', chunk => chunks.push(chunk));
        request.on('end', () => {
            const received = { method: request.method!, url: request.url!, headers: request.headers, body: Buffer.concat(chunks).toString() };
            const route = routes[new URL(request.url!, 'http://x').pathname];
            if (route) route(received, response);
            else json(response, 404, { error: 'no route' });
        });
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
    server.closeAllConnections();
    await new Promise(resolve => server.close(resolve));
});

const runner = new HttpRunner();

function http(def: Partial<Extract<RunnerDef, { kind: 'http' }>>, extra: Parameters<typeof attempt>[1] = {}, options: Parameters<typeof context>[2] = {}): Promise<Json> {
    const runnerDef: RunnerDef = { kind: 'http', method: 'get', url: `${base}/echo`, headers: {}, ...def };
    return runner.run(context(attempt(runnerDef, extra), temporaryFolder(), options));
}

describe('http runner: requests', () => {
    it('sends the method, headers and body, and returns the JSON response', async () => {
        const received = await http({
            method: 'put', headers: { 'x-api-key': 'k-{{param.key}}' }, body: 'plain {{param.key}}'
        }, { params: { key: 'abc' } }) as unknown as Received;
        expect(received.method).toBe('PUT');
        expect(received.headers['x-api-key']).toBe('k-abc');
        expect(received.body).toBe('plain abc');
    });

    it('JSON-escapes values in a JSON body: as text inside strings, as JSON values outside them', async () => {
        const received = await http({
            method: 'post', body: '{"topic": "{{param.topic}}", "limit": {{param.limit}}, "tags": {{param.tags}}, "who": {{param.who}}}'
        }, { params: { topic: 'say "hi"\n\\ \u0001', limit: 5, tags: ['a', 'b'], who: 'x", "admin": true, "y": "' } }) as unknown as Received;
        expect(JSON.parse(received.body)).toEqual({ topic: 'say "hi"\n\\ \u0001', limit: 5, tags: ['a', 'b'], who: 'x", "admin": true, "y": "' });
        expect(received.headers['content-type']).toBe('application/json');
    });

    it('keeps a content-type the workflow sets, and percent-encodes values in a form body', async () => {
        const received = await http({
            method: 'post', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'q={{param.q}}&page=1'
        }, { params: { q: 'a&page=99 b' } }) as unknown as Received;
        expect(received.headers['content-type']).toBe('application/x-www-form-urlencoded');
        expect(Object.fromEntries(new URLSearchParams(received.body))).toEqual({ q: 'a&page=99 b', page: '1' });
    });

    it('percent-encodes values in the URL, so a value cannot add query parameters or path segments', async () => {
        const received = await http({ url: `${base}/echo?q={{param.q}}` }, { params: { q: '../admin?x=1&y=2 z' } }) as unknown as Received;
        expect(new URL(received.url, base).searchParams.get('q')).toBe('../admin?x=1&y=2 z');
        expect(new URL(received.url, base).pathname).toBe('/echo');
    });

    it('returns { status, body } for a response that is not JSON', async () => {
        expect(await http({ url: `${base}/text` })).toEqual({ status: 200, body: 'plain words' });
    });

    it('reads at most maxBodyBytes of a response and says it cut it', async () => {
        const small = new HttpRunner({ maxBodyBytes: 1000 });
        const result = await small.run(context(attempt({ kind: 'http', method: 'get', url: `${base}/large`, headers: {} }), temporaryFolder()));
        expect(result).toEqual({ status: 200, body: 'x'.repeat(1000), truncated: true });
    });

    it('refuses a header value that would split the request', async () => {
        const failure = await failureOf(http({ headers: { 'x-note': '{{param.note}}' } }, { params: { note: 'a\r\nx-admin: yes' } }));
        expect(failure.kind).toBe('validation_failed');
        expect(failure.nonRetryable).toBe(true);
    });

    it('refuses a URL that is not http or https', async () => {
        const failure = await failureOf(http({ url: 'file:///etc/passwd' }));
        expect(failure.message).toContain('sends http:// and https:// requests, not file:');
    });
});

describe('http runner: failures', () => {
    it.each([
        [503, 'agent_unavailable', false],
        [500, 'agent_unavailable', false],
        [429, 'resource_exhausted', false],
        [408, 'timeout', false],
        [404, 'http_status', true],
        [400, 'http_status', true],
        [501, 'http_status', true]
    ])('maps status %i to %s (never retried: %s)', async (status, kind, nonRetryable) => {
        const failure = await failureOf(http({ url: `${base}/status?code=${status}` }));
        expect(failure.kind).toBe(kind);
        expect(failure.nonRetryable).toBe(nonRetryable);
        expect(failure.details).toMatchObject({ status, body: `status ${status}` });
        expect(failure.message).toMatch(new RegExp(`^GET ${base}/status\\?code=${status} answered ${status}`));
    });

    it('passes Retry-After on', async () => {
        const failure = await failureOf(http({ url: `${base}/status?code=429` }));
        expect(failure.details).toMatchObject({ retryAfter: '30' });
    });

    it('reports a refused connection as agent_unavailable', async () => {
        const closed = createServer();
        await new Promise<void>(resolve => closed.listen(0, '127.0.0.1', resolve));
        const port = (closed.address() as AddressInfo).port;
        await new Promise(resolve => closed.close(resolve));
        const failure = await failureOf(http({ url: `http://127.0.0.1:${port}/` }));
        expect(failure.kind).toBe('agent_unavailable');
        expect(failure.message).toContain('ECONNREFUSED');
    });

    it('reports a server that does not answer within the timeout as a timeout', async () => {
        const clock = new VirtualClock();
        const hanging = new Promise<void>(resolve => { onHang = resolve; });
        const outcome = http({ url: `${base}/hang`, timeoutMs: 5000 }, {}, { clock });
        outcome.catch(() => undefined);
        await hanging;
        await clock.advance(5000);
        const failure = await failureOf(outcome);
        expect(failure.kind).toBe('timeout');
        expect(failure.message).toBe(`GET ${base}/hang did not answer within 5000 ms`);
    });

    it('stops a request in flight when the signal aborts, with the abort reason', async () => {
        const controller = new AbortController();
        const hanging = new Promise<void>(resolve => { onHang = resolve; });
        const outcome = http({ url: `${base}/hang` }, {}, { signal: controller.signal });
        outcome.catch(() => undefined);
        await hanging;
        const reason = TaskFailure.cancelled('test');
        controller.abort(reason);
        expect(await failureOf(outcome)).toBe(reason);
    });
});
