/**
 * Result caching. A task's cache key is its fingerprint (fingerprint.ts): the sha256 of its
 * definition, the parameters it sees and its inputs (the outcomes of its upstream tasks),
 * written as canonical JSON (object keys sorted), so equal content gives an equal key whatever
 * the key order. The store package implements `ResultCache` durably; `MemoryResultCache` is the
 * in-process one.
 */
import type { Json, RunnerDef, TaskDef } from '@flow/model';
import { definitionHash, fingerprint } from './fingerprint.js';

export { canonicalJson } from './fingerprint.js';
import type { Clock } from './clock.js';

export interface CacheEntry {
    value: Json;
    /** When the entry was stored, milliseconds since the epoch. */
    storedAt: number;
}

/** Where results are cached. Methods may be synchronous or return promises. */
export interface ResultCache {
    /** The live entry for `key`, or undefined when there is none or it expired. */
    get(key: string): CacheEntry | undefined | Promise<CacheEntry | undefined>;
    /** @param ttlMs how long the entry lives; without it, until evicted by size. */
    set(key: string, value: Json, ttlMs?: number): void | Promise<void>;
}

/**
 * The content hash that keys a task's cached result: its fingerprint (fingerprint.ts) with the
 * parameters it sees and its upstream outcomes. The source location is left out: moving a task in
 * its file does not change what it does.
 */
export function cacheKey(task: TaskDef, params: Record<string, Json>, inputs: Record<string, Json>, runners: readonly RunnerDef[] = []): string {
    return fingerprint(definitionHash(task, runners), params, inputs);
}


export interface MemoryResultCacheOptions {
    /** The clock that decides expiry. */
    clock: Clock;
    /** Most entries kept; the least recently used go first. @default 10000 */
    maxEntries?: number;
    /** Most bytes of serialised results kept; the least recently used go first. @default 64 MiB */
    maxBytes?: number;
}

interface MemoryEntry extends CacheEntry {
    expiresAt: number;
    bytes: number;
}

/** An in-memory LRU cache bounded by entries and bytes, with per-entry TTL. */
export class MemoryResultCache implements ResultCache {
    private readonly entries = new Map<string, MemoryEntry>();
    private bytes = 0;
    private readonly clock: Clock;
    private readonly maxEntries: number;
    private readonly maxBytes: number;

    constructor(options: MemoryResultCacheOptions) {
        this.clock = options.clock;
        this.maxEntries = options.maxEntries ?? 10_000;
        this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    }

    get size(): number {
        return this.entries.size;
    }

    get totalBytes(): number {
        return this.bytes;
    }

    get(key: string): CacheEntry | undefined {
        const entry = this.entries.get(key);
        if (!entry) return undefined;
        if (entry.expiresAt <= this.clock.now()) {
            this.delete(key, entry);
            return undefined;
        }
        // Re-inserting moves the entry to the end of the Map's order: most recently used.
        this.entries.delete(key);
        this.entries.set(key, entry);
        return { value: entry.value, storedAt: entry.storedAt };
    }

    set(key: string, value: Json, ttlMs?: number): void {
        const bytes = Buffer.byteLength(JSON.stringify(value) ?? 'null');
        // A result larger than the whole cache would only evict everything else.
        if (bytes > this.maxBytes) return;
        const previous = this.entries.get(key);
        if (previous) this.delete(key, previous);
        const now = this.clock.now();
        this.entries.set(key, { value, storedAt: now, expiresAt: ttlMs === undefined ? Infinity : now + ttlMs, bytes });
        this.bytes += bytes;
        for (const [oldestKey, oldest] of this.entries) {
            if (this.entries.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
            this.delete(oldestKey, oldest);
        }
    }

    private delete(key: string, entry: MemoryEntry): void {
        this.entries.delete(key);
        this.bytes -= entry.bytes;
    }
}
