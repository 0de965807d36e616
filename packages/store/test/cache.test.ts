import { describe, expect, test } from 'vitest';
import type { StoreOptions } from '../src/types.js';
import { openStore, stateDir } from './helpers.js';

/** A clock the test moves by hand. */
function manualClock(start = 1_000): { now(): number; advance(ms: number): void } {
    let time = start;
    return { now: () => time, advance: ms => { time += ms; } };
}

async function cacheIn(dir: string, options: StoreOptions = {}) {
    return (await openStore(dir, options)).cache;
}

describe('the persistent results cache', () => {
    test('an entry comes back with the time it was stored', async () => {
        const clock = manualClock(5_000);
        const cache = await cacheIn(stateDir(), { clock });
        await cache.set('k', { rows: [1, 2] });
        expect(await cache.get('k')).toEqual({ value: { rows: [1, 2] }, storedAt: 5_000 });
        expect(await cache.get('other')).toBeUndefined();
    });

    test('an entry lives for its TTL and not a millisecond longer', async () => {
        const clock = manualClock();
        const cache = await cacheIn(stateDir(), { clock });
        await cache.set('k', 1, 100);
        clock.advance(99);
        expect(await cache.get('k')).toBeDefined();
        clock.advance(1);
        expect(await cache.get('k')).toBeUndefined();
    });

    test('entries survive closing and reopening, TTL included', async () => {
        const dir = stateDir();
        const clock = manualClock();
        const store = await openStore(dir, { clock });
        await store.cache.set('forever', 'a');
        await store.cache.set('brief', 'b', 50);
        await store.close();
        clock.advance(50);
        const cache = await cacheIn(dir, { clock });
        expect(await cache.get('forever')).toEqual({ value: 'a', storedAt: 1_000 });
        expect(await cache.get('brief')).toBeUndefined();
    });

    test('past maxEntries the least recently used entry goes', async () => {
        const cache = await cacheIn(stateDir(), { cache: { maxEntries: 2 } });
        await cache.set('a', 1);
        await cache.set('b', 2);
        await cache.get('a');
        await cache.set('c', 3);
        expect([await cache.get('a'), await cache.get('b'), await cache.get('c')].map(entry => entry?.value)).toEqual([1, undefined, 3]);
    });

    test('past maxBytes the least recently used entries go until the new one fits', async () => {
        // Each value is 10 bytes of JSON: "xxxxxxxx".
        const cache = await cacheIn(stateDir(), { cache: { maxBytes: 25 } });
        await cache.set('a', 'aaaaaaaa');
        await cache.set('b', 'bbbbbbbb');
        await cache.set('c', 'cccccccc');
        expect([await cache.get('a'), await cache.get('b'), await cache.get('c')].map(entry => entry?.value)).toEqual([undefined, 'bbbbbbbb', 'cccccccc']);
    });

    test('a value larger than the whole cache is not stored and evicts nothing', async () => {
        const cache = await cacheIn(stateDir(), { cache: { maxBytes: 25 } });
        await cache.set('small', 'ssss');
        await cache.set('huge', 'x'.repeat(40));
        expect(await cache.get('huge')).toBeUndefined();
        expect(await cache.get('small')).toBeDefined();
    });

    test('the order of use survives reopening: the entry used last is kept', async () => {
        const dir = stateDir();
        const store = await openStore(dir, { cache: { maxEntries: 2 } });
        await store.cache.set('a', 1);
        await store.cache.set('b', 2);
        await store.cache.get('a');
        await store.close();
        const cache = await cacheIn(dir, { cache: { maxEntries: 2 } });
        await cache.set('c', 3);
        expect((await cache.get('a'))?.value).toBe(1);
        expect(await cache.get('b')).toBeUndefined();
    });

    test('setting a key again replaces its value and its TTL', async () => {
        const clock = manualClock();
        const cache = await cacheIn(stateDir(), { clock });
        await cache.set('k', 'old', 10);
        await cache.set('k', 'new');
        clock.advance(1_000);
        expect((await cache.get('k'))?.value).toBe('new');
    });

    test('a read-only store reads the cache but cannot write it', async () => {
        const dir = stateDir();
        const writer = await openStore(dir);
        await writer.cache.set('k', 1);
        const reader = await openStore(dir, { readOnly: true });
        expect((await reader.cache.get('k'))?.value).toBe(1);
        expect(() => reader.cache.set('k', 2)).toThrow('The store was opened read-only: the results cache cannot be written.');
    });
});
