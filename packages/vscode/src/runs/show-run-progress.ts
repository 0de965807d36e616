import * as vscode from 'vscode';

/** The progress panel's command (packages/vscode/src/commands/show-progress.ts), which takes a run id. */
const SHOW_PROGRESS_COMMAND = 'flow.showProgress';

/**
 * Shows a run's progress: in its progress panel when the extension has one, else the run's
 * lines in the "Flow Runs" output (`fallback`). Asked at the time of the click, so whatever
 * registers the panel needs no wiring here.
 */
export async function showRunProgress(runId: string, fallback: () => void): Promise<void> {
    if ((await vscode.commands.getCommands(true)).includes(SHOW_PROGRESS_COMMAND)) {
        await vscode.commands.executeCommand(SHOW_PROGRESS_COMMAND, runId);
    } else {
        fallback();
    }
}
