import * as vscode from 'vscode';
import type { RunResult } from '@flow/engine';
import type { WorkflowModel } from '@flow/model';
import { loadWorkflowRuntime } from '../runtime/load-runtime.js';
import type { RunManager } from '../runs/run-manager.js';
import { elementAt, readOutline } from '../workspace/flow-outline.js';
import { mayExecuteWorkspaceCode } from '../workspace-trust.js';
import { compileForCommand, mayStart } from './prepare-workflow.js';
import { startRun } from './run-workflow.js';
import { resolveFlowTarget, type CommandSubject } from './workflow-target.js';

export const RUN_TASK_COMMAND = 'flow.runTask';

export interface RunTaskOptions {
    workflow?: string;
    /** The task to run. @default the task under the cursor, else one the user picks */
    task?: string;
}

/**
 * `Flow: Run Task`: runs one task and every task it depends on, directly or not, and nothing
 * else (the model cut down by the engine's `restrictToTask`). The task is the one named (by a
 * CodeLens or tree item), else the one under the cursor, else one the user picks. Resolves with
 * the run's result, or undefined when nothing ran.
 */
export function registerRunTask(context: vscode.ExtensionContext, runs: RunManager, serverReady: Promise<unknown>): void {
    context.subscriptions.push(vscode.commands.registerCommand(RUN_TASK_COMMAND,
        async (subject?: CommandSubject, options?: RunTaskOptions): Promise<RunResult | undefined> => {
            if (!mayExecuteWorkspaceCode('running a task')) return undefined;
            const target = await resolveFlowTarget(subject, options, 'Run Task');
            if (!target) return undefined;
            let { workflow, task } = target;
            const editor = vscode.window.activeTextEditor;
            if (task === undefined && editor?.document === target.document) {
                const here = elementAt(await readOutline(target.document.uri, serverReady), editor.selection.active);
                workflow ??= here.workflow?.name;
                task = here.task;
            }
            const model = await compileForCommand(target.document, { title: 'Run Task', workflow, outcome: 'not run', forRun: true });
            if (!model) return undefined;
            task ??= await pickTask(model);
            if (task === undefined) return undefined;
            if (!model.tasks.some(candidate => candidate.id === task)) {
                void vscode.window.showErrorMessage(`Flow: ${model.name} has no task ${task}; its tasks are ${model.tasks.map(candidate => candidate.id).join(', ')}.`);
                return undefined;
            }
            const subset = loadWorkflowRuntime().restrictToTask(model, task);
            if (!mayStart(subset)) return undefined;
            const upstream = subset.tasks.length - 1;
            const scope = `task ${task}${upstream > 0 ? ` and the ${upstream} task${upstream === 1 ? '' : 's'} it depends on` : ''}`;
            return (await startRun(runs, target.document.uri, subset, { scope }))?.result;
        }));
}

async function pickTask(model: WorkflowModel): Promise<string | undefined> {
    const picked = await vscode.window.showQuickPick(model.tasks.map(task => ({
        label: task.id,
        description: task.description,
        detail: task.dependencies.length > 0 ? `after ${task.dependencies.join(', ')}` : undefined
    })), { title: `Flow: Run Task of ${model.name}`, placeHolder: 'Which task? It runs with the tasks it depends on.', matchOnDescription: true });
    return picked?.label;
}
