import * as vscode from 'vscode';
import { loadWorkflowRuntime } from '../runtime/load-runtime.js';
import { workspaceDirOf } from '../settings.js';
import { mayWorkOnWorkspace } from '../workspace-trust.js';
import { showProblems } from './prepare-workflow.js';

export const CONVERT_JSON_COMMAND = 'flow.convertJsonToFlow';

export interface ConvertJsonOptions {
    /** Replace an existing `.flow` file of the same name without asking. @default false: ask */
    replace?: boolean;
}

/**
 * `Flow: Convert JSON to .flow`: a seed JSON workflow (flat tasks with dependencies, or phases
 * with streams) written as an equivalent, formatted `.flow` file beside it, as `flowctl convert`
 * writes it; agents and types declared in the workspace's `.flow` files are referred to, not
 * copied. An existing file is replaced only when the user says so. Resolves with the new file.
 */
export function registerConvertJson(context: vscode.ExtensionContext): void {
    context.subscriptions.push(vscode.commands.registerCommand(CONVERT_JSON_COMMAND,
        async (uri?: vscode.Uri, options: ConvertJsonOptions = {}): Promise<vscode.Uri | undefined> => {
            if (!mayWorkOnWorkspace('converting JSON to .flow')) return undefined;
            const document = uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
            if (!document || !document.uri.fsPath.endsWith('.json') || document.uri.scheme !== 'file') {
                void vscode.window.showErrorMessage('Flow: Convert JSON to .flow needs a seed .json workflow file: open one, or run the command from its explorer entry.');
                return undefined;
            }
            // The importer reads the file, so it must hold what the editor shows.
            if (document.isDirty && !await document.save()) return undefined;
            const source = document.uri.fsPath;
            const outcome = await vscode.window.withProgress(
                { location: vscode.ProgressLocation.Window, title: `Flow: converting ${vscode.workspace.asRelativePath(document.uri)}` },
                () => loadWorkflowRuntime().convertSeedJson(source, workspaceDirOf(document.uri)));
            if (outcome.kind === 'failed') {
                void vscode.window.showErrorMessage(`Flow: ${outcome.message}`);
                return undefined;
            }
            if (outcome.kind === 'problems') {
                void showProblems(outcome.problems, 'not converted');
                return undefined;
            }
            const output = vscode.Uri.file(source.replace(/\.json$/, '.flow'));
            const shown = vscode.workspace.asRelativePath(output);
            if (!options.replace && await exists(output)) {
                const replace = await vscode.window.showWarningMessage(`Flow: ${shown} already exists. Replace it with the converted workflow?`, { modal: true }, 'Replace');
                if (replace !== 'Replace') return undefined;
            }
            await vscode.workspace.fs.writeFile(output, new TextEncoder().encode(outcome.text));
            await vscode.window.showTextDocument(output, { preview: false });
            const notes = outcome.notes.length > 0
                ? ` The importer noted ${outcome.notes.length} setting${outcome.notes.length === 1 ? '' : 's'} Flow honours differently or not at all; ` +
                    `first: ${outcome.notes[0].line}:${outcome.notes[0].column}: ${outcome.notes[0].message}`
                : '';
            void vscode.window.showInformationMessage(`Flow: wrote ${shown} (workflow ${outcome.workflow}, ${outcome.tasks} task${outcome.tasks === 1 ? '' : 's'}).${notes}`);
            return output;
        }));
}

async function exists(uri: vscode.Uri): Promise<boolean> {
    return vscode.workspace.fs.stat(uri).then(() => true, () => false);
}
