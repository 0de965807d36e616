import * as vscode from 'vscode';
import type { RunResult } from '@flow/engine';
import type { WorkflowModel } from '@flow/model';
import type { CompileOutcome, WorkflowProblem } from '../runtime/compile-workflow.js';
import { loadWorkflowRuntime } from '../runtime/load-runtime.js';
import type { RunManager } from '../runs/run-manager.js';
import { collectWorkspaceSources } from '../workspace/flow-sources.js';
import { mayExecuteWorkspaceCode } from '../workspace-trust.js';

export const RUN_WORKFLOW_COMMAND = 'flow.runWorkflow';

/** Arguments other commands, CodeLenses and tests may pass after the file. */
export interface RunWorkflowOptions {
    /** Which workflow of the file to run, when it declares several. @default ask when there are several */
    workflow?: string;
}

/**
 * `Flow: Run Workflow`: compiles the workflow of the active `.flow` file (or of the file it is
 * invoked on) against the workspace's other `.flow` files, and runs it in the extension host.
 * Resolves with the run's result when it ends, or undefined when nothing was run (the user was
 * told why).
 */
export function registerRunWorkflow(context: vscode.ExtensionContext, runs: RunManager): void {
    context.subscriptions.push(vscode.commands.registerCommand(RUN_WORKFLOW_COMMAND,
        (uri?: vscode.Uri, options?: RunWorkflowOptions) => runWorkflow(runs, uri, options)));
}

async function runWorkflow(runs: RunManager, uri: vscode.Uri | undefined, options: RunWorkflowOptions = {}): Promise<RunResult | undefined> {
    if (!mayExecuteWorkspaceCode('running a workflow')) return undefined;
    const document = uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
    if (!document || document.languageId !== 'flow') {
        void vscode.window.showErrorMessage('Flow: Run Workflow needs a .flow file: open one (or run the command from its editor or its explorer entry).');
        return undefined;
    }
    const shownName = vscode.workspace.asRelativePath(document.uri);

    const compiled = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: `Flow: checking ${shownName}` },
        () => compile(document, options.workflow));
    if (!compiled) return undefined;

    const { planWorkflow } = loadWorkflowRuntime();
    // As `flowctl run` does: a task that no agent can run stops the run before anything starts.
    const blocked = planWorkflow(compiled, {}).waves.flat().filter(task => task.problem !== undefined);
    if (blocked.length > 0) {
        const first = blocked[0];
        const source = compiled.tasks.find(task => task.id === first.id)?.source;
        void vscode.window.showErrorMessage(`Flow: ${compiled.name} was not run: ${blocked.length} task${blocked.length === 1 ? '' : 's'} cannot run. ` +
            `${source ? `${vscode.workspace.asRelativePath(source.file)}:${source.line}:${source.column}: ` : ''}${first.id}: ${first.problem}. ` +
            'Declare agents with the capabilities they require, or give the task a run command.');
        return undefined;
    }

    const workspaceDir = vscode.workspace.getWorkspaceFolder(document.uri)?.uri.fsPath ?? vscode.Uri.joinPath(document.uri, '..').fsPath;
    let run;
    try {
        run = runs.start(compiled, { file: document.uri, workspaceDir });
    } catch (error) {
        // WorkflowConfigError: parameters or settings the engine refuses; its message names the field.
        void vscode.window.showErrorMessage(`Flow: ${compiled.name} was not run: ${(error as Error).message}`);
        return undefined;
    }
    return run.result;
}

/** The compiled model, or undefined after telling the user why there is none. */
async function compile(document: vscode.TextDocument, workflow: string | undefined): Promise<WorkflowModel | undefined> {
    const { compileWorkflowFile } = loadWorkflowRuntime();
    const sources = await collectWorkspaceSources(document);
    let outcome: CompileOutcome = await compileWorkflowFile({ ...sources, workflow });
    if (outcome.kind === 'choose') {
        const picked = await vscode.window.showQuickPick(outcome.workflows, {
            title: 'Flow: Run Workflow', placeHolder: `${vscode.workspace.asRelativePath(document.uri)} declares several workflows; which one?`
        });
        if (picked === undefined) return undefined;
        outcome = await compileWorkflowFile({ ...sources, workflow: picked });
    }
    switch (outcome.kind) {
        case 'compiled':
            return outcome.model;
        case 'problems':
            void showProblems(outcome.problems);
            return undefined;
        case 'not-runnable':
            void vscode.window.showErrorMessage(`Flow: ${vscode.workspace.asRelativePath(document.uri)}: ${outcome.message}`);
            return undefined;
        case 'choose':
            // Only after a pick, which names one workflow; a second choice cannot come back.
            return undefined;
    }
}

async function showProblems(problems: readonly WorkflowProblem[]): Promise<void> {
    const first = problems[0];
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    const choice = await vscode.window.showErrorMessage(
        `Flow: the workflow was not run: ${vscode.workspace.asRelativePath(first.file)}:${first.line}:${first.column}: ${first.message}${more}. ` +
        'Fix the errors the Problems view lists, then run it again.',
        'Show Problems');
    if (choice === 'Show Problems') await vscode.commands.executeCommand('workbench.actions.view.problems');
}
