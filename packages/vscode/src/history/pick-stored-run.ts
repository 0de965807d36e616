import * as vscode from 'vscode';
import type { RunStatusInStore, RunSummary } from '@flow/store';
import type { StoredRunRef } from '../views/run-tree-items.js';
import type { RunHistory } from './run-history.js';
import { runDescription, runLook, shortId } from './run-words.js';

/** What a command may be invoked with to name a stored run: an item of the Runs or Checkpoints view, its ref, or a run id. */
export type StoredRunSubject = { readonly ref: StoredRunRef } | StoredRunRef | string | undefined;

/**
 * The stored run a command was given, or one the user picks (newest first, from every state
 * folder of the workspace); undefined after saying why there is none. A bare run id (what a
 * notification passes) is looked for in every folder.
 */
export async function resolveStoredRun(history: RunHistory, subject: StoredRunSubject, title: string,
    options: { placeHolder: string; statuses?: readonly RunStatusInStore[] }): Promise<StoredRunRef | undefined> {
    if (typeof subject === 'object' && 'ref' in subject) return subject.ref;
    if (typeof subject === 'object') return subject;
    const runs: Array<{ stateDir: string; label: string; summary: RunSummary }> = [];
    const problems: string[] = [];
    for (const folder of history.folders()) {
        try {
            const summaries = await history.read(folder.dir, store => store.runs());
            runs.push(...summaries.map(summary => ({ stateDir: folder.dir, label: folder.label, summary })));
        } catch (error) {
            problems.push(`${folder.label}: ${(error as Error).message}`);
        }
    }
    if (typeof subject === 'string') {
        const found = runs.find(run => run.summary.runId === subject);
        if (found) return { stateDir: found.stateDir, runId: found.summary.runId };
        void vscode.window.showErrorMessage(`Flow: ${title}: there is no run ${subject} in ${history.folders().map(folder => folder.label).join(', ') || 'this workspace'}` +
            `${problems.length > 0 ? ` (${problems.join('; ')})` : ''}; the Runs view lists the runs there are.`);
        return undefined;
    }
    const candidates = runs.filter(run => options.statuses === undefined || options.statuses.includes(run.summary.status))
        .sort((a, b) => b.summary.startedAt - a.summary.startedAt);
    if (candidates.length === 0) {
        void vscode.window.showInformationMessage(problems.length > 0
            ? `Flow: ${title}: the run store could not be read: ${problems.join('; ')}`
            : `Flow: ${title}: there is no run to choose from yet. Run a workflow first (Flow: Run Workflow, or flowctl run in a terminal).`);
        return undefined;
    }
    const now = Date.now();
    const several = new Set(candidates.map(run => run.stateDir)).size > 1;
    const picked = await vscode.window.showQuickPick(candidates.map(run => ({
        label: `$(${runLook(run.summary.status).icon.replace('~spin', '')}) ${run.summary.workflow}`,
        description: runDescription(run.summary, now),
        detail: `run ${shortId(run.summary.runId)}${several ? ` · ${run.label}` : ''}`,
        ref: { stateDir: run.stateDir, runId: run.summary.runId }
    })), { title: `Flow: ${title}`, placeHolder: options.placeHolder, matchOnDescription: true, matchOnDetail: true });
    return picked?.ref;
}
