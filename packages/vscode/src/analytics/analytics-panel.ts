import * as vscode from 'vscode';
import type { RunHistory } from '../history/run-history.js';
import {
    ANALYTICS_VIEW_TYPE, DEFAULT_ANALYTICS_TIMEFRAME, parseAnalyticsViewMessage,
    type AnalyticsHostMessage, type AnalyticsSavedState, type AnalyticsTimeframe
} from '../shared/messages.js';
import { webviewHtml, webviewOptions } from '../webviews/webview-html.js';

/** The task attributes the panel breaks its metrics down by (all of the store's but pool and phase, which most workflows lack). */
const BREAKDOWN = ['task_type', 'agent', 'priority', 'workflow'] as const;

/**
 * The analytics panel (one per window): the store's analytics (`store.analytics`, the numbers
 * behind `flowctl analytics`) for a timeframe and a state folder the webview picks, drawn as
 * charts and tables. It reads the store read-only and reports again when the store changes
 * while it is visible. After a window reload the serializer brings it back with what it showed.
 */
export class AnalyticsPanels implements vscode.Disposable {
    private panel?: vscode.WebviewPanel;
    private query: AnalyticsSavedState = { timeframe: DEFAULT_ANALYTICS_TIMEFRAME, source: 0 };
    private readonly subscriptions: vscode.Disposable[] = [];
    private panelSubscriptions: vscode.Disposable[] = [];

    constructor(private readonly extensionUri: vscode.Uri, private readonly history: RunHistory) {
        this.subscriptions.push(
            vscode.window.registerWebviewPanelSerializer(ANALYTICS_VIEW_TYPE, {
                deserializeWebviewPanel: async (panel, state) => {
                    const saved = state as Partial<AnalyticsSavedState> | undefined;
                    this.attach(panel, { timeframe: saved?.timeframe ?? DEFAULT_ANALYTICS_TIMEFRAME, source: saved?.source ?? 0 });
                }
            }),
            history.onDidChange(() => {
                if (this.panel?.visible) void this.send();
            })
        );
    }

    /** The open panel (for the extension-host tests, through `activate`'s API). */
    get current(): vscode.WebviewPanel | undefined {
        return this.panel;
    }

    /** Opens the panel, or brings it forward; `timeframe` sets what it shows. */
    show(timeframe?: AnalyticsTimeframe): vscode.WebviewPanel {
        if (this.panel) {
            this.panel.reveal();
            if (timeframe && timeframe !== this.query.timeframe) {
                this.query = { ...this.query, timeframe };
                void this.send();
            }
            return this.panel;
        }
        const panel = vscode.window.createWebviewPanel(ANALYTICS_VIEW_TYPE, 'Flow: Analytics', vscode.ViewColumn.Active, {});
        this.attach(panel, { ...this.query, timeframe: timeframe ?? this.query.timeframe });
        return panel;
    }

    private attach(panel: vscode.WebviewPanel, query: AnalyticsSavedState): void {
        this.detach();
        this.panel = panel;
        this.query = query;
        panel.webview.options = webviewOptions(this.extensionUri);
        panel.webview.html = webviewHtml(panel.webview, this.extensionUri, { bundle: 'analytics', title: 'Flow analytics' });
        this.panelSubscriptions = [
            panel.webview.onDidReceiveMessage(value => {
                const message = parseAnalyticsViewMessage(value);
                // A message of another shape is a bug in the webview, not the user's doing: ignore it.
                if (!message) return;
                if (message.type === 'query' || message.timeframe !== undefined) {
                    this.query = { timeframe: message.timeframe ?? this.query.timeframe, source: message.source ?? this.query.source };
                }
                void this.send();
            }),
            panel.onDidDispose(() => {
                if (this.panel === panel) this.detach();
            })
        ];
    }

    private detach(): void {
        for (const subscription of this.panelSubscriptions) subscription.dispose();
        this.panelSubscriptions = [];
        this.panel = undefined;
    }

    /** Computes the report for the panel's query and posts it. */
    private async send(): Promise<void> {
        const panel = this.panel;
        if (!panel) return;
        const folders = this.history.folders();
        const sources = folders.map(folder => ({ label: folder.label }));
        const source = Math.min(this.query.source, Math.max(0, folders.length - 1));
        const { timeframe } = this.query;
        let message: AnalyticsHostMessage;
        if (folders.length === 0) {
            message = { type: 'problem', sources, source, timeframe, message: 'Open a folder: analytics are made from the runs kept in its state folder (.flow).' };
        } else {
            const folder = folders[source];
            try {
                const report = await this.history.read(folder.dir, store => store.analytics({ timeframe, breakdown: BREAKDOWN }));
                message = { type: 'report', sources, source, timeframe, report };
            } catch (error) {
                message = {
                    type: 'problem', sources, source, timeframe,
                    message: `The runs in ${folder.label} could not be read: ${(error as Error).message} (flowctl analytics --state-dir ${folder.dir} shows the same).`
                };
            }
        }
        if (this.panel === panel) void panel.webview.postMessage(message);
    }

    dispose(): void {
        for (const subscription of this.subscriptions) subscription.dispose();
        // The panel's listeners, not the panel: VS Code restores it after a reload.
        this.detach();
    }
}
