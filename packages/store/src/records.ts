/**
 * The journal's records: each change to the store as plain JSON. Applying a record to the
 * database is deterministic (no clock, no randomness), so replaying the journal after a crash
 * rebuilds exactly what the process that wrote it had.
 */
import type { Json } from '@flow/model';
import type { RunEvent } from '@flow/engine';
import type { RunRecord } from './types.js';

export type JournalRecord = { n: number } & (
    /** `writer`: the lock token of the process that records the run, to tell when it is gone. */
    | { k: 'run'; run: RunRecord; writer: string }
    | { k: 'event'; e: RunEvent }
    /** Names a delta of a run; `delta` 0 is the run's start. */
    | { k: 'checkpoint'; runId: string; name: string; description?: string; delta: number; time: number }
    | { k: 'interrupted'; runId: string; time: number; reason: string }
    | { k: 'gc'; runs: string[] }
    /** `evict`: the entries the set pushes out, decided by the writer. */
    | { k: 'cache.set'; key: string; value: Json; storedAt: number; expiresAt: number | null; evict: string[] }
    /** A cache hit: the entry becomes the most recently used. Written without a sync. */
    | { k: 'cache.use'; key: string }
    | { k: 'cache.delete'; keys: string[] }
);

export type RecordOf<K extends JournalRecord['k']> = Extract<JournalRecord, { k: K }>;
