/**
 * Result caching: the content-hash key (definition, parameters, upstream results), TTL, the
 * LRU bounds, `useCache: false`, and a hit that is always visible.
 */
import type { Json, TaskDef, WorkflowModel } from '@flow/model';
import { describe, expect, test } from 'vitest';
import { cacheKey, MemoryResultCache } from '../../src/cache.js';
import { VirtualClock } from '../../src/clock.js';
import type { RunOptions } from '../../src/run.js';
import { fail, ofType, ok, runScripted, task, workflow, type Script } from '../harness.js';

function cachedModel(fetch: Partial<TaskDef> = {}, ttlMs?: number): WorkflowModel {
    const run = { kind: 'echo', value: 'fetched {{param.topic}}' } as const;
    return workflow([task('source'), task('fetch', { after: ['source'], cache: { enabled: true, ttlMs }, run, ...fetch })], {
        params: [{ name: 'topic', type: { kind: 'string' }, default: 'ai' }]
    });
}

/** Runs a model twice against one cache and one clock; returns the second run. */
async function twice(first: WorkflowModel, second: WorkflowModel, options: { script?: Script; secondScript?: Script; gapMs?: number; secondOptions?: RunOptions; firstParams?: Record<string, Json>; secondParams?: Record<string, Json> } = {}) {
    const clock = new VirtualClock();
    const cache = new MemoryResultCache({ clock });
    await runScripted(first, options.script ?? { fetch: ok({ rows: 3 }) }, { clock, cache, params: options.firstParams });
    await clock.advance(options.gapMs ?? 0);
    return runScripted(second, options.secondScript ?? options.script ?? { fetch: ok({ rows: 3 }) },
        { clock, cache, params: options.secondParams, ...options.secondOptions });
}

const hits = (events: Parameters<typeof ofType>[0]) => ofType(events, 'task.cache_hit').map(event => event.task);

describe('hits and misses', () => {
    test('the same task, parameters and inputs hit: an event, fromCache in task.completed and the summary, and no attempt', async () => {
        const { events, dispatcher, result } = await twice(cachedModel(), cachedModel());
        expect(hits(events)).toEqual(['fetch']);
        expect(ofType(events, 'task.completed').find(event => event.task === 'fetch')).toMatchObject({ fromCache: true, result: { rows: 3 }, attempts: 0 });
        expect(result.tasks.find(summary => summary.id === 'fetch')).toMatchObject({ status: 'completed', fromCache: true, result: { rows: 3 } });
        expect(dispatcher.attempts.map(request => request.task)).toEqual(['source']);
    });

    test('a changed parameter misses', async () => {
        const { events } = await twice(cachedModel(), cachedModel(), { firstParams: { topic: 'ai' }, secondParams: { topic: 'robots' } });
        expect(hits(events)).toEqual([]);
    });

    test('a parameter the task does not see leaves its key, and its hit, unchanged', async () => {
        const unseen = (model: WorkflowModel): WorkflowModel => ({ ...model, params: [...model.params, { name: 'unused', type: { kind: 'string' }, default: 'a' }] });
        const { events } = await twice(unseen(cachedModel()), unseen(cachedModel()), { firstParams: { unused: 'a' }, secondParams: { unused: 'b' } });
        expect(hits(events)).toEqual(['fetch']);
    });

    test('a changed upstream result misses', async () => {
        const { events } = await twice(cachedModel(), cachedModel(), {
            script: { source: ok('v1'), fetch: ok(1) }, secondScript: { source: ok('v2'), fetch: ok(1) }
        });
        expect(hits(events)).toEqual([]);
    });

    test('a changed task definition misses', async () => {
        const { events } = await twice(cachedModel(), cachedModel({ run: { kind: 'shell', command: 'fetch --all' } }));
        expect(hits(events)).toEqual([]);
    });

    test('an expired entry misses; one just inside its TTL hits', async () => {
        const inside = await twice(cachedModel({}, 1000), cachedModel({}, 1000), { gapMs: 999 });
        expect(hits(inside.events)).toEqual(['fetch']);
        const expired = await twice(cachedModel({}, 1000), cachedModel({}, 1000), { gapMs: 1000 });
        expect(hits(expired.events)).toEqual([]);
    });

    test("the cache policy's TTL applies when the task has none", async () => {
        const withPolicy = (): WorkflowModel => ({ ...cachedModel(), policies: { ...cachedModel().policies, cache: { types: [], ttlMs: 500 } } });
        const { events } = await twice(withPolicy(), withPolicy(), { gapMs: 500 });
        expect(hits(events)).toEqual([]);
    });

    test('a failed task is not cached', async () => {
        const { events } = await twice(cachedModel(), cachedModel(), { script: { fetch: fail('boom') }, secondScript: { fetch: ok() } });
        expect(hits(events)).toEqual([]);
    });

    test('useCache: false neither looks up nor stores', async () => {
        const { events, dispatcher } = await twice(cachedModel(), cachedModel(), { secondOptions: { useCache: false } });
        expect(hits(events)).toEqual([]);
        expect(dispatcher.attempts.map(request => request.task)).toEqual(['source', 'fetch']);
    });

    test('a task that is not cacheable always runs', async () => {
        const { events } = await twice(cachedModel({ cache: { enabled: false } }), cachedModel({ cache: { enabled: false } }));
        expect(hits(events)).toEqual([]);
    });
});

