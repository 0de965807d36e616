import * as vscode from 'vscode';
import type { CheckpointInfo, FlowStore } from '@flow/store';
import { resolveStoredRun, type StoredRunSubject } from '../history/pick-stored-run.js';
import type { RunHistory } from '../history/run-history.js';
import type { RunManager } from '../runs/run-manager.js';
import { loadRunStore } from '../store/load-store.js';
import { mayWorkOnWorkspace } from '../workspace-trust.js';

export const CREATE_CHECKPOINT_COMMAND = 'flow.createCheckpoint';

/** The name and description, given up front (by a test); the command asks for what is missing. */
export interface CreateCheckpointOptions {
    name?: string;
    description?: string;
}

/**
 * `Flow: Create Checkpoint`: names the latest checkpoint of a run (what has ended so far), to
 * resume from later, as `flowctl checkpoint` does. A run this window is running is named
 * through its own store; a run another process is writing (a flowctl run) through the store's
 * inbox, which that process takes in within a second; any other run directly. Resolves with the
 * checkpoint named.
 */
export function registerCreateCheckpoint(context: vscode.ExtensionContext, runs: RunManager, history: RunHistory, selectedRun: () => StoredRunSubject): void {
    context.subscriptions.push(vscode.commands.registerCommand(CREATE_CHECKPOINT_COMMAND,
        async (subject?: StoredRunSubject, options: CreateCheckpointOptions = {}): Promise<CheckpointInfo | undefined> => {
            // Naming a checkpoint writes the state directory (and a writer applies the retention
            // bound there): not in a folder the user has not trusted.
            if (!mayWorkOnWorkspace('Create Checkpoint')) return undefined;
            const ref = await resolveStoredRun(history, subject ?? selectedRun(), 'Create Checkpoint', {
                placeHolder: 'Name the latest checkpoint of which run?'
            });
            if (!ref) return undefined;
            const { checkpointNameProblem } = loadRunStore();
            const name = options.name ?? await vscode.window.showInputBox({
                title: 'Flow: Create Checkpoint', prompt: 'The checkpoint\'s name, to resume from it later (Resume from Checkpoint, flowctl resume --from-checkpoint)',
                placeHolder: 'after_data_collection', validateInput: text => checkpointNameProblem(text)
            });
            if (name === undefined) return undefined;
            const problem = checkpointNameProblem(name);
            if (problem) {
                void vscode.window.showErrorMessage(`Flow: ${name} cannot name a checkpoint: ${problem}`);
                return undefined;
            }
            const description = options.description ?? await vscode.window.showInputBox({
                title: 'Flow: Create Checkpoint', prompt: `What checkpoint ${name} marks (optional)`, placeHolder: 'Checkpoint after data collection phase'
            });
            if (description === undefined) return undefined;
            try {
                const named = runs.checkpoint(ref.runId, name, description || undefined) ?? await nameThroughStore(ref.stateDir, ref.runId, name, description || undefined);
                history.refresh();
                void vscode.window.showInformationMessage(`Flow: checkpoint ${named.id} of run ${named.runId.slice(0, 8)} is named ${name}` +
                    `${named.task ? ` (after ${named.task})` : ' (its start)'}.`);
                return named;
            } catch (error) {
                void vscode.window.showErrorMessage(`Flow: checkpoint ${name} was not created: ${(error as Error).message}`);
                return undefined;
            }
        }));
}

/**
 * As `flowctl checkpoint`: a writer when nobody holds the store, else a reader, whose name goes
 * to the inbox for the process that is writing.
 */
async function nameThroughStore(stateDir: string, runId: string, name: string, description: string | undefined): Promise<CheckpointInfo> {
    const { FlowStore, StoreError } = loadRunStore();
    let store: FlowStore;
    try {
        store = await FlowStore.open(stateDir, { lockWaitMs: 0 });
    } catch (error) {
        if (!(error instanceof StoreError) || error.code !== 'locked') throw error;
        store = await FlowStore.open(stateDir, { readOnly: true });
    }
    try {
        return store.checkpoint(runId, name, description);
    } finally {
        await store.close();
    }
}
