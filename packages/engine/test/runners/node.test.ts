import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Json } from '@flow/model';
import { describe, expect, it } from 'vitest';
import { TaskFailure } from '../../src/errors.js';
import { NodeRunner } from '../../src/runners/node.js';
import { attempt, context, failureOf, temporaryFolder } from './helpers.js';

const runner = new NodeRunner();

/** A workflow folder holding `files`. */
function workflowWith(files: Record<string, string>): string {
    const dir = temporaryFolder();
    for (const [name, text] of Object.entries(files)) {
        mkdirSync(join(dir, name, '..'), { recursive: true });
        writeFileSync(join(dir, name), text);
    }
    return dir;
}

function run(dir: string, module: string, exportName?: string, extra: Parameters<typeof attempt>[1] = {}, signal?: AbortSignal): Promise<Json> {
    const request = attempt({ kind: 'node', module, ...exportName ? { export: exportName } : {} }, extra);
    return runner.run(context(request, dir, signal ? { signal } : {}));
}

describe('node runner', () => {
    it('calls the default export, resolving the module against the workflow folder', async () => {
        const dir = workflowWith({ 'scripts/task.mjs': 'export default () => ({ answer: 42 });' });
        expect(await run(dir, './scripts/task.mjs')).toEqual({ answer: 42 });
    });

    it('calls the named export', async () => {
        const dir = workflowWith({ 'task.mjs': 'export default () => "default"; export const summarize = async () => "named";' });
        expect(await run(dir, 'task.mjs', 'summarize')).toBe('named');
    });

    it('gives the function params, inputs, upstream results, the item, the signal and a log', async () => {
        const dir = workflowWith({
            'task.mjs': `export default (context) => {
                context.log('hello from the module');
                return { params: context.params, inputs: context.inputs, upstream: context.upstream, item: context.item,
                         task: context.task, attempt: context.attempt, signal: context.signal instanceof AbortSignal };
            };`
        });
        const attemptContext = context(attempt({ kind: 'node', module: 'task.mjs' }, {
            params: { topic: 'AI' }, inputs: { depth: 2 }, upstream: { fetch: { status: 'completed', result: [1] } },
            item: { index: 0, value: { id: 'q1' } }, attempt: 3
        }), dir);
        expect(await runner.run(attemptContext)).toEqual({
            params: { topic: 'AI' }, inputs: { depth: 2 }, upstream: { fetch: { status: 'completed', result: [1] } },
            item: { id: 'q1' }, task: 'build', attempt: 3, signal: true
        });
        expect(attemptContext.log.text()).toBe('hello from the module\n');
    });

    it('turns undefined into null', async () => {
        const dir = workflowWith({ 'task.mjs': 'export default () => {};' });
        expect(await run(dir, 'task.mjs')).toBeNull();
    });

    it('fails with the message of what the module threw, as a runner_error', async () => {
        const dir = workflowWith({ 'task.mjs': 'export default async () => { throw new Error("quota exceeded"); };' });
        const failure = await failureOf(run(dir, 'task.mjs'));
        expect(failure.kind).toBe('runner_error');
        expect(failure.message).toBe('quota exceeded');
    });

    it('keeps the kind of an error that carries one, so a module chooses retries without importing the engine', async () => {
        const dir = workflowWith({
            'task.mjs': 'export default () => { throw Object.assign(new Error("service busy"), { kind: "agent_unavailable" }); };'
        });
        const failure = await failureOf(run(dir, 'task.mjs'));
        expect(failure.toJSON()).toEqual({ kind: 'agent_unavailable', message: 'service busy', nonRetryable: false });
    });

    it('fails clearly for a missing module and for a missing export', async () => {
        const dir = workflowWith({ 'task.mjs': 'export const other = () => 1;' });
        expect((await failureOf(run(dir, 'missing.mjs'))).message).toMatch(/cannot load module .*missing\.mjs: the file does not exist/);
        const noExport = await failureOf(run(dir, 'task.mjs'));
        expect(noExport.kind).toBe('validation_failed');
        expect(noExport.message).toContain('has no function export "default" (its function exports: other)');
    });

    it('rejects a result that JSON cannot hold', async () => {
        const dir = workflowWith({ 'task.mjs': 'export default () => ({ big: 1n });' });
        expect((await failureOf(run(dir, 'task.mjs'))).message).toMatch(/returned a value that is not JSON/);
    });

    it('settles with the abort reason as soon as the signal aborts, even when the function ignores it', async () => {
        const dir = workflowWith({
            'task.mjs': `export default () => { globalThis.flowNodeTestStarted?.(); return new Promise(() => {}); };`
        });
        const controller = new AbortController();
        const started = new Promise<void>(resolve => { (globalThis as { flowNodeTestStarted?: () => void }).flowNodeTestStarted = resolve; });
        const outcome = run(dir, 'task.mjs', undefined, {}, controller.signal);
        await started;
        const reason = TaskFailure.timeout(1000);
        controller.abort(reason);
        expect(await failureOf(outcome)).toBe(reason);
    });

    it('passes the abort to a function that listens for it', async () => {
        const dir = workflowWith({
            'task.mjs': `export default ({ signal }) => new Promise((resolve) => {
                globalThis.flowNodeTestListening?.();
                signal.addEventListener('abort', () => { globalThis.flowNodeTestSawAbort = true; resolve('stopped'); });
            });`
        });
        const controller = new AbortController();
        const globals = globalThis as { flowNodeTestListening?: () => void; flowNodeTestSawAbort?: boolean };
        const listening = new Promise<void>(resolve => { globals.flowNodeTestListening = resolve; });
        const outcome = run(dir, 'task.mjs', undefined, {}, controller.signal);
        await listening;
        controller.abort(TaskFailure.cancelled('test'));
        expect((await failureOf(outcome)).kind).toBe('cancelled');
        expect(globals.flowNodeTestSawAbort).toBe(true);
    });

    it('loads a module again when its file changed', async () => {
        const dir = workflowWith({ 'task.mjs': 'export default () => 1;' });
        expect(await run(dir, 'task.mjs')).toBe(1);
        writeFileSync(join(dir, 'task.mjs'), 'export default () => 2;');
        // A different modification time, whatever the file system's timestamp resolution.
        utimesSync(join(dir, 'task.mjs'), new Date(), new Date(Date.now() + 5000));
        expect(await run(dir, 'task.mjs')).toBe(2);
    });
});
