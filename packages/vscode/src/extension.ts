import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { AnalyticsPanels } from './analytics/analytics-panel.js';
import { CheckpointsView } from './checkpoints/checkpoints-view.js';
import { RUN_STATE_SCHEME, RunStateDocuments } from './checkpoints/run-state-document.js';
import { WorkflowCodeLensProvider } from './codelens/workflow-code-lens.js';
import { registerCancelRun } from './commands/cancel-run.js';
import { registerCompileToJson } from './commands/compile-to-json.js';
import { registerConvertJson } from './commands/convert-json.js';
import { registerCreateCheckpoint } from './commands/create-checkpoint.js';
import { registerDiffCheckpoint } from './commands/diff-checkpoint.js';
import { registerDryRun } from './commands/dry-run.js';
import { registerNewWorkflowFromTemplate } from './commands/new-workflow-from-template.js';
import { registerOpenTaskLog } from './commands/open-task-log.js';
import { registerRerun } from './commands/rerun.js';
import { registerResumeFromCheckpoint } from './commands/resume-from-checkpoint.js';
import { registerRunTask } from './commands/run-task.js';
import { registerRunWorkflow } from './commands/run-workflow.js';
import { registerShowAnalytics } from './commands/show-analytics.js';
import { registerShowInCheckpoints } from './commands/show-in-checkpoints.js';
import { registerShowProgress } from './commands/show-progress.js';
import { registerShowRunLog } from './commands/show-run-log.js';
import { registerStepCheckpoint } from './commands/step-checkpoint.js';
import { RunHistory } from './history/run-history.js';
import { storedProgress } from './history/stored-progress.js';
import { startLanguageClient } from './language-client.js';
import { ProgressPanels } from './progress/progress-panels.js';
import { RunManager } from './runs/run-manager.js';
import { notifyRunEnds } from './runs/run-notifier.js';
import { RunOutput } from './runs/run-output.js';
import { RunStatusBar } from './runs/run-status-bar.js';
import { TaskOutcomes } from './runs/task-outcomes.js';
import { RunItem, type RunTreeItem } from './views/run-tree-items.js';
import { REFRESH_RUNS_COMMAND, RUNS_VIEW, RunsTreeDataProvider } from './views/runs-view.js';
import { REFRESH_WORKFLOWS_COMMAND, WORKFLOWS_VIEW, WorkflowsTreeDataProvider } from './views/workflows-view.js';

/** What `activate` returns: the services other parts (and the extension-host tests) build on. */
export interface FlowExtensionApi {
    runs: RunManager;
    /** Resolves once the language server is up. */
    languageClient: Promise<LanguageClient>;
    /** The open progress panels, by run. */
    progress: ProgressPanels;
    /** The Workflows view's data (its items are what the view shows). */
    workflowsTree: WorkflowsTreeDataProvider;
    /** The runs kept in the workspace's state folders, read from their stores. */
    history: RunHistory;
    /** The Runs view's data and the view. */
    runsTree: RunsTreeDataProvider;
    runsView: vscode.TreeView<RunTreeItem>;
    /** The Checkpoints view (its run, its items, its selection). */
    checkpoints: CheckpointsView;
    /** The analytics panel. */
    analytics: AnalyticsPanels;
}

let client: Promise<LanguageClient> | undefined;
let runManager: RunManager | undefined;

/**
 * Wires the extension: the language client, the run manager and what shows runs, and the
 * commands. Activation must stay light: the server starts in its own process without being
 * awaited, and Langium and the engine load only when a run needs them (runtime/load-runtime.ts).
 */
export function activate(context: vscode.ExtensionContext): FlowExtensionApi {
    client = startLanguageClient(context);
    client.catch(error => {
        void vscode.window.showErrorMessage(`Flow: the language server did not start: ${(error as Error).message}. ` +
            'Diagnostics, completion and hover are unavailable; the "Flow Language Server" output has details.');
    });

    const runs = runManager = new RunManager();
    const output = new RunOutput(runs);
    context.subscriptions.push(runs, output, new RunStatusBar(runs), notifyRunEnds(runs, () => output.show()),
        runs.onDidWarn(message => output.channel.appendLine(`[run store] ${message}`)));
    // Nothing of the store loads until a view reads it or a run records itself.
    const history = new RunHistory(runs);
    context.subscriptions.push(history);

    registerRunWorkflow(context, runs);
    registerRunTask(context, runs, client);
    registerDryRun(context, output);
    registerCancelRun(context, runs);
    registerCompileToJson(context);
    registerConvertJson(context);
    registerOpenTaskLog(context, runs, history);
    registerNewWorkflowFromTemplate(context);
    registerShowRunLog(context, output);

    const outcomes = new TaskOutcomes(runs);
    const workflowsTree = new WorkflowsTreeDataProvider(client, outcomes);
    const codeLenses = new WorkflowCodeLensProvider(client, outcomes);
    context.subscriptions.push(outcomes, workflowsTree, codeLenses,
        vscode.window.createTreeView(WORKFLOWS_VIEW, { treeDataProvider: workflowsTree, showCollapseAll: true }),
        vscode.commands.registerCommand(REFRESH_WORKFLOWS_COMMAND, () => workflowsTree.refresh()),
        vscode.languages.registerCodeLensProvider({ language: 'flow' }, codeLenses));
    const progress = new ProgressPanels(context, runs);
    progress.findStored = async runId => {
        for (const folder of history.folders()) {
            const found = await storedProgress(history, { stateDir: folder.dir, runId });
            if (found) return found;
        }
        return undefined;
    };
    context.subscriptions.push(progress);
    registerShowProgress(context, runs, progress, history);

    const runsTree = new RunsTreeDataProvider(history);
    const runsView = vscode.window.createTreeView(RUNS_VIEW, { treeDataProvider: runsTree, showCollapseAll: true });
    const checkpoints = new CheckpointsView(history);
    context.subscriptions.push(runsTree, runsView, checkpoints,
        vscode.workspace.registerTextDocumentContentProvider(RUN_STATE_SCHEME, new RunStateDocuments(history)),
        vscode.commands.registerCommand(REFRESH_RUNS_COMMAND, () => history.refresh()),
        // The Checkpoints view follows the run selected in the Runs view.
        runsView.onDidChangeSelection(event => {
            const item = event.selection[0];
            if (item instanceof RunItem) void checkpoints.showRun(item.ref).catch(() => undefined);
        }));
    registerResumeFromCheckpoint(context, runs, history);
    registerCreateCheckpoint(context, runs, history, () => checkpoints.run);
    registerRerun(context, history);
    registerShowInCheckpoints(context, history, checkpoints);
    registerStepCheckpoint(context, checkpoints);
    registerDiffCheckpoint(context, checkpoints);
    const analytics = new AnalyticsPanels(context.extensionUri, history);
    context.subscriptions.push(analytics);
    registerShowAnalytics(context, analytics);
    return { runs, languageClient: client, progress, workflowsTree, history, runsTree, runsView, checkpoints, analytics };
}

export async function deactivate(): Promise<void> {
    // The window's runs end with it and stay interrupted in the store, to be resumed.
    await Promise.all([runManager?.shutdown(), (await client?.catch(() => undefined))?.stop()]);
}
