import * as vscode from 'vscode';
import type { CheckpointInfo, RunSummary, TaskChange } from '@flow/store';
import type { RunHistory } from '../history/run-history.js';
import { checkpointLabel, preview, resultWords, runLook, shortId, startedWords, taskLook } from '../history/run-words.js';
import { RunMessageItem, type StoredRunRef } from '../views/run-tree-items.js';
import { REFRESH_RUNS_COMMAND } from '../views/runs-view.js';
import { runStateUri } from './run-state-document.js';

export const CHECKPOINTS_VIEW = 'flow.checkpoints';

/** A checkpoint of the run the view shows: where it stands in the run, and what changed at it. */
export class CheckpointItem extends vscode.TreeItem {
    readonly ref: StoredRunRef & { checkpoint: number };
    /** The `flow-state:` document of the run's state here. */
    readonly stateUri: vscode.Uri;

    constructor(readonly run: { stateDir: string; runId: string; workflow: string }, readonly checkpoint: CheckpointInfo, readonly names: string[],
        /** The checkpoint before it, which Diff with Previous compares with. */
        readonly previous: number | undefined, now: number) {
        super(checkpointLabel(checkpoint, names), checkpoint.id === 0 ? vscode.TreeItemCollapsibleState.None : vscode.TreeItemCollapsibleState.Collapsed);
        this.ref = { stateDir: run.stateDir, runId: run.runId, checkpoint: checkpoint.id };
        this.id = `checkpoint:${run.stateDir}:${run.runId}:${checkpoint.id}`;
        this.contextValue = previous === undefined ? 'checkpoint-first' : 'checkpoint';
        const when = startedWords(checkpoint.time, now);
        this.description = names.length > 0 && checkpoint.task ? `after ${checkpoint.task} · ${when}` : when;
        this.iconPath = new vscode.ThemeIcon(names.length > 0 ? 'bookmark' : checkpoint.id === 0 ? 'debug-start' : 'debug-breakpoint-log-unverified');
        this.tooltip = [
            checkpoint.id === 0 ? `Checkpoint 0: the start of the run, before any task ended.` : `Checkpoint ${checkpoint.id}: made when ${checkpoint.task ?? 'a task'} ended.`,
            names.length > 0 ? `Named ${names.join(', ')}${checkpoint.description ? `: ${checkpoint.description}` : ''}.` : undefined,
            'Select it to see the state of every task at this point; its children are the tasks that changed here.'
        ].filter(Boolean).join('\n');
        this.stateUri = runStateUri({ stateDir: run.stateDir, runId: run.runId, workflow: run.workflow, checkpoint: checkpoint.id });
    }
}

/** A task that changed at a checkpoint: its status before and after, and its result. */
export class CheckpointChangeItem extends vscode.TreeItem {
    override readonly contextValue = 'checkpointChange';

    constructor(readonly parent: CheckpointItem, change: TaskChange) {
        super(change.task, vscode.TreeItemCollapsibleState.None);
        this.id = `${parent.id}:change:${change.task}`;
        const after = change.after;
        const was = change.before ? taskLook(change.before.status).words : 'absent';
        const now = after ? taskLook(after.status).words : 'absent';
        const outcome = after?.status === 'completed' ? resultWords(after.result) : after?.error?.message ?? after?.reason;
        this.description = [`${was} → ${now}`, outcome !== undefined && outcome !== null && outcome !== '' ? preview(outcome, 48) : undefined].filter(Boolean).join(' · ');
        this.iconPath = after ? new vscode.ThemeIcon(taskLook(after.status).icon, taskLook(after.status).color ? new vscode.ThemeColor(taskLook(after.status).color!) : undefined) : undefined;
        this.tooltip = `${change.task}: ${was} → ${now}${after && after.attempts > 0 ? ` after ${after.attempts} attempt${after.attempts === 1 ? '' : 's'}` : ''}`;
    }
}

export type CheckpointTreeItem = CheckpointItem | CheckpointChangeItem | RunMessageItem;

/** The run the view shows, with what its title bar says about it. */
interface ShownRun {
    stateDir: string;
    summary: RunSummary;
}

/**
 * The Checkpoints view: the checkpoints of one run (the one selected in the Runs view, or given
 * to Show in Checkpoints), in order, each with the tasks that changed at it. Selecting a
 * checkpoint opens the run's state at that point as a read-only JSON document; Next and Previous
 * Checkpoint move the selection. It reads the store read-only and follows its changes, so the
 * checkpoints of a running run appear as its tasks end.
 */
export class CheckpointsView implements vscode.TreeDataProvider<CheckpointTreeItem>, vscode.Disposable {
    private readonly didChange = new vscode.EventEmitter<CheckpointTreeItem | undefined>();
    readonly onDidChangeTreeData = this.didChange.event;
    private readonly didSelect = new vscode.EventEmitter<CheckpointItem | undefined>();
    /** Fires when a checkpoint is selected (and its state shown), by a click or by Next/Previous. */
    readonly onDidSelectCheckpoint = this.didSelect.event;
    readonly treeView: vscode.TreeView<CheckpointTreeItem>;
    private readonly subscriptions: vscode.Disposable[] = [];
    private shown?: ShownRun;
    /** The run's checkpoint items as last listed, in order. */
    private items: CheckpointItem[] = [];
    private selectedId?: number;

    constructor(private readonly history: RunHistory) {
        this.treeView = vscode.window.createTreeView(CHECKPOINTS_VIEW, { treeDataProvider: this, showCollapseAll: true });
        this.subscriptions.push(
            this.treeView,
            history.onDidChange(() => {
                if (this.shown) this.didChange.fire(undefined);
            }),
            this.treeView.onDidChangeSelection(event => {
                const item = event.selection[0];
                if (item instanceof CheckpointItem) void this.select(item);
            })
        );
        this.describe();
    }

