import * as vscode from 'vscode';
import type { RunManager } from './run-manager.js';
import { countStatuses } from './run-output.js';
import { loadWorkflowRuntime } from '../runtime/load-runtime.js';

const SHOW_LOG = 'Show Log';

/** Tells the user how each run ended, with a button to its log. */
export function notifyRunEnds(runs: RunManager, showLog: () => void): vscode.Disposable {
    return runs.onDidEndRun(({ result }) => {
        const { formatDuration } = loadWorkflowRuntime();
        const summary = `${countStatuses(result.tasks.map(task => task.status))}, in ${formatDuration(result.durationMs)}`;
        // Not awaited: the promise settles only when the user dismisses the notification.
        const shown = result.status === 'completed'
            ? vscode.window.showInformationMessage(`Flow: ${result.workflow} completed (${summary}).`, SHOW_LOG)
            : result.status === 'failed'
                ? vscode.window.showErrorMessage(`Flow: ${result.workflow} failed: ${result.reason ?? 'see the log'} (${summary}).`, SHOW_LOG)
                : vscode.window.showWarningMessage(`Flow: ${result.workflow} was cancelled: ${result.reason ?? ''} (${summary}).`, SHOW_LOG);
        void shown.then(choice => {
            if (choice === SHOW_LOG) showLog();
        });
    });
}
