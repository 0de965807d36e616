import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FlowSource } from '../runtime/compile-workflow.js';

/** The `.flow` files a workflow of `document` may reference, as the editor has them. */
export interface WorkspaceSources {
    /** The workspace folder of the document, else the document's own folder. */
    workspaceDir: string;
    target: FlowSource;
    workspaceFiles: FlowSource[];
}

/**
 * Gathers the document and the workspace's other `.flow` files (files.exclude applies; the
 * compiler applies `.flowignore`). Open documents give their current, possibly unsaved text, so
 * a run uses what the user sees, as the language server does.
 */
export async function collectWorkspaceSources(document: vscode.TextDocument): Promise<WorkspaceSources> {
    const folder = vscode.workspace.getWorkspaceFolder(document.uri);
    const workspaceDir = folder?.uri.fsPath ?? path.dirname(document.uri.fsPath);
    const openTexts = new Map(vscode.workspace.textDocuments
        .filter(open => open.uri.scheme === 'file' && open.languageId === 'flow')
        .map(open => [open.uri.fsPath, open.getText()]));
    // Like flowctl and the language server: node_modules and dot-folders are not the user's workflows.
    const found = folder
        ? await vscode.workspace.findFiles(new vscode.RelativePattern(folder, '**/*.flow'), '{**/node_modules/**,**/.*/**}')
        : [];
    return {
        workspaceDir,
        target: { path: document.uri.fsPath, text: document.getText() },
        workspaceFiles: found.map(uri => ({ path: uri.fsPath, text: openTexts.get(uri.fsPath) }))
    };
}
