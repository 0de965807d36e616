import * as vscode from 'vscode';
import type { RunSummary, TaskState } from '@flow/store';
import type { StateFolder } from '../history/run-history.js';
import { parentWords, preview, runDescription, runLook, taskDescription, taskDetails, taskLook, type StatusLook } from '../history/run-words.js';

/** A stored run as the commands take it from a Runs or Checkpoints item, a notification or a test. */
export interface StoredRunRef {
    /** The state directory whose store holds it. */
    stateDir: string;
    runId: string;
}

/**
 * The Runs view's items, one class per kind. `contextValue` is what the manifest's menus key
 * on: `run-<status>` (Resume on the ones that ended), `runTask` (Open Log).
 */
export type RunTreeItem = StateFolderItem | RunItem | RunTaskItem | RunMessageItem;

function themeIcon(look: StatusLook): vscode.ThemeIcon {
    return new vscode.ThemeIcon(look.icon, look.color ? new vscode.ThemeColor(look.color) : undefined);
}

/** A state directory, when the workspace's folders keep their runs in several. */
export class StateFolderItem extends vscode.TreeItem {
    override readonly contextValue = 'stateFolder';

    constructor(readonly folder: StateFolder) {
        super(folder.label, vscode.TreeItemCollapsibleState.Expanded);
        this.id = `folder:${folder.dir}`;
        this.iconPath = new vscode.ThemeIcon('database');
        this.tooltip = `Runs kept in ${folder.dir} (flow.stateDirectory of ${folder.workspaceFolder.name})`;
    }
}

/** A run: its workflow, how it stands or ended, when it started and how long it took; its tasks below. */
export class RunItem extends vscode.TreeItem {
    readonly ref: StoredRunRef;

    constructor(readonly folder: StateFolder, readonly summary: RunSummary, now: number) {
        // A run of a part of the workflow (Run Task) says so wherever the run is named.
        super(summary.scope !== undefined ? `${summary.workflow} (${summary.scope})` : summary.workflow, vscode.TreeItemCollapsibleState.Collapsed);
        this.ref = { stateDir: folder.dir, runId: summary.runId };
        this.id = `run:${folder.dir}:${summary.runId}`;
        this.contextValue = `run-${summary.status}`;
        this.description = runDescription(summary, now);
        const look = runLook(summary.status);
        this.iconPath = themeIcon(look);
        const tooltip = new vscode.MarkdownString(undefined, true);
        tooltip.appendMarkdown(`**${escape(summary.workflow)}** — ${look.words}\n\n`);
        tooltip.appendMarkdown(`run \`${summary.runId}\` · started ${new Date(summary.startedAt).toLocaleString()}\n\n`);
        const { total, completed, failed, skipped } = summary.tasks;
        tooltip.appendMarkdown(`${total} tasks: ${completed} completed, ${failed} failed or not run, ${skipped} skipped\n\n`);
        if (summary.parent) tooltip.appendMarkdown(`${escape(parentWords(summary.parent))}\n\n`);
        if (summary.status === 'interrupted') {
            // The store's reason names flowctl; an editor window that closed mid-run leaves the same state.
            tooltip.appendMarkdown('The process running it (a flowctl run, or an editor window that closed) stopped before it ended. ' +
                'Resume continues it without repeating what it completed.\n\n');
        } else if (summary.reason) {
            tooltip.appendMarkdown(`${escape(summary.reason)}\n\n`);
        }
        this.tooltip = tooltip;
    }
}

/** A task of a run as the store has it now: status, duration, attempts, agent, cached/reused, result. */
export class RunTaskItem extends vscode.TreeItem {
    override readonly contextValue = 'runTask';
    readonly ref: StoredRunRef & { task: string };

    constructor(readonly run: RunItem, readonly state: TaskState) {
        super(state.id, vscode.TreeItemCollapsibleState.None);
        this.ref = { ...run.ref, task: state.id };
        this.id = `${run.id}:task:${state.id}`;
        this.description = taskDescription(state);
        this.iconPath = themeIcon(taskLook(state.status));
        const tooltip = new vscode.MarkdownString();
        tooltip.appendText(taskDetails(state).join('\n\n'));
        if (state.status === 'completed' && state.result !== undefined) {
            tooltip.appendMarkdown('\n\n');
            tooltip.appendCodeblock(preview(state.result, 1_000), 'json');
        }
        this.tooltip = tooltip;
    }
}

/** An empty or error state, saying what to do, with the command that does it when there is one. */
export class RunMessageItem extends vscode.TreeItem {
    override readonly contextValue = 'message';

    constructor(message: string, icon: string, command?: vscode.Command, tooltip?: string) {
        super(message, vscode.TreeItemCollapsibleState.None);
        this.iconPath = new vscode.ThemeIcon(icon);
        this.tooltip = tooltip ?? message;
        this.command = command;
    }
}

function escape(text: string): string {
    return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
