/**
 * The engine's result cache, kept in the store's database and shared by every run on the state
 * directory: entries live for their TTL and the least recently used go first once the cache
 * holds more than `maxEntries` entries or `maxBytes` bytes of result JSON, as in the engine's
 * MemoryResultCache. Writes go through the journal like everything else; a hit's new place in
 * the LRU order is journaled without a sync, since losing it only makes an eviction less exact.
 */
import type { CacheEntry, ResultCache } from '@flow/engine';
import type { Json } from '@flow/model';
import { StoreError } from './errors.js';
import type { JournalRecord } from './records.js';
import type { Sql } from './sql.js';
import { byteLength, type Tables } from './tables.js';
import type { CacheOptions } from './types.js';

type Write = (record: DistributiveOmit<JournalRecord, 'n'>, sync: boolean) => void;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export class StoreResultCache implements ResultCache {
    readonly maxEntries: number;
    readonly maxBytes: number;

    /** @param write undefined for a read-only store: hits are not recorded, `set` is refused. */
    constructor(
        private readonly sql: Sql,
        private readonly tables: Tables,
        private readonly write: Write | undefined,
        private readonly clock: { now(): number },
        options: CacheOptions = {}
    ) {
        this.maxEntries = options.maxEntries ?? 10_000;
        this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    }

    get size(): number {
        return this.tables.cacheEntries;
    }

    get totalBytes(): number {
        return this.tables.cacheBytes;
    }

    get(key: string): CacheEntry | undefined {
        const row = this.sql.get('SELECT value, stored_at, expires_at FROM cache WHERE key = ?', [key]);
        if (!row) return undefined;
        if (row.expires_at !== null && Number(row.expires_at) <= this.clock.now()) {
            this.write?.({ k: 'cache.delete', keys: [key] }, false);
            return undefined;
        }
        this.write?.({ k: 'cache.use', key }, false);
        return { value: JSON.parse(row.value as string) as Json, storedAt: Number(row.stored_at) };
    }

    set(key: string, value: Json, ttlMs?: number): void {
        if (!this.write) throw new StoreError('The store was opened read-only: the results cache cannot be written.', 'read_only');
        const bytes = byteLength(value);
        // A result larger than the whole cache would only evict everything else.
        if (bytes > this.maxBytes) return;
        const previous = this.sql.get('SELECT bytes FROM cache WHERE key = ?', [key]);
        let entries = this.tables.cacheEntries + (previous ? 0 : 1);
        let total = this.tables.cacheBytes + bytes - (previous ? Number(previous.bytes) : 0);
        const evict: string[] = [];
        // Oldest use first, a page at a time: an eviction usually removes one entry of thousands.
        for (let after = -1; entries > this.maxEntries || total > this.maxBytes;) {
            const page = this.sql.all('SELECT key, bytes, used FROM cache WHERE used > ? AND key != ? ORDER BY used LIMIT 32', [after, key]);
            if (page.length === 0) break;
            for (const row of page) {
                if (entries <= this.maxEntries && total <= this.maxBytes) break;
                evict.push(row.key as string);
                entries--;
                total -= Number(row.bytes);
            }
            after = Number(page.at(-1)!.used);
        }
        const storedAt = this.clock.now();
        this.write({ k: 'cache.set', key, value, storedAt, expiresAt: ttlMs === undefined ? null : storedAt + ttlMs, evict }, true);
    }

    /** The keys of entries whose TTL has passed. */
    expiredKeys(): string[] {
        return this.sql.column('SELECT key FROM cache WHERE expires_at IS NOT NULL AND expires_at <= ?', [this.clock.now()]) as string[];
    }
}
