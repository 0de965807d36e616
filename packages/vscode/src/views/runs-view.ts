import * as vscode from 'vscode';
import type { RunHistory, StateFolder } from '../history/run-history.js';
import { RunItem, RunMessageItem, RunTaskItem, StateFolderItem, type RunTreeItem } from './run-tree-items.js';

export const RUNS_VIEW = 'flow.runs';
export const REFRESH_RUNS_COMMAND = 'flow.refreshRuns';

/** How many of a folder's runs are listed, newest first (the store keeps 200 unless told otherwise). */
const RUNS_SHOWN = 100;

/**
 * The Runs view: the runs of each state directory's store, newest first (the editor's and
 * flowctl's alike) > their tasks as the store has them now. It reads the store read-only, so it
 * works while a run writes, and follows the RunHistory's changes. A run whose writer is gone
 * shows as interrupted.
 */
export class RunsTreeDataProvider implements vscode.TreeDataProvider<RunTreeItem>, vscode.Disposable {
    private readonly didChange = new vscode.EventEmitter<RunTreeItem | undefined>();
    readonly onDidChangeTreeData = this.didChange.event;
    private readonly subscription: vscode.Disposable;

    constructor(private readonly history: RunHistory) {
        this.subscription = history.onDidChange(() => this.didChange.fire(undefined));
    }

    getTreeItem(item: RunTreeItem): vscode.TreeItem {
        return item;
    }

    /** For `reveal`: tasks sit under their run, runs under their folder when there are several. */
    getParent(item: RunTreeItem): RunTreeItem | undefined {
        if (item instanceof RunTaskItem) return item.run;
        if (item instanceof RunItem && this.history.folders().length > 1) return new StateFolderItem(item.folder);
        return undefined;
    }

    async getChildren(item?: RunTreeItem): Promise<RunTreeItem[]> {
        if (item === undefined) {
            const folders = this.history.folders();
            if (folders.length === 0) {
                return [new RunMessageItem('Open a folder to see the runs kept in its state folder (.flow).', 'folder-opened',
                    { command: 'workbench.action.files.openFolder', title: 'Open Folder' })];
            }
            return folders.length === 1 ? this.runs(folders[0]) : folders.map(folder => new StateFolderItem(folder));
        }
        if (item instanceof StateFolderItem) return this.runs(item.folder);
        if (item instanceof RunItem) return this.tasks(item);
        return [];
    }

    private async runs(folder: StateFolder): Promise<RunTreeItem[]> {
        try {
            const { shown, total } = await this.history.read(folder.dir, store => {
                const all = store.runs();
                return { shown: all.slice(0, RUNS_SHOWN), total: all.length };
            });
            if (total === 0) {
                return [new RunMessageItem(`No runs in ${folder.label} yet: run a workflow here, or with flowctl run in a terminal.`, 'history', undefined,
                    `Runs started from the editor (Flow: Run Workflow, the Run buttons) and by \`flowctl run\` are kept in ${folder.dir}; they appear here.`)];
            }
            const now = Date.now();
            const items: RunTreeItem[] = shown.map(summary => new RunItem(folder, summary, now));
            if (total > shown.length) {
                items.push(new RunMessageItem(`${total - shown.length} older runs are not listed; flowctl runs lists them all.`, 'ellipsis'));
            }
            return items;
        } catch (error) {
            return [storeProblem(folder, error)];
        }
    }

    private async tasks(run: RunItem): Promise<RunTreeItem[]> {
        try {
            const state = await this.history.read(run.folder.dir, store => store.stateAt(run.summary.runId));
            const tasks = Object.values(state.tasks);
            if (tasks.length === 0) return [new RunMessageItem('This run has no tasks.', 'info')];
            return tasks.map(task => new RunTaskItem(run, task));
        } catch (error) {
            return [storeProblem(run.folder, error)];
        }
    }

    dispose(): void {
        this.subscription.dispose();
        this.didChange.dispose();
    }
}

/** The store could not be read: say which, why, and offer to read it again. */
export function storeProblem(folder: StateFolder, error: unknown): RunMessageItem {
    const message = (error as Error).message;
    return new RunMessageItem(`Could not read the runs in ${folder.label}: ${message}`, 'error',
        { command: REFRESH_RUNS_COMMAND, title: 'Refresh' },
        `${message}\n\nFix what the message says (flowctl runs --state-dir ${folder.dir} shows the same), then click to read the store again.`);
}
