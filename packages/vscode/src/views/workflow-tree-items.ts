import * as path from 'node:path';
import * as vscode from 'vscode';
import type { WorkflowTarget } from '../commands/workflow-target.js';
import { taskOutcomeLabel, type TaskOutcome } from '../runs/task-outcome-label.js';
import type { OutlineElement, OutlineWorkflow } from '../workspace/flow-outline.js';

/**
 * The Workflows view's items, one class per kind. `contextValue` is what the manifest's menus
 * key on (`viewItem == workflow` gets Run Workflow, `task` and `batch` get Run Task); items a
 * command can act on carry a `target`, which the commands accept in place of a file.
 */
export type WorkflowTreeItem = FileItem | FileErrorItem | WorkflowItem | PhaseItem | StreamItem | TaskItem | MessageItem;

/** What the items below a workflow need to say how their tasks last went. */
export interface TaskOutcomeSource {
    get(file: vscode.Uri, workflow: string, task: string): TaskOutcome | undefined;
    formatDuration(ms: number): string;
}

/** Reveals a declaration: what selecting an item does. */
function revealCommand(uri: vscode.Uri, range: vscode.Range): vscode.Command {
    return { command: 'vscode.open', title: 'Go to Declaration', arguments: [uri, { selection: new vscode.Range(range.start, range.start), preview: true }] };
}

/** A `.flow` file of the workspace; its children are its workflows, or its first error. */
export class FileItem extends vscode.TreeItem {
    override readonly contextValue = 'flowFile';

    constructor(readonly uri: vscode.Uri, relativePath: string, errors: number) {
        super(path.basename(uri.fsPath), vscode.TreeItemCollapsibleState.Expanded);
        this.resourceUri = uri;
        const folder = path.dirname(relativePath);
        this.description = [folder === '.' ? undefined : folder, errors > 0 ? `${errors} error${errors === 1 ? '' : 's'}` : undefined].filter(Boolean).join(' · ');
        this.tooltip = errors > 0 ? `${relativePath} has errors: fix them to run its workflows.` : relativePath;
    }
}

/** The first error of a file, which stops its workflows from running; selecting it goes there. */
export class FileErrorItem extends vscode.TreeItem {
    override readonly contextValue = 'flowError';

    constructor(uri: vscode.Uri, diagnostic: vscode.Diagnostic, more: number) {
        super(`${diagnostic.range.start.line + 1}:${diagnostic.range.start.character + 1} ${diagnostic.message}`, vscode.TreeItemCollapsibleState.None);
        this.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
        this.description = more > 0 ? `and ${more} more` : undefined;
        this.tooltip = `${diagnostic.message}\nFix this error to run the file's workflows; the Problems view lists every one.`;
        this.command = revealCommand(uri, diagnostic.range);
    }
}

/** A workflow (Run Workflow, Dry Run) or a template (which only instantiations run). */
export class WorkflowItem extends vscode.TreeItem {
    readonly target: WorkflowTarget;

    constructor(readonly uri: vscode.Uri, readonly workflow: OutlineWorkflow) {
        super(workflow.name, workflow.children.length > 0 ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
        this.contextValue = workflow.template ? 'template' : 'workflow';
        this.description = workflow.template ? 'template' : undefined;
        this.iconPath = new vscode.ThemeIcon(workflow.template ? 'file-code' : 'type-hierarchy');
        this.tooltip = workflow.template
            ? `template ${workflow.name}: instantiate it (\`workflow w from ${workflow.name}(...)\`) or use Flow: New Workflow from Template to run it.`
            : `workflow ${workflow.name}`;
        this.command = revealCommand(uri, workflow.selectionRange);
        this.target = { uri, workflow: workflow.name };
    }
}

export class PhaseItem extends vscode.TreeItem {
    override readonly contextValue = 'phase';

    constructor(readonly uri: vscode.Uri, readonly workflowOutline: OutlineWorkflow, readonly element: Extract<OutlineElement, { kind: 'phase' }>) {
        super(element.name, vscode.TreeItemCollapsibleState.Expanded);
        this.description = element.detail?.replace(/^phase( · )?/, '') || undefined;
        this.iconPath = new vscode.ThemeIcon('layers');
        this.tooltip = element.detail ?? 'phase';
        this.command = revealCommand(uri, element.selectionRange);
    }
}

export class StreamItem extends vscode.TreeItem {
    override readonly contextValue = 'stream';

    constructor(readonly uri: vscode.Uri, readonly workflowOutline: OutlineWorkflow, readonly element: Extract<OutlineElement, { kind: 'stream' }>) {
        super(element.name, vscode.TreeItemCollapsibleState.Expanded);
        this.description = element.detail?.replace(/^stream( · )?/, '') || undefined;
        this.iconPath = new vscode.ThemeIcon('git-commit');
        this.tooltip = element.detail ?? 'stream';
        this.command = revealCommand(uri, element.selectionRange);
    }
}

/** A task or batch (Run Task), with how it last went in this window when it has run. */
export class TaskItem extends vscode.TreeItem {
    readonly target: WorkflowTarget;

    constructor(readonly uri: vscode.Uri, workflow: OutlineWorkflow, element: Extract<OutlineElement, { kind: 'task' | 'batch' }>, outcomes: TaskOutcomeSource) {
        super(element.name, vscode.TreeItemCollapsibleState.None);
        this.contextValue = element.kind;
        const outcome = outcomes.get(uri, workflow.name, element.name);
        const label = outcome ? taskOutcomeLabel(outcome, ms => outcomes.formatDuration(ms)) : undefined;
        // The outline says `task · coordination`; here the icon says it is a task.
        const type = element.detail?.replace(/^task( · )?/, '');
        this.description = [type, label?.text.replace(/^\$\([^)]*\) /, '')].filter(Boolean).join(' · ') || undefined;
        this.iconPath = label
            ? new vscode.ThemeIcon(label.icon, outcome!.status === 'failed' ? new vscode.ThemeColor('testing.iconFailed')
                : outcome!.status === 'completed' ? new vscode.ThemeColor('testing.iconPassed') : undefined)
            : new vscode.ThemeIcon(element.kind === 'batch' ? 'symbol-array' : 'symbol-method');
        this.tooltip = [`${element.kind} ${element.name}${element.detail ? `: ${element.detail}` : ''}`, label?.tooltip].filter(Boolean).join('\n');
        this.command = revealCommand(uri, element.selectionRange);
        this.target = workflow.template ? { uri } : { uri, workflow: workflow.name, task: element.name };
        if (workflow.template) this.contextValue = 'templateTask';
    }
}

/** A state of the view as an item that says what to do (no files, no folder), optionally with the command that does it. */
export class MessageItem extends vscode.TreeItem {
    override readonly contextValue = 'message';

    constructor(message: string, icon: string, command?: vscode.Command) {
        super(message, vscode.TreeItemCollapsibleState.None);
        this.iconPath = new vscode.ThemeIcon(icon);
        this.tooltip = message;
        this.command = command;
    }
}
