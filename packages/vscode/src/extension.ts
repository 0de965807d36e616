import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { registerRunWorkflow } from './commands/run-workflow.js';
import { registerShowProgress } from './commands/show-progress.js';
import { registerShowRunLog } from './commands/show-run-log.js';
import { startLanguageClient } from './language-client.js';
import { ProgressPanels } from './progress/progress-panels.js';
import { RunManager } from './runs/run-manager.js';
import { notifyRunEnds } from './runs/run-notifier.js';
import { RunOutput } from './runs/run-output.js';
import { RunStatusBar } from './runs/run-status-bar.js';

/** What `activate` returns: the services other parts (and the extension-host tests) build on. */
export interface FlowExtensionApi {
    runs: RunManager;
    /** Resolves once the language server is up. */
    languageClient: Promise<LanguageClient>;
    /** The open progress panels, by run. */
    progress: ProgressPanels;
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
    registerShowRunLog(context, output);
    const progress = new ProgressPanels(context, runs);
    context.subscriptions.push(progress);
    registerShowProgress(context, runs, progress);
    return { runs, languageClient: client, progress };
}

export async function deactivate(): Promise<void> {
    await (await client?.catch(() => undefined))?.stop();
}