    /** The run shown, if any. */
    get run(): StoredRunRef | undefined {
        return this.shown && { stateDir: this.shown.stateDir, runId: this.shown.summary.runId };
    }

    /** The selected checkpoint, if any. */
    get selected(): CheckpointItem | undefined {
        return this.items.find(item => item.checkpoint.id === this.selectedId);
    }

    /** The checkpoint items as the view lists them (for the commands and the tests). */
    get checkpoints(): readonly CheckpointItem[] {
        return this.items;
    }

    /** Shows a run's checkpoints (nothing happens when it is the run shown). Resolves once they are listed. */
    async showRun(ref: StoredRunRef): Promise<void> {
        if (this.shown?.stateDir === ref.stateDir && this.shown.summary.runId === ref.runId) return;
        const summary = await this.history.read(ref.stateDir, store => store.run(ref.runId));
        if (!summary) throw new Error(`There is no run ${ref.runId} in ${ref.stateDir} any more.`);
        const { record: _record, ...rest } = summary;
        this.shown = { stateDir: ref.stateDir, summary: rest };
        this.items = [];
        this.selectedId = undefined;
        this.describe();
        this.didChange.fire(undefined);
        await this.list();
    }

    /** Selects a checkpoint (revealing it) and shows its state. */
    async reveal(item: CheckpointItem): Promise<void> {
        await this.treeView.reveal(item, { select: true, focus: false, expand: false });
        // `reveal` selects it, which fires onDidChangeSelection too, but not before this resolves.
        await this.select(item);
    }

    getTreeItem(item: CheckpointTreeItem): vscode.TreeItem {
        return item;
    }

    getParent(item: CheckpointTreeItem): CheckpointTreeItem | undefined {
        return item instanceof CheckpointChangeItem ? item.parent : undefined;
    }

    async getChildren(item?: CheckpointTreeItem): Promise<CheckpointTreeItem[]> {
        const shown = this.shown;
        if (item === undefined) {
            if (!shown) {
                return [new RunMessageItem('Select a run in the Runs view to see its checkpoints.', 'info', undefined,
                    'Each task that ends makes a checkpoint. Select a run in the Runs view (or use Show in Checkpoints on it) to step through its checkpoints, compare them and resume from one.')];
            }
            try {
                this.items = await this.list();
            } catch (error) {
                return [new RunMessageItem(`Could not read the checkpoints of ${shown.summary.workflow}: ${(error as Error).message}`, 'error',
                    { command: REFRESH_RUNS_COMMAND, title: 'Refresh' })];
            }
            if (this.items.length <= 1) {
                return [...this.items, new RunMessageItem('No task of this run has ended yet, so its only checkpoint is its start.', 'info')];
            }
            return this.items;
        }
        if (item instanceof CheckpointItem && item.previous !== undefined) {
            try {
                const changes = await this.history.read(item.run.stateDir, store => store.diff(item.run.runId, item.previous!, item.checkpoint.id));
                return changes.map(change => new CheckpointChangeItem(item, change));
            } catch (error) {
                return [new RunMessageItem(`Could not read what changed at this checkpoint: ${(error as Error).message}`, 'error')];
            }
        }
        return [];
    }

    /** The run's checkpoints: its start, then one per task that ended (a delta with several names is one item). */
    private async list(): Promise<CheckpointItem[]> {
        const shown = this.shown;
        if (!shown) return [];
        const { runId } = shown.summary;
        const { checkpoints, summary } = await this.history.read(shown.stateDir, store => ({
            checkpoints: store.checkpoints(runId), summary: store.runs().find(run => run.runId === runId)
        }));
        if (summary) shown.summary = summary;
        const byId = new Map<number, { info: CheckpointInfo; names: string[] }>();
        byId.set(0, { info: { id: 0, runId, time: shown.summary.startedAt, seq: 0 }, names: [] });
        for (const info of checkpoints) {
            const entry = byId.get(info.id);
            if (entry) {
                if (info.name) entry.names.push(info.name);
                if (info.id === 0 && info.name) entry.info = { ...info, time: entry.info.time };
            } else {
                byId.set(info.id, { info, names: info.name ? [info.name] : [] });
            }
        }
        const now = Date.now();
        const run = { stateDir: shown.stateDir, runId, workflow: shown.summary.workflow };
        const ordered = [...byId.values()].sort((a, b) => a.info.id - b.info.id);
        this.items = ordered.map((entry, index) => new CheckpointItem(run, entry.info, entry.names, index === 0 ? undefined : ordered[index - 1].info.id, now));
        this.describe();
        return this.items;
    }

    private async select(item: CheckpointItem): Promise<void> {
        // A preview tab: stepping through checkpoints replaces it rather than piling tabs up.
        // Showing the document it already shows only brings it forward.
        await vscode.window.showTextDocument(item.stateUri, { preview: true, preserveFocus: true, viewColumn: vscode.ViewColumn.Active });
        if (this.selectedId === item.checkpoint.id) return;
        this.selectedId = item.checkpoint.id;
        this.didSelect.fire(item);
    }

    private describe(): void {
        const shown = this.shown;
        this.treeView.description = shown ? `${shown.summary.workflow} ${shortId(shown.summary.runId)} · ${runLook(shown.summary.status).words}` : undefined;
    }

    dispose(): void {
        for (const subscription of this.subscriptions) subscription.dispose();
        this.didChange.dispose();
        this.didSelect.dispose();
    }
}
