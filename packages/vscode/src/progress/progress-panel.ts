import * as vscode from 'vscode';
import type { RunEvent } from '@flow/engine';
import type { WorkflowModel } from '@flow/model';
import { parseProgressViewMessage, type ProgressHostMessage, type ProgressRunInfo, type ProgressViewMessage } from '../shared/messages.js';
import type { ManagedRun, RunManager } from '../runs/run-manager.js';
import { loadWorkflowRuntime } from '../runtime/load-runtime.js';
import { webviewHtml, webviewOptions } from '../webviews/webview-html.js';
import { readTaskLog } from './task-log.js';

/** How long events gather before they are posted together: a busy run sends hundreds a second. */
const EVENT_BATCH_MS = 50;
/** How often the selected task's wait is explained again while the run goes on (each time reads every event). */
const WAITING_REFRESH_MS = 1_000;

/** What the panels keep of a run for after a window reload: what `init` sends. */
export interface RunSnapshot {
    run: ProgressRunInfo;
    model: WorkflowModel;
    events: RunEvent[];
}

/** A run read from the store rather than followed live: a `flowctl run`, or a run of an earlier window. */
export interface StoredRunSource {
    /** The run's events after `seq`, as the store has them now. */
    eventsAfter(seq: number): Promise<RunEvent[]>;
    /** Fires when the store may hold more of them. */
    readonly onDidChange: vscode.Event<void>;
    /** What the panel says about the run, given its events so far (running elsewhere, interrupted, ended). */
    describe(events: readonly RunEvent[]): string;
}

export interface ProgressPanelTarget {
    runId: string;
    /** The run, while this window's RunManager holds it; without it the panel shows what was saved. */
    run?: ManagedRun;
    /** The run as last saved by the panels, after a reload. */
    snapshot?: RunSnapshot;
    /** The run's log folder and `.flow` file, known even after a reload (the panels remember them). */
    logDir?: string;
    file?: vscode.Uri;
    /** For a run from the store: where more of its events come from while another process runs it. */
    stored?: StoredRunSource;
}

/**
 * One progress panel, following one run: it posts the run's model and events to the webview
 * (all of them whenever the webview (re)loads, then new ones in small batches) and answers
 * what the webview asks (an attempt's log, why a task waits, where a task is declared).
 */
export class ProgressPanel implements vscode.Disposable {
    readonly runId: string;
    private run?: ManagedRun;
    private readonly logDir?: string;
    private readonly file?: vscode.Uri;
    private snapshot?: RunSnapshot;
    private readonly stored?: StoredRunSource;
    private waitingSentAt = 0;
    /** How many of the run's events the webview has been sent since it last said `ready`. */
    private sent = 0;
    private flushTimer?: NodeJS.Timeout;
    private selected?: string;
    private readonly subscriptions: vscode.Disposable[] = [];
    private readonly didDispose = new vscode.EventEmitter<void>();
    readonly onDidDispose = this.didDispose.event;

    constructor(readonly panel: vscode.WebviewPanel, extensionUri: vscode.Uri, private readonly runs: RunManager, target: ProgressPanelTarget) {
        this.runId = target.runId;
        this.run = target.run;
        this.logDir = target.logDir ?? target.run?.logDir;
        this.file = target.file ?? target.run?.file;
        this.snapshot = target.snapshot;
        this.stored = target.stored;
        panel.webview.options = webviewOptions(extensionUri);
        panel.webview.html = webviewHtml(panel.webview, extensionUri, { bundle: 'progress', title: `Flow run progress` });
        this.subscriptions.push(
            panel.webview.onDidReceiveMessage(message => {
                const parsed = parseProgressViewMessage(message);
                // A message of another shape is a bug in the webview, not the user's doing: ignore it.
                if (parsed) void this.receive(parsed);
            }),
            runs.onDidReceiveEvent(({ run }) => {
                if (run === this.run) this.scheduleFlush();
            }),
            panel.onDidDispose(() => this.dispose())
        );
        if (this.stored) this.subscriptions.push(this.stored.onDidChange(() => void this.readStored()));
    }

    /** The run this panel follows live, if any. */
    get liveRun(): ManagedRun | undefined {
        return this.run;
    }

    reveal(): void {
        this.panel.reveal();
    }

    private async receive(message: ProgressViewMessage): Promise<void> {
        switch (message.type) {
            case 'ready':
                this.sendInit();
                return;
            case 'selectTask':
                this.selected = message.task ?? undefined;
                this.sendWaiting(this.selected, true);
                return;
            case 'requestScore':
                this.sendWaiting(message.task, false);
                return;
            case 'requestLog': {
                const request = { task: message.task, attempt: message.attempt, item: message.item };
                const log = this.logDir === undefined
                    ? { truncated: false, problem: 'The run\'s log folder is not known any more, so its logs cannot be shown here; they are under the state folder\'s logs/.' }
                    : await readTaskLog(this.logDir, this.run?.events ?? this.snapshot?.events, request);
                this.post({ type: 'log', ...request, log });
                return;
            }
            case 'revealTask':
                await this.revealTask(message.task);
                return;
        }
    }

