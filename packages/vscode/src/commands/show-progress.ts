import * as vscode from 'vscode';
import type { ProgressPanels } from '../progress/progress-panels.js';
import type { ManagedRun, RunManager } from '../runs/run-manager.js';

export const SHOW_PROGRESS_COMMAND = 'flow.showProgress';

/**
 * `Flow: Show Run Progress`: opens (or brings forward) the progress panel of a run. Given a run
 * id (the status bar item and the notifications pass one), that run; otherwise the only run of
 * this window, or one picked from a list with the latest first.
 */
export function registerShowProgress(context: vscode.ExtensionContext, runs: RunManager, panels: ProgressPanels): void {
    context.subscriptions.push(vscode.commands.registerCommand(SHOW_PROGRESS_COMMAND, async (runId?: unknown) => {
        const run = typeof runId === 'string' ? findRun(runs, runId) : await pickRun(runs);
        if (run) panels.show(run);
    }));
}

function findRun(runs: RunManager, runId: string): ManagedRun | undefined {
    const run = runs.sessionRuns.find(candidate => candidate.id === runId);
    if (!run) void vscode.window.showErrorMessage(`Flow: there is no run ${runId} in this window; Flow: Show Run Progress lists the runs it has.`);
    return run;
}

async function pickRun(runs: RunManager): Promise<ManagedRun | undefined> {
    const newestFirst = [...runs.sessionRuns].reverse();
    if (newestFirst.length === 0) {
        void vscode.window.showInformationMessage('Flow: no workflow has run in this window yet. Run one (Flow: Run Workflow), then show its progress.');
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
