import * as vscode from 'vscode';
import type { WorkflowModel } from '@flow/model';
import type { CompileOutcome, WorkflowProblem } from '../runtime/compile-workflow.js';
import { loadWorkflowRuntime } from '../runtime/load-runtime.js';
import { readFlowSettings, workspaceDirOf } from '../settings.js';
import { collectWorkspaceSources } from '../workspace/flow-sources.js';

export interface CompileForCommand {
    /** The command's title, for the picker and messages (`Run Workflow`). */
    title: string;
    /** Which workflow of the file; asked for when absent and the file declares several. */
    workflow?: string;
    /** What happens when the file has errors: `not run`, `not compiled`. */
    outcome: string;
    /** For runs: the workflow's scheduling algorithm defaults to `flow.scheduling.algorithm`. @default false */
    forRun?: boolean;
    /** Accept a template (for showing its model). @default false */
    allowTemplate?: boolean;
}

/**
 * The compiled model of a workflow of `document` (with the workspace's other `.flow` files for
 * what it references), or undefined after telling the user why there is none: errors (with a
 * button to the Problems view), a file without a runnable workflow, or a dismissed picker.
 */
export async function compileForCommand(document: vscode.TextDocument, request: CompileForCommand): Promise<WorkflowModel | undefined> {
    const shownName = vscode.workspace.asRelativePath(document.uri);
    const sources = await collectWorkspaceSources(document);
    const defaultAlgorithm = request.forRun ? readFlowSettings(document.uri, workspaceDirOf(document.uri)).schedulingAlgorithm : undefined;
    const compile = (workflow: string | undefined): Thenable<CompileOutcome> => vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: `Flow: checking ${shownName}` },
        () => loadWorkflowRuntime().compileWorkflowFile({ ...sources, workflow, defaultAlgorithm, allowTemplate: request.allowTemplate }));
    let outcome = await compile(request.workflow);
    if (outcome.kind === 'choose') {
        const picked = await vscode.window.showQuickPick(outcome.workflows, {
            title: `Flow: ${request.title}`, placeHolder: `${shownName} declares several workflows; which one?`
        });
        if (picked === undefined) return undefined;
        outcome = await compile(picked);
    }
    switch (outcome.kind) {
        case 'compiled':
            return outcome.model;
        case 'problems':
            void showProblems(outcome.problems, request.outcome);
            return undefined;
        case 'not-runnable':
            void vscode.window.showErrorMessage(`Flow: ${shownName}: ${outcome.message}`);
            return undefined;
        case 'choose':
            // Only after a pick, which names one workflow; a second choice cannot come back.
            return undefined;
    }
}

/**
 * As `flowctl run` does: a task that no agent can run stops the run before anything starts.
 * True when the model may run; otherwise the user was told which task and how to fix it.
 */
export function mayStart(model: WorkflowModel): boolean {
    const { planWorkflow } = loadWorkflowRuntime();
    const blocked = planWorkflow(model, {}).waves.flat().filter(task => task.problem !== undefined);
    if (blocked.length === 0) return true;
    const first = blocked[0];
    const source = model.tasks.find(task => task.id === first.id)?.source;
    void vscode.window.showErrorMessage(`Flow: ${model.name} was not run: ${blocked.length} task${blocked.length === 1 ? '' : 's'} cannot run. ` +
        `${source ? `${vscode.workspace.asRelativePath(source.file)}:${source.line}:${source.column}: ` : ''}${first.id}: ${first.problem}. ` +
        'Declare agents with the capabilities they require, or give the task a run command.');
    return false;
}

export async function showProblems(problems: readonly WorkflowProblem[], outcome: string): Promise<void> {
    const first = problems[0];
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    const choice = await vscode.window.showErrorMessage(
        `Flow: the workflow was ${outcome}: ${vscode.workspace.asRelativePath(first.file)}:${first.line}:${first.column}: ${first.message}${more}. ` +
        'Fix the errors the Problems view lists, then try again.',
        'Show Problems');
    if (choice === 'Show Problems') await vscode.commands.executeCommand('workbench.actions.view.problems');
}
