import * as vscode from 'vscode';
import type { ProgressPanels } from '../progress/progress-panels.js';
import { resolveStoredRun } from '../history/pick-stored-run.js';
import type { RunHistory } from '../history/run-history.js';
import { storedProgress } from '../history/stored-progress.js';
import type { ManagedRun, RunManager } from '../runs/run-manager.js';
import type { StoredRunRef } from '../views/run-tree-items.js';

export const SHOW_PROGRESS_COMMAND = 'flow.showProgress';

/**
 * `Flow: Show Run Progress`: opens (or brings forward) the progress panel of a run. Given a run
 * id (the status bar item and the notifications pass one) or a Runs item, that run: live when
 * this window runs it, else from the store (a flowctl run, a run of an earlier window);
 * otherwise the only run of this window, or one picked from a list with the latest first.
 */
export function registerShowProgress(context: vscode.ExtensionContext, runs: RunManager, panels: ProgressPanels, history: RunHistory): void {
    context.subscriptions.push(vscode.commands.registerCommand(SHOW_PROGRESS_COMMAND, async (subject?: unknown) => {
        const ref = typeof subject === 'object' && subject !== null && 'ref' in subject ? (subject as { ref: StoredRunRef }).ref : undefined;
        const runId = typeof subject === 'string' ? subject : ref?.runId;
        const live = runId === undefined ? undefined : runs.sessionRuns.find(candidate => candidate.id === runId);
        if (live) {
            panels.show(live);
            return;
        }
        if (runId !== undefined) {
            const target = ref ?? await resolveStoredRun(history, runId, 'Show Run Progress', { placeHolder: '' });
            const stored = target && await storedProgress(history, target).catch(error => {
                void vscode.window.showErrorMessage(`Flow: the run store could not be read: ${(error as Error).message}`);
                return undefined;
            });
            if (stored) panels.showStored(stored);
            else if (target) void vscode.window.showErrorMessage(`Flow: there is no run ${runId} in ${vscode.workspace.asRelativePath(target.stateDir)} any more.`);
            return;
        }
        const run = await pickRun(runs);
        if (run) panels.show(run);
    }));
}

async function pickRun(runs: RunManager): Promise<ManagedRun | undefined> {
    const newestFirst = [...runs.sessionRuns].reverse();
    if (newestFirst.length === 0) {
        void vscode.window.showInformationMessage('Flow: no workflow has run in this window yet. Run one (Flow: Run Workflow), or show an earlier run\'s progress from the Runs view.');
        return undefined;
    }
    if (newestFirst.length === 1) return newestFirst[0];
    const active = new Set(runs.activeRuns);
    const picked = await vscode.window.showQuickPick(newestFirst.map(run => ({
        label: run.workflow,
        description: active.has(run) ? 'running' : endedAs(run),
        detail: `${vscode.workspace.asRelativePath(run.file)} · started ${new Date(run.events[0]?.time ?? Date.now()).toLocaleTimeString()}`,
        run
    })), { title: 'Flow: Show Run Progress', placeHolder: 'Which run? (the latest is first)' });
    return picked?.run;
}

function endedAs(run: ManagedRun): string {
    const last = run.events.at(-1);
    switch (last?.type) {
        case 'run.completed': return 'completed';
        case 'run.failed': return 'failed';
        case 'run.cancelled': return 'cancelled';
        default: return 'ended';
    }
}
