import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { WorkflowCodeLensProvider } from './codelens/workflow-code-lens.js';
import { registerCancelRun } from './commands/cancel-run.js';
import { registerCompileToJson } from './commands/compile-to-json.js';
import { registerConvertJson } from './commands/convert-json.js';
import { registerDryRun } from './commands/dry-run.js';
import { registerNewWorkflowFromTemplate } from './commands/new-workflow-from-template.js';
import { registerOpenTaskLog } from './commands/open-task-log.js';
import { registerRunTask } from './commands/run-task.js';
import { registerRunWorkflow } from './commands/run-workflow.js';
import { registerShowProgress } from './commands/show-progress.js';
import { registerShowRunLog } from './commands/show-run-log.js';
import { startLanguageClient } from './language-client.js';
import { ProgressPanels } from './progress/progress-panels.js';
import { RunManager } from './runs/run-manager.js';
import { notifyRunEnds } from './runs/run-notifier.js';
import { RunOutput } from './runs/run-output.js';
import { RunStatusBar } from './runs/run-status-bar.js';
import { TaskOutcomes } from './runs/task-outcomes.js';
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
}

let client: Promise<LanguageClient> | undefined;

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

    const runs = new RunManager();
    const output = new RunOutput(runs);
    context.subscriptions.push(runs, output, new RunStatusBar(runs), notifyRunEnds(runs, () => output.show()));

    registerRunWorkflow(context, runs);
    registerRunTask(context, runs, client);
    registerDryRun(context, output);
    registerCancelRun(context, runs);
    registerCompileToJson(context);
    registerConvertJson(context);
    registerOpenTaskLog(context, runs);
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
    context.subscriptions.push(progress);
    registerShowProgress(context, runs, progress);
    return { runs, languageClient: client, progress, workflowsTree };
}

export async function deactivate(): Promise<void> {
    await (await client?.catch(() => undefined))?.stop();
}
