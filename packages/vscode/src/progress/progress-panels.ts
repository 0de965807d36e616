import * as vscode from 'vscode';
import { PROGRESS_VIEW_TYPE, savedRunId } from '../shared/messages.js';
import type { ManagedRun, RunManager } from '../runs/run-manager.js';
import { panelTitle, ProgressPanel, runInfo, type RunSnapshot, type StoredRunSource } from './progress-panel.js';

/** The runs whose panels were shown, newest first, with where their logs and files are. */
const KNOWN_RUNS_KEY = 'flow.progress.knownRuns';
/** Each known run's snapshot is stored under this prefix and its run id. */
const SNAPSHOT_KEY_PREFIX = 'flow.progress.snapshot.';
/** How many runs are remembered; an older one's restored panel keeps only its webview's own saved state. */
const KNOWN_RUNS_KEPT = 10;
/** A run with more events than this is not saved whole (its restored panel shows the webview's own saved state). */
const SNAPSHOT_MAX_EVENTS = 20_000;
/** How often a running run with an open panel is saved again. */
const SNAPSHOT_INTERVAL_MS = 2_000;

interface KnownRun {
    runId: string;
    workflow: string;
    logDir: string;
    file: string;
}

/**
 * The progress panels of this window, one per run, and their serializer. A reload ends the
 * window's runs and its RunManager starts empty, so the panels keep each shown run (its model and
 * events) in the workspace's storage, which VS Code writes at once; the webview's own saved
 * state is written only when the workbench saves its editors, which can be a minute old. After a
 * reload VS Code hands each panel back and it shows the saved run, marked as no longer followed.
 */
export class ProgressPanels implements vscode.Disposable {
    private readonly panels = new Map<string, ProgressPanel>();
    private readonly subscriptions: vscode.Disposable[] = [];
    private readonly savedAt = new Map<string, number>();

    constructor(private readonly context: vscode.ExtensionContext, private readonly runs: RunManager) {
        this.subscriptions.push(
            vscode.window.registerWebviewPanelSerializer(PROGRESS_VIEW_TYPE, {
                deserializeWebviewPanel: async (panel, state) => this.restore(panel, state)
            }),
            runs.onDidReceiveEvent(({ run }) => {
                if (this.panels.has(run.id) && Date.now() - (this.savedAt.get(run.id) ?? 0) >= SNAPSHOT_INTERVAL_MS) void this.save(run);
            }),
            runs.onDidEndRun(({ run }) => {
                if (this.knownRuns().some(known => known.runId === run.id)) void this.save(run);
            })
        );
    }

    /** Opens the run's panel, or brings it to the front when it is open. */
    show(run: ManagedRun): ProgressPanel {
        const open = this.panels.get(run.id);
        if (open) {
            open.reveal();
            return open;
        }
        const panel = vscode.window.createWebviewPanel(PROGRESS_VIEW_TYPE, panelTitle(run.workflow), vscode.ViewColumn.Active, {});
        void this.save(run);
        return this.track(new ProgressPanel(panel, this.context.extensionUri, this.runs, { runId: run.id, run }));
    }

    /**
     * Opens the panel of a run from the store (a `flowctl run`, a run of an earlier window),
     * shown from its stored events and marked as not followed live; while another process goes
     * on writing it, its new events are read from the store as they come.
     */
    showStored(run: { snapshot: RunSnapshot; logDir: string; file?: vscode.Uri; source: StoredRunSource }): ProgressPanel {
        const runId = run.snapshot.run.runId;
        const open = this.panels.get(runId);
        if (open) {
            open.reveal();
            return open;
        }
        const panel = vscode.window.createWebviewPanel(PROGRESS_VIEW_TYPE, panelTitle(run.snapshot.run.workflow), vscode.ViewColumn.Active, {});
        return this.track(new ProgressPanel(panel, this.context.extensionUri, this.runs, {
            runId, snapshot: run.snapshot, logDir: run.logDir, file: run.file, stored: run.source
        }));
    }

    /** The open panel of a run (for the extension-host tests, through `activate`'s API). */
    panelFor(runId: string): ProgressPanel | undefined {
        return this.panels.get(runId);
    }

    /** Finds a run in the store by id, for a restored panel whose run this window never had (a run from the store). */
    findStored?: (runId: string) => Promise<{ snapshot: RunSnapshot; logDir: string; file?: vscode.Uri; source: StoredRunSource } | undefined>;

    private async restore(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
        // VS Code may have saved the panel before its webview saved any state (it saves editors
        // only now and then): then the run is the latest known one of the workflow its title names.
        const runId = savedRunId(state) ?? this.knownRuns()
            .find(known => panel.title === panelTitle(known.workflow) && !this.panels.has(known.runId))?.runId;
        const run = runId === undefined ? undefined : this.runs.sessionRuns.find(candidate => candidate.id === runId);
        const known = this.knownRuns().find(candidate => candidate.runId === runId);
        const snapshot = runId === undefined ? undefined : this.context.workspaceState.get<RunSnapshot>(SNAPSHOT_KEY_PREFIX + runId);
        if (runId !== undefined && !run && !known) {
            const stored = await this.findStored?.(runId).catch(() => undefined);
            if (stored) {
                this.track(new ProgressPanel(panel, this.context.extensionUri, this.runs, {
                    runId, snapshot: stored.snapshot, logDir: stored.logDir, file: stored.file, stored: stored.source
                }));
                return;
            }
        }
        // Without a saved run id the webview has nothing to show; it says so when the extension answers `ready`.
        const restored = new ProgressPanel(panel, this.context.extensionUri, this.runs, {
            runId: runId ?? '', run, snapshot, logDir: known?.logDir, file: known ? vscode.Uri.parse(known.file) : undefined
        });
        if (runId !== undefined && !this.panels.has(runId)) this.track(restored);
    }

    private track(panel: ProgressPanel): ProgressPanel {
        this.panels.set(panel.runId, panel);
        panel.onDidDispose(() => {
            if (this.panels.get(panel.runId) === panel) this.panels.delete(panel.runId);
        });
        return panel;
    }

    private knownRuns(): KnownRun[] {
        return this.context.workspaceState.get<KnownRun[]>(KNOWN_RUNS_KEY, []);
    }

    /** Keeps the run (and forgets the oldest beyond `KNOWN_RUNS_KEPT`). */
    private async save(run: ManagedRun): Promise<void> {
        this.savedAt.set(run.id, Date.now());
        const state = this.context.workspaceState;
        const known = [{ runId: run.id, workflow: run.workflow, logDir: run.logDir, file: run.file.toString() }, ...this.knownRuns().filter(entry => entry.runId !== run.id)];
        for (const forgotten of known.slice(KNOWN_RUNS_KEPT)) await state.update(SNAPSHOT_KEY_PREFIX + forgotten.runId, undefined);
        await state.update(KNOWN_RUNS_KEY, known.slice(0, KNOWN_RUNS_KEPT));
        const snapshot: RunSnapshot | undefined = run.events.length <= SNAPSHOT_MAX_EVENTS
            ? { run: runInfo(run), model: run.model, events: run.events.slice() } : undefined;
        await state.update(SNAPSHOT_KEY_PREFIX + run.id, snapshot);
    }

    dispose(): void {
        for (const subscription of this.subscriptions) subscription.dispose();
        // Disposing the panels' listeners, not the panels: VS Code restores those after a reload.
        for (const panel of [...this.panels.values()]) panel.dispose();
        this.panels.clear();
    }
}
