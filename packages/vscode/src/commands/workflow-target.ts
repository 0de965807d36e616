import * as vscode from 'vscode';

/** A workflow, or a task of one, that a command acts on: what CodeLenses, tree items and tests pass. */
export interface WorkflowTarget {
    uri: vscode.Uri;
    /** Which workflow of the file; asked for (or the only one taken) when absent. */
    workflow?: string;
    task?: string;
}

/** What a command may be invoked with: nothing (the active editor), a file (explorer, editor title), or a tree item. */
export type CommandSubject = vscode.Uri | { readonly target: WorkflowTarget } | undefined;

/**
 * The `.flow` document and the workflow and task a command was invoked on, or undefined after
 * telling the user what to open. `options` (from a CodeLens or a test) name the workflow and
 * task; a tree item carries its own.
 */
export async function resolveFlowTarget(subject: CommandSubject, options: Omit<WorkflowTarget, 'uri'> | undefined, command: string): Promise<{ document: vscode.TextDocument; workflow?: string; task?: string } | undefined> {
    const target = subject instanceof vscode.Uri ? { uri: subject } : subject?.target;
    const document = target ? await vscode.workspace.openTextDocument(target.uri) : vscode.window.activeTextEditor?.document;
    if (!document || document.languageId !== 'flow') {
        void vscode.window.showErrorMessage(`Flow: ${command} needs a .flow file: open one (or run the command from its editor, its explorer entry or the Flow view).`);
        return undefined;
    }
    return { document, workflow: options?.workflow ?? target?.workflow, task: options?.task ?? target?.task };
}
