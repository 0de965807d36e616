import * as vscode from 'vscode';
import type { FlowStore } from '@flow/store';
import type { RunManager } from '../runs/run-manager.js';
import { readFlowSettings, SETTINGS_SECTION } from '../settings.js';
import { loadRunStore } from '../store/load-store.js';

/** A state directory whose runs the views show: a workspace folder's `flow.stateDirectory`. */
export interface StateFolder {
    /** Absolute path. */
    dir: string;
    /** As the views name it: `.flow`, or `app/.flow` in a multi-root workspace. */
    label: string;
    /** The workspace folder whose setting names it (the first, when several name the same folder). */
    workspaceFolder: vscode.WorkspaceFolder;
}

/** How long changes on disk gather before the views read the store again (a run appends many events a second). */
const REFRESH_DEBOUNCE_MS = 400;

/**
 * The run history the views show, read from the store of each workspace folder's state
 * directory, read-only (no lock: it works while `flowctl run`, or this window, writes). A reader
 * sees the store as of the moment it opened, so it is reopened after a change: a run of this
 * window (the RunManager says so), or the store's files changing on disk (another process).
 * Nothing is loaded until a view first asks.
 */
export class RunHistory implements vscode.Disposable {
    private readonly readers = new Map<string, { store: Promise<FlowStore>; stale: boolean }>();
    private readonly didChange = new vscode.EventEmitter<void>();
    private readonly subscriptions: vscode.Disposable[] = [];
    private watchers: vscode.Disposable[] = [];
    private pending?: NodeJS.Timeout;
    private watching = false;
    /** Fires (debounced) when what the stores hold may have changed. */
    readonly onDidChange = this.didChange.event;

    constructor(runs: RunManager) {
        this.subscriptions.push(
            runs.onDidStartRun(() => this.changed()),
            runs.onDidReceiveEvent(({ event }) => {
                // Every task end makes a checkpoint; the rest only moves progress along.
                if (event.type.startsWith('run.') || event.type === 'task.completed' || event.type === 'task.failed' || event.type === 'task.skipped') this.changed();
            }),
            runs.onDidEndRun(() => this.changed()),
            vscode.workspace.onDidChangeWorkspaceFolders(() => this.foldersChanged()),
            vscode.workspace.onDidChangeConfiguration(event => {
                if (event.affectsConfiguration(`${SETTINGS_SECTION}.stateDirectory`)) this.foldersChanged();
            })
        );
    }

    /** The state directories of the workspace's folders, without repeats. */
    folders(): StateFolder[] {
        const folders = vscode.workspace.workspaceFolders ?? [];
        const seen = new Map<string, StateFolder>();
        for (const folder of folders) {
            const dir = readFlowSettings(folder.uri, folder.uri.fsPath).stateDirectory;
            if (seen.has(dir)) continue;
            const relative = vscode.workspace.asRelativePath(dir, folders.length > 1);
            seen.set(dir, { dir, label: relative === dir ? dir : relative, workspaceFolder: folder });
        }
        return [...seen.values()];
    }

    /** The state directory of a file's workspace folder. */
    folderOf(uri: vscode.Uri): StateFolder | undefined {
        const workspaceFolder = vscode.workspace.getWorkspaceFolder(uri);
        if (!workspaceFolder) return undefined;
        const dir = readFlowSettings(workspaceFolder.uri, workspaceFolder.uri.fsPath).stateDirectory;
        return this.folders().find(folder => folder.dir === dir);
    }

    /**
     * Runs `query` on a read-only store of `dir` that is up to date with the last change this
     * history was told of. The query runs synchronously on the reader (store queries are
     * synchronous), so no refresh can close it underneath. Throws the store's errors.
     */
    async read<T>(dir: string, query: (store: FlowStore) => T): Promise<T> {
        this.watch();
        let entry = this.readers.get(dir);
        if (!entry || entry.stale) {
            const previous = entry;
            const opening = loadRunStore().FlowStore.open(dir, { readOnly: true });
            const current = { store: opening, stale: false };
            entry = current;
            this.readers.set(dir, current);
            opening.catch(() => {
                if (this.readers.get(dir) === current) this.readers.delete(dir);
            });
            // Once the new reader is there: a read that got the old one has run its query by then.
            if (previous) void Promise.all([previous.store, opening]).then(([old]) => old.close()).catch(() => undefined);
        }
        return query(await entry.store);
    }

    /** Reads every store again (the Refresh button). */
    refresh(): void {
        this.changed();
    }

    private changed(): void {
        for (const entry of this.readers.values()) entry.stale = true;
        clearTimeout(this.pending);
        this.pending = setTimeout(() => this.didChange.fire(), REFRESH_DEBOUNCE_MS);
    }

    private foldersChanged(): void {
        if (this.watching) this.startWatchers();
        this.changed();
    }

    /** From the first read on: the store's files (a writer's journal appends, its exports, checkpoints left in its inbox). */
    private watch(): void {
        if (this.watching) return;
        this.watching = true;
        this.startWatchers();
    }

    private startWatchers(): void {
        for (const watcher of this.watchers) watcher.dispose();
        this.watchers = this.folders().flatMap(folder => {
            const watcher = vscode.workspace.createFileSystemWatcher(
                new vscode.RelativePattern(vscode.Uri.file(folder.dir), '{store.db,journal/*.log,inbox/*.json}'));
            return [watcher, watcher.onDidCreate(() => this.changed()), watcher.onDidChange(() => this.changed()), watcher.onDidDelete(() => this.changed())];
        });
    }

    dispose(): void {
        clearTimeout(this.pending);
        for (const disposable of [...this.subscriptions, ...this.watchers]) disposable.dispose();
        for (const { store } of this.readers.values()) void store.then(reader => reader.close()).catch(() => undefined);
        this.readers.clear();
        this.didChange.dispose();
    }
}
