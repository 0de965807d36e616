import * as vscode from 'vscode';
import { DRY_RUN_COMMAND } from '../commands/dry-run.js';
import { OPEN_TASK_LOG_COMMAND } from '../commands/open-task-log.js';
import { RUN_TASK_COMMAND } from '../commands/run-task.js';
import { RUN_WORKFLOW_COMMAND } from '../commands/run-workflow.js';
import { loadWorkflowRuntime } from '../runtime/load-runtime.js';
import { taskOutcomeLabel } from '../runs/task-outcome-label.js';
import type { TaskOutcomes } from '../runs/task-outcomes.js';
import { readFlowSettings, workspaceDirOf } from '../settings.js';
import { outlineTasks, readOutline } from '../workspace/flow-outline.js';

/**
 * Above each workflow: Run and Dry Run; above each task: Run Task and, once it has run in this
 * window, how it last went ("$(check) completed in 1.2 s", which opens its log). Positions come
 * from the language server's outline. In Restricted Mode nothing runs, so only the outcomes
 * show; `flow.codeLens.enabled` turns them all off.
 */
export class WorkflowCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
    private readonly didChange = new vscode.EventEmitter<void>();
    readonly onDidChangeCodeLenses = this.didChange.event;
    private readonly subscriptions: vscode.Disposable[];

    constructor(private readonly serverReady: Promise<unknown>, private readonly outcomes: TaskOutcomes) {
        this.subscriptions = [
            outcomes.onDidChange(() => this.didChange.fire()),
            vscode.workspace.onDidGrantWorkspaceTrust(() => this.didChange.fire()),
            vscode.workspace.onDidChangeConfiguration(event => {
                if (event.affectsConfiguration('flow.codeLens.enabled')) this.didChange.fire();
            })
        ];
    }

    async provideCodeLenses(document: vscode.TextDocument, token: vscode.CancellationToken): Promise<vscode.CodeLens[]> {
        if (!readFlowSettings(document.uri, workspaceDirOf(document.uri)).codeLensEnabled) return [];
        const workflows = await readOutline(document.uri, this.serverReady);
        if (token.isCancellationRequested) return [];
        const trusted = vscode.workspace.isTrusted;
        const lenses: vscode.CodeLens[] = [];
        for (const workflow of workflows) {
            // A template is instantiated, never run; its tasks run with the workflows made from it.
            if (workflow.template) continue;
            const at = new vscode.Range(workflow.range.start, workflow.range.start);
            if (trusted) {
                lenses.push(
                    new vscode.CodeLens(at, { title: '$(play) Run', tooltip: `Run workflow ${workflow.name}`, command: RUN_WORKFLOW_COMMAND, arguments: [document.uri, { workflow: workflow.name }] }),
                    new vscode.CodeLens(at, { title: '$(checklist) Dry Run', tooltip: `Show the plan a run of ${workflow.name} would follow, running nothing`, command: DRY_RUN_COMMAND, arguments: [document.uri, { workflow: workflow.name }] })
                );
            }
            for (const task of outlineTasks(workflow)) {
                const taskAt = new vscode.Range(task.range.start, task.range.start);
                if (trusted) {
                    lenses.push(new vscode.CodeLens(taskAt, {
                        title: '$(play) Run Task', tooltip: `Run ${task.name} and the tasks it depends on`,
                        command: RUN_TASK_COMMAND, arguments: [document.uri, { workflow: workflow.name, task: task.name }]
                    }));
                }
                const outcome = this.outcomes.get(document.uri, workflow.name, task.name);
                if (outcome) {
                    const label = taskOutcomeLabel(outcome, ms => loadWorkflowRuntime().formatDuration(ms));
                    lenses.push(new vscode.CodeLens(taskAt, {
                        title: label.text, tooltip: label.tooltip, command: OPEN_TASK_LOG_COMMAND, arguments: [{ runId: outcome.runId, task: task.name }]
                    }));
                }
            }
        }
        return lenses;
    }

    dispose(): void {
        for (const subscription of this.subscriptions) subscription.dispose();
        this.didChange.dispose();
    }
}
