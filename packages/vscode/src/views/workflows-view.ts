import * as vscode from 'vscode';
import { NEW_WORKFLOW_FROM_TEMPLATE_COMMAND } from '../commands/new-workflow-from-template.js';
import { loadWorkflowRuntime } from '../runtime/load-runtime.js';
import type { TaskOutcomes } from '../runs/task-outcomes.js';
import { readOutline, type OutlineElement, type OutlineWorkflow } from '../workspace/flow-outline.js';
import {
    FileErrorItem, FileItem, MessageItem, PhaseItem, StreamItem, TaskItem, WorkflowItem, type TaskOutcomeSource, type WorkflowTreeItem
} from './workflow-tree-items.js';

export const WORKFLOWS_VIEW = 'flow.workflows';
export const REFRESH_WORKFLOWS_COMMAND = 'flow.refreshWorkflows';

/** Like flowctl and the language server: node_modules and dot-folders are not the user's workflows. */
const EXCLUDED = '{**/node_modules/**,**/.*/**}';

/**
 * The Workflows view: the workspace's `.flow` files > workflow > phase > stream > task, as the
 * language server's outline has them, with each file's first error in place of its workflows
 * when it has errors. It follows the files (created, deleted, changed), their diagnostics and
 * the tasks' outcomes in this window's runs.
 */
export class WorkflowsTreeDataProvider implements vscode.TreeDataProvider<WorkflowTreeItem>, vscode.Disposable {
    private readonly didChange = new vscode.EventEmitter<WorkflowTreeItem | undefined>();
    readonly onDidChangeTreeData = this.didChange.event;
    private readonly subscriptions: vscode.Disposable[] = [];
    private pending?: NodeJS.Timeout;
    private readonly source: TaskOutcomeSource;

    constructor(private readonly serverReady: Promise<unknown>, outcomes: TaskOutcomes) {
        // Outcomes exist only after a run, which has loaded the runtime's duration words.
        this.source = { get: (file, workflow, task) => outcomes.get(file, workflow, task), formatDuration: ms => loadWorkflowRuntime().formatDuration(ms) };
        const watcher = vscode.workspace.createFileSystemWatcher('**/*.flow');
        this.subscriptions.push(
            watcher, watcher.onDidCreate(() => this.refresh()), watcher.onDidDelete(() => this.refresh()), watcher.onDidChange(() => this.refresh()),
            vscode.languages.onDidChangeDiagnostics(event => {
                if (event.uris.some(uri => uri.path.endsWith('.flow'))) this.refresh();
            }),
            vscode.workspace.onDidChangeWorkspaceFolders(() => this.refresh()),
            outcomes.onDidChange(() => this.refresh())
        );
    }

    getTreeItem(item: WorkflowTreeItem): vscode.TreeItem {
        return item;
    }

    async getChildren(item?: WorkflowTreeItem): Promise<WorkflowTreeItem[]> {
        if (item === undefined) return this.files();
        if (item instanceof FileItem) return this.fileChildren(item);
        if (item instanceof WorkflowItem) return this.elements(item.uri, item.workflow, item.workflow.children);
        if (item instanceof PhaseItem || item instanceof StreamItem) {
            return this.elements(item.uri, item.workflowOutline, item.element.children);
        }
        return [];
    }

    /** Asks the view to read everything again, once for a burst of changes (typing changes diagnostics often). */
    refresh(): void {
        clearTimeout(this.pending);
        this.pending = setTimeout(() => this.didChange.fire(undefined), 300);
    }

    private async files(): Promise<WorkflowTreeItem[]> {
        if (!vscode.workspace.workspaceFolders?.length) {
            return [new MessageItem('Open a folder with .flow files to see its workflows.', 'folder-opened', { command: 'workbench.action.files.openFolder', title: 'Open Folder' })];
        }
        const files = await vscode.workspace.findFiles('**/*.flow', EXCLUDED);
        if (files.length === 0) {
            return [new MessageItem('Create a .flow file or run Flow: New Workflow from Template', 'new-file',
                { command: NEW_WORKFLOW_FROM_TEMPLATE_COMMAND, title: 'New Workflow from Template' })];
        }
        return files
            .map(uri => ({ uri, relative: vscode.workspace.asRelativePath(uri) }))
            .sort((a, b) => a.relative.localeCompare(b.relative))
            .map(({ uri, relative }) => new FileItem(uri, relative, errorsOf(uri).length));
    }

    private async fileChildren(file: FileItem): Promise<WorkflowTreeItem[]> {
        const errors = errorsOf(file.uri);
        if (errors.length > 0) return [new FileErrorItem(file.uri, errors[0], errors.length - 1)];
        const workflows = await readOutline(file.uri, this.serverReady);
        if (workflows.length === 0) return [new MessageItem('No workflow here: this file declares what others use (agents, pools, types).', 'info')];
        return workflows.map(workflow => new WorkflowItem(file.uri, workflow));
    }

    private elements(uri: vscode.Uri, workflow: OutlineWorkflow, elements: readonly OutlineElement[]): WorkflowTreeItem[] {
        return elements.map(element => {
            switch (element.kind) {
                case 'phase': return new PhaseItem(uri, workflow, element);
                case 'stream': return new StreamItem(uri, workflow, element);
                default: return new TaskItem(uri, workflow, element, this.source);
            }
        });
    }

    dispose(): void {
        clearTimeout(this.pending);
        for (const subscription of this.subscriptions) subscription.dispose();
        this.didChange.dispose();
    }
}

/** The file's errors, in the order the server reported them. */
function errorsOf(uri: vscode.Uri): vscode.Diagnostic[] {
    return vscode.languages.getDiagnostics(uri).filter(diagnostic => diagnostic.severity === vscode.DiagnosticSeverity.Error);
}
