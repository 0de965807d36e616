import * as vscode from 'vscode';
import type { RunResult } from '@flow/engine';
import type { WorkflowModel } from '@flow/model';
import type { ManagedRun, RunManager, StartRunOptions } from '../runs/run-manager.js';
import { workspaceDirOf } from '../settings.js';
import { mayExecuteWorkspaceCode } from '../workspace-trust.js';
import { compileForCommand, mayStart } from './prepare-workflow.js';
import { resolveFlowTarget, type CommandSubject } from './workflow-target.js';

export const RUN_WORKFLOW_COMMAND = 'flow.runWorkflow';

/** Arguments other commands, CodeLenses and tests may pass after the file. */
export interface RunWorkflowOptions {
    /** Which workflow of the file to run, when it declares several. @default ask when there are several */
    workflow?: string;
}

/**
 * `Flow: Run Workflow`: compiles the workflow of the active `.flow` file (or of the file or tree
 * item it is invoked on) against the workspace's other `.flow` files, and runs it in the
 * extension host. Resolves with the run's result when it ends, or undefined when nothing was
 * run (the user was told why).
 */
export function registerRunWorkflow(context: vscode.ExtensionContext, runs: RunManager): void {
    context.subscriptions.push(vscode.commands.registerCommand(RUN_WORKFLOW_COMMAND,
        async (subject?: CommandSubject, options?: RunWorkflowOptions): Promise<RunResult | undefined> => {
            if (!mayExecuteWorkspaceCode('running a workflow')) return undefined;
            const target = await resolveFlowTarget(subject, options, 'Run Workflow');
            if (!target) return undefined;
            const model = await compileForCommand(target.document, { title: 'Run Workflow', workflow: target.workflow, outcome: 'not run', forRun: true });
            if (!model || !mayStart(model)) return undefined;
            return (await startRun(runs, target.document.uri, model))?.result;
        }));
}

/** Starts a run of `model`, or returns undefined after showing why it could not start. */
export async function startRun(runs: RunManager, file: vscode.Uri, model: WorkflowModel, options: Omit<StartRunOptions, 'file' | 'workspaceDir'> = {}): Promise<ManagedRun | undefined> {
    try {
        return await runs.start(model, { ...options, file, workspaceDir: workspaceDirOf(file) });
    } catch (error) {
        // WorkflowConfigError (parameters or settings the engine refuses; its message names the
        // field), StoreBusyError (another process writes the state folder), or a store that cannot be written.
        void vscode.window.showErrorMessage(`Flow: ${model.name} was not run: ${(error as Error).message}`);
        return undefined;
    }
}