    private sendInit(): void {
        const run = this.run;
        if (!run) {
            // The saved run, when there is one, is more recent than the webview's own saved state.
            if (this.snapshot) this.post({ type: 'init', ...this.snapshot });
            this.post({ type: 'detached', runId: this.runId, reason: this.detachedReason() });
            return;
        }
        clearTimeout(this.flushTimer);
        this.flushTimer = undefined;
        const events = run.events.slice();
        this.sent = events.length;
        this.post({ type: 'init', run: runInfo(run), model: run.model, events });
        this.panel.title = panelTitle(run.workflow);
    }

    private detachedReason(): string {
        if (this.stored) return this.stored.describe(this.snapshot?.events ?? []);
        return 'This run is no longer followed live: the window was reloaded since, and the editor ends the runs it started with their window. ' +
            (!this.snapshot ? 'Shown is what this panel last saved.'
                : ended(this.snapshot.events) ? 'Shown is the run as it ended.' : 'Shown is the run as it was last saved, before it ended.');
    }

    /** A run from the store that another process goes on writing: post what it has recorded since. */
    private async readStored(): Promise<void> {
        const snapshot = this.snapshot;
        if (!this.stored || !snapshot || ended(snapshot.events)) return;
        const events = await this.stored.eventsAfter(snapshot.events.at(-1)?.seq ?? 0).catch(() => []);
        if (events.length === 0 || this.snapshot !== snapshot) return;
        this.snapshot = { ...snapshot, events: [...snapshot.events, ...events] };
        this.post({ type: 'events', runId: this.runId, events });
        if (ended(events)) this.post({ type: 'detached', runId: this.runId, reason: this.detachedReason() });
    }

    private scheduleFlush(): void {
        this.flushTimer ??= setTimeout(() => {
            this.flushTimer = undefined;
            this.flush();
        }, EVENT_BATCH_MS);
    }

    private flush(): void {
        const run = this.run;
        if (!run || this.sent >= run.events.length) return;
        const events = run.events.slice(this.sent);
        this.sent = run.events.length;
        this.post({ type: 'events', runId: run.id, events });
        // What a task waits for changes with other tasks too (a pool slot frees up), not only its own events.
        if (this.selected !== undefined && Date.now() - this.waitingSentAt >= WAITING_REFRESH_MS) this.sendWaiting(this.selected, true);
    }

    /** "Why is this waiting?" for a task, asked of the live run; `quiet` sends nothing for a task that does not wait. */
    private sendWaiting(task: string | undefined, quiet: boolean): void {
        const run = this.run;
        if (task === undefined || !run || !run.model.tasks.some(candidate => candidate.id === task)) return;
        this.waitingSentAt = Date.now();
        const explanation = loadWorkflowRuntime().explainWaitingTask(run.model, run.events, task, Date.now(),
            taskId => this.runs.explainTaskScore(run.id, taskId));
        if (quiet && !explanation.waiting) return;
        this.post({ type: 'waiting', explanation });
    }

    private async revealTask(task: string): Promise<void> {
        const source = this.run?.model.tasks.find(candidate => candidate.id === task)?.source;
        const file = source ? vscode.Uri.file(source.file) : this.file;
        if (!file) {
            void vscode.window.showInformationMessage(`Flow: where ${task} is declared is not known any more (the run is no longer followed); open its .flow file and search for it.`);
            return;
        }
        const document = await vscode.workspace.openTextDocument(file);
        // Without the run's model (after a reload) the declaration is found in the text, as it is now.
        const position = source
            ? new vscode.Position(source.line - 1, source.column - 1)
            : document.positionAt(Math.max(0, document.getText().search(new RegExp(`\\b(task|batch)\\s+${escapeRegExp(task)}\\b`))));
        await vscode.window.showTextDocument(document, { selection: new vscode.Range(position, position), viewColumn: vscode.ViewColumn.Beside });
    }

    private post(message: ProgressHostMessage): void {
        // A hidden webview drops what it is sent; it asks again with `ready` when it shows.
        void this.panel.webview.postMessage(message);
    }

    dispose(): void {
        clearTimeout(this.flushTimer);
        for (const subscription of this.subscriptions) subscription.dispose();
        this.subscriptions.length = 0;
        this.run = undefined;
        this.didDispose.fire();
        this.didDispose.dispose();
    }
}

/** The panel's tab title: what a restored panel without saved state is matched by. */
export function panelTitle(workflow: string): string {
    return `Flow: ${workflow}`;
}

export function runInfo(run: ManagedRun): ProgressRunInfo {
    return { runId: run.id, workflow: run.workflow, file: vscode.workspace.asRelativePath(run.file) };
}

function escapeRegExp(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function ended(events: readonly RunEvent[]): boolean {
    const last = events.at(-1)?.type;
    return last === 'run.completed' || last === 'run.failed' || last === 'run.cancelled';
}
