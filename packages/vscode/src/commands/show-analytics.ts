import * as vscode from 'vscode';
import type { AnalyticsPanels } from '../analytics/analytics-panel.js';
import type { AnalyticsTimeframe } from '../shared/messages.js';

export const SHOW_ANALYTICS_COMMAND = 'flow.showAnalytics';

/**
 * `Flow: Show Analytics`: the store's analytics of the workspace's runs (completion time,
 * success rate, breakdowns, trends, bottlenecks, recommendations: what `flowctl analytics`
 * reports) as charts and tables in a panel, for a timeframe picked there. A test may pass the
 * timeframe. Resolves with the panel.
 */
export function registerShowAnalytics(context: vscode.ExtensionContext, panels: AnalyticsPanels): void {
    context.subscriptions.push(vscode.commands.registerCommand(SHOW_ANALYTICS_COMMAND,
        (timeframe?: AnalyticsTimeframe): vscode.WebviewPanel => panels.show(typeof timeframe === 'string' ? timeframe : undefined)));
}