describe('the key', () => {
    const base = task('t', { inputs: { a: 1, b: { c: 2, d: 3 } } });

    test('is a content hash: the same content in another key order gives the same key', () => {
        const reordered = { ...base, inputs: { b: { d: 3, c: 2 }, a: 1 } };
        expect(cacheKey(reordered, { x: 1, y: 2 }, { up: 'r' })).toBe(cacheKey(base, { y: 2, x: 1 }, { up: 'r' }));
        expect(cacheKey(base, {}, {})).toMatch(/^[0-9a-f]{64}$/);
    });

    test("ignores where the task was declared, and covers everything else", () => {
        const moved = { ...base, source: { file: 'other.flow', line: 9, column: 1 } };
        expect(cacheKey(moved, {}, {})).toBe(cacheKey(base, {}, {}));
        expect(cacheKey({ ...base, inputs: { a: 2 } }, {}, {})).not.toBe(cacheKey(base, {}, {}));
        expect(cacheKey(base, { p: 1 }, {})).not.toBe(cacheKey(base, { p: 2 }, {}));
        expect(cacheKey(base, {}, { up: 1 })).not.toBe(cacheKey(base, {}, { up: 2 }));
    });
});

describe('bounds', () => {
    const clock = new VirtualClock();

    test('past the entry bound, the least recently used entry goes', () => {
        const cache = new MemoryResultCache({ clock, maxEntries: 2 });
        cache.set('a', 1);
        cache.set('b', 2);
        cache.get('a');
        cache.set('c', 3);
        expect([cache.get('a')?.value, cache.get('b'), cache.get('c')?.value]).toEqual([1, undefined, 3]);
        expect(cache.size).toBe(2);
    });

    test('past the byte bound, the least recently used entries go until the rest fit', () => {
        // Sizes are of the JSON text: "xxx" is 5 bytes, "zzzzzz" 8.
        const cache = new MemoryResultCache({ clock, maxBytes: 14 });
        cache.set('a', 'xxx');
        cache.set('b', 'yyy');
        cache.set('c', 'zzzzzz');
        expect([cache.get('a'), cache.get('b')?.value, cache.get('c')?.value]).toEqual([undefined, 'yyy', 'zzzzzz']);
        expect(cache.totalBytes).toBe(13);
    });

    test('a result larger than the whole cache is not stored and evicts nothing', () => {
        const cache = new MemoryResultCache({ clock, maxBytes: 10 });
        cache.set('a', 'x');
        cache.set('huge', 'x'.repeat(20));
        expect([cache.get('a')?.value, cache.get('huge')]).toEqual(['x', undefined]);
    });
});
