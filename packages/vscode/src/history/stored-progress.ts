import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunEvent } from '@flow/engine';
import type { RunStatusInStore } from '@flow/store';
import type { RunSnapshot, StoredRunSource } from '../progress/progress-panel.js';
import type { StoredRunRef } from '../views/run-tree-items.js';
import type { RunHistory } from './run-history.js';

/** What the progress panel needs to show a run from the store. */
export interface StoredProgress {
    snapshot: RunSnapshot;
    logDir: string;
    file?: vscode.Uri;
    source: StoredRunSource;
}

/**
 * A stored run as the progress panel shows it: its model and events from the store (what
 * `flowctl run` recorded, or a run of an earlier window), and, while another process is still
 * writing it, its later events as the store gets them. Undefined when the store has no such run.
 */
export async function storedProgress(history: RunHistory, ref: StoredRunRef): Promise<StoredProgress | undefined> {
    const found = await history.read(ref.stateDir, store => {
        const run = store.run(ref.runId);
        return run && { run, events: store.events(run.runId) };
    });
    if (!found) return undefined;
    const { run, events } = found;
    const folder = vscode.workspace.asRelativePath(ref.stateDir);
    let status: RunStatusInStore = run.status;
    const source: StoredRunSource = {
        eventsAfter: seq => history.read(ref.stateDir, store => {
            status = store.runs().find(candidate => candidate.runId === run.runId)?.status ?? status;
            return store.events(run.runId, seq);
        }),
        onDidChange: history.onDidChange,
        describe: (shown: readonly RunEvent[]) => {
            const last = shown.at(-1)?.type;
            if (last === 'run.completed' || last === 'run.failed' || last === 'run.cancelled') {
                return `This run is read from the run store in ${folder} (run by flowctl, or in an earlier window): shown is the run as it ended.`;
            }
            if (status === 'running') {
                return `This run is being run by another process (a flowctl run): shown is what it has recorded in ${folder} so far, and more as it records it.`;
            }
            return `This run was interrupted: the process running it stopped before it ended. Shown is how far it got; Resume (in the Runs view) continues it.`;
        }
    };
    return {
        snapshot: {
            run: { runId: run.runId, workflow: run.workflow, file: run.record.file ? vscode.workspace.asRelativePath(run.record.file) : '' },
            model: run.record.model, events
        },
        logDir: path.join(ref.stateDir, 'logs', run.runId),
        file: run.record.file ? vscode.Uri.file(run.record.file) : undefined,
        source
    };
}
