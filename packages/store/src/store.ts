import type { ResultCache, RunEvent } from '@flow/engine';
import type { CheckpointInfo, RetentionOptions, RunRecord, RunState, RunStatusInStore, RunSummary, StoreOptions, TaskChange } from './types.js';

const notYet = (): never => {
    throw new Error('@flow/store: not implemented yet');
};

export class FlowStore {
    private constructor(readonly stateDir: string, readonly cache: ResultCache) {}

    static async open(stateDir: string, _options: StoreOptions = {}): Promise<FlowStore> {
        return new FlowStore(stateDir, { get: notYet, set: notYet });
    }

    /** Durable before it returns. */
    recordRun(_run: RunRecord): void {
        notYet();
    }

    /** Durable (journal + fdatasync) before it returns; applied to the database. */
    append(_event: RunEvent): void {
        notYet();
    }

    /** Names the run's latest delta. */
    checkpoint(_runId: string, _name: string, _description?: string): CheckpointInfo {
        return notYet();
    }

    runs(_filter: { workflow?: string; status?: RunStatusInStore; limit?: number } = {}): RunSummary[] {
        return notYet();
    }

    /** By id or a unique prefix of it; undefined when no run matches. */
    run(_runId: string): (RunSummary & { record: RunRecord }) | undefined {
        return notYet();
    }

    checkpoints(_runId: string): CheckpointInfo[] {
        return notYet();
    }

    /** The state at a checkpoint (by name or id); the run's latest state when omitted. */
    stateAt(_runId: string, _checkpoint?: string | number): RunState {
        return notYet();
    }

    diff(_runId: string, _from: string | number, _to: string | number): TaskChange[] {
        return notYet();
    }

    events(_runId: string, _afterSeq?: number): RunEvent[] {
        return notYet();
    }

    gc(_options: RetentionOptions): { removedRuns: string[] } {
        return notYet();
    }

    /** Exports the database now. */
    async flush(): Promise<void> {
        notYet();
    }

    /** A final export, then the lock is released. */
    async close(): Promise<void> {
        notYet();
    }
}
