import * as vscode from 'vscode';
import type { RunOutput } from '../runs/run-output.js';

export const SHOW_RUN_LOG_COMMAND = 'flow.showRunLog';

/** `Flow: Show Run Log`: reveals the "Flow Runs" output channel (also what the status bar item does). */
export function registerShowRunLog(context: vscode.ExtensionContext, output: RunOutput): void {
    context.subscriptions.push(vscode.commands.registerCommand(SHOW_RUN_LOG_COMMAND, () => output.show()));
}
