import * as vscode from 'vscode';
import type { ManagedRun, RunManager } from '../runs/run-manager.js';

export const CANCEL_RUN_COMMAND = 'flow.cancelRun';

/**
 * `Flow: Cancel Run`: cancels a running run (the only one, or one the user picks): its running
 * tasks are stopped, their processes killed, and nothing new starts. Resolves with the id of
 * the run cancelled, or undefined when none was. A test or another view may pass the run's id.
 */
export function registerCancelRun(context: vscode.ExtensionContext, runs: RunManager): void {
    context.subscriptions.push(vscode.commands.registerCommand(CANCEL_RUN_COMMAND, async (runId?: string): Promise<string | undefined> => {
        const active = runs.activeRuns;
        const run = runId !== undefined ? active.find(candidate => candidate.id === runId) : await pickRun(active);
        if (!run) {
            if (runId !== undefined || active.length === 0) void vscode.window.showInformationMessage('Flow: no run is running, so there is nothing to cancel.');
            return undefined;
        }
        return runs.cancel(run.id) ? run.id : undefined;
    }));
}

async function pickRun(active: readonly ManagedRun[]): Promise<ManagedRun | undefined> {
    if (active.length <= 1) return active[0];
    const picked = await vscode.window.showQuickPick([...active].reverse().map(run => ({
        label: run.workflow,
        description: [vscode.workspace.asRelativePath(run.file), run.scope].filter(Boolean).join(' · '),
        detail: `started ${new Date(run.events[0]?.time ?? Date.now()).toLocaleTimeString()} · ${progressOf(run)}`,
        run
    })), { title: 'Flow: Cancel Run', placeHolder: 'Which run? Its running tasks are stopped.' });
    return picked?.run;
}

function progressOf(run: ManagedRun): string {
    const progress = [...run.events].reverse().find(event => event.type === 'progress');
    return progress?.type === 'progress' ? `${progress.done} of ${progress.total} tasks finished` : `${run.model.tasks.length} tasks, none finished`;
}
