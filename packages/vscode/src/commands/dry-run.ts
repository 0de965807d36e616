import * as vscode from 'vscode';
import type { WorkflowPlan } from '@flow/engine';
import { loadWorkflowRuntime } from '../runtime/load-runtime.js';
import type { RunOutput } from '../runs/run-output.js';
import { mayExecuteWorkspaceCode } from '../workspace-trust.js';
import { compileForCommand } from './prepare-workflow.js';
import { resolveFlowTarget, type CommandSubject } from './workflow-target.js';

export const DRY_RUN_COMMAND = 'flow.dryRun';

/** What the command resolves with: the plan, and the lines it wrote, every one marked as a dry run. */
export interface DryRunOutcome {
    dryRun: true;
    plan: WorkflowPlan;
    lines: string[];
}

/**
 * `Flow: Dry Run`: the plan a run of the workflow would follow (waves of tasks in the order
 * they would start, each with its runner or agents, limits and conditions), worked out by the
 * engine's `planWorkflow` without running anything, and written to the "Flow Runs" output as
 * `flowctl run --dry-run` prints it: every line says `[dry run]`. Nothing starts, so the
 * run manager, the status bar and the views never see it.
 */
export function registerDryRun(context: vscode.ExtensionContext, output: RunOutput): void {
    context.subscriptions.push(vscode.commands.registerCommand(DRY_RUN_COMMAND,
        async (subject?: CommandSubject, options?: { workflow?: string }): Promise<DryRunOutcome | undefined> => {
            if (!mayExecuteWorkspaceCode('a dry run')) return undefined;
            const target = await resolveFlowTarget(subject, options, 'Dry Run');
            if (!target) return undefined;
            const model = await compileForCommand(target.document, { title: 'Dry Run', workflow: target.workflow, outcome: 'not planned', forRun: true });
            if (!model) return undefined;
            const { planWorkflow, planLines } = loadWorkflowRuntime();
            const plan = planWorkflow(model, Object.fromEntries(model.params.filter(param => param.default !== undefined).map(param => [param.name, param.default!])));
            const lines = planLines(plan);
            output.showDryRun(target.document.uri, lines);
            const tasks = plan.waves.flat();
            const blocked = tasks.filter(task => task.problem !== undefined).length;
            void vscode.window.showInformationMessage(`Flow: dry run of ${model.name}: ${tasks.length} task${tasks.length === 1 ? '' : 's'} in ` +
                `${plan.waves.length} wave${plan.waves.length === 1 ? '' : 's'}${blocked > 0 ? `, ${blocked} of them cannot run` : ''}. Nothing was run; the plan is in the "Flow Runs" output.`);
            return { dryRun: true, plan, lines };
        }));
}
