import * as vscode from 'vscode';
import { OPEN_TASK_LOG_COMMAND } from '../commands/open-task-log.js';
import { loadWorkflowRuntime } from '../runtime/load-runtime.js';
import { readFlowSettings, workspaceDirOf } from '../settings.js';
import { OPEN_LOG, RESUME, runEndNotice, SHOW_PROGRESS } from './run-end-notice.js';
import type { RunManager } from './run-manager.js';
import { countStatuses } from './run-output.js';
import { showRunProgress } from './show-run-progress.js';

/** Registered by the run store's views when they exist; Resume is offered only then. */
export const RESUME_COMMAND = 'flow.resumeFromCheckpoint';

/**
 * Tells the user how each run ended (as `flow.runs.showNotifications` asks), with buttons to
 * its progress, to the log of the task that failed (else the run's output) and, once the run
 * store offers it, to resume it.
 */
export function notifyRunEnds(runs: RunManager, showOutput: () => void): vscode.Disposable {
    return runs.onDidEndRun(async ({ run, result }) => {
        const commands = new Set(await vscode.commands.getCommands(true));
        const { formatDuration } = loadWorkflowRuntime();
        const notice = runEndNotice(result, {
            setting: readFlowSettings(run.file, workspaceDirOf(run.file)).runNotifications,
            canShowProgress: commands.has('flow.showProgress'),
            canResume: commands.has(RESUME_COMMAND),
            summary: `${countStatuses(result.tasks.map(task => task.status))}, in ${formatDuration(result.durationMs)}`,
            scope: run.scope
        });
        if (!notice) return;
        const show = notice.severity === 'info' ? vscode.window.showInformationMessage
            : notice.severity === 'warning' ? vscode.window.showWarningMessage : vscode.window.showErrorMessage;
        // Not awaited: the promise settles only when the user dismisses the notification.
        void show(notice.message, ...notice.actions).then(async choice => {
            if (choice === SHOW_PROGRESS) await showRunProgress(run.id, showOutput);
            else if (choice === RESUME) await vscode.commands.executeCommand(RESUME_COMMAND, run.id);
            else if (choice === OPEN_LOG) {
                const opened = notice.failedTask !== undefined
                    ? await vscode.commands.executeCommand<vscode.Uri | undefined>(OPEN_TASK_LOG_COMMAND, { runId: run.id, task: notice.failedTask })
                    : undefined;
                if (!opened) showOutput();
            }
        });
    });
}
