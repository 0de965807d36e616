import { FlowStore, StoreError, type RunRecord, type RunSummary, type StoreOptions } from '@flow/store';
import { CliError } from './cli-error.js';
import { displayPath } from './input-files.js';

/**
 * Opens the run store of a state directory for a command. Store problems are the user's to act
 * on (another flowctl holds the lock, a file cannot be written), so they become CLI errors; the
 * store's recoveries (a torn journal line, a rebuilt database) are printed as warnings.
 */
export async function openStore(stateDir: string, options: Pick<StoreOptions, 'readOnly' | 'lockWaitMs'> = {}): Promise<FlowStore> {
    try {
        return await FlowStore.open(stateDir, {
            ...options,
            onWarning: message => process.stderr.write(`flowctl: warning: ${message}\n`)
        });
    } catch (error) {
        if (error instanceof StoreError) throw new CliError(error.message);
        throw error;
    }
}

/**
 * A writer if no other process holds the store, else a reader: for commands that write little
 * (naming a checkpoint) and must work while a run is going.
 */
export async function openWriterOrReader(stateDir: string): Promise<FlowStore> {
    try {
        return await FlowStore.open(stateDir, { lockWaitMs: 0, onWarning: message => process.stderr.write(`flowctl: warning: ${message}\n`) });
    } catch (error) {
        if (error instanceof StoreError && error.code === 'locked') return openStore(stateDir, { readOnly: true });
        if (error instanceof StoreError) throw new CliError(error.message);
        throw error;
    }
}

/** The run a command names (an id or a unique prefix of one), or a CliError that says what exists. */
export function findRun(store: FlowStore, id: string): RunSummary & { record: RunRecord } {
    let found: (RunSummary & { record: RunRecord }) | undefined;
    try {
        found = store.run(id);
    } catch (error) {
        if (error instanceof StoreError) throw new CliError(error.message);
        throw error;
    }
    if (found) return found;
    const recent = store.runs({ limit: 5 });
    throw new CliError(`no run ${id} in ${displayPath(store.stateDir)}. ` + (recent.length > 0
        ? `Recent runs: ${recent.map(run => `${run.runId.slice(0, 8)} (${run.workflow}, ${run.status})`).join(', ')}; \`flowctl runs\` lists them all.`
        : 'It holds no runs yet; `flowctl run <file>` makes one.'));
}

/** Store errors thrown by queries (an unknown checkpoint, say) are messages for the user. */
export function storeQuery<T>(query: () => T): T {
    try {
        return query();
    } catch (error) {
        if (error instanceof StoreError) throw new CliError(error.message);
        throw error;
    }
}
