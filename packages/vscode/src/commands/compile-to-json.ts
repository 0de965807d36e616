import * as path from 'node:path';
import * as vscode from 'vscode';
import type { WorkflowModel } from '@flow/model';
import { readFlowSettings, workspaceDirOf, type CompileDestination } from '../settings.js';
import { mayWorkOnWorkspace } from '../workspace-trust.js';
import { compileForCommand } from './prepare-workflow.js';
import { resolveFlowTarget, type CommandSubject } from './workflow-target.js';

export const COMPILE_TO_JSON_COMMAND = 'flow.compileToJson';

export interface CompileToJsonOptions {
    workflow?: string;
    /** @default the `flow.compile.destination` setting */
    destination?: CompileDestination;
}

/**
 * `Flow: Compile to JSON`: the workflow's model (what the engine runs, as `flowctl compile`
 * prints it; a template too) in a new untitled JSON editor, or written beside the file as
 * `<name>.model.json` (`flow.compile.destination`). Resolves with the model and where it is.
 */
export function registerCompileToJson(context: vscode.ExtensionContext): void {
    context.subscriptions.push(vscode.commands.registerCommand(COMPILE_TO_JSON_COMMAND,
        async (subject?: CommandSubject, options?: CompileToJsonOptions): Promise<{ model: WorkflowModel; uri: vscode.Uri } | undefined> => {
            if (!mayWorkOnWorkspace('compiling to JSON')) return undefined;
            const target = await resolveFlowTarget(subject, options, 'Compile to JSON');
            if (!target) return undefined;
            const model = await compileForCommand(target.document, { title: 'Compile to JSON', workflow: target.workflow, outcome: 'not compiled', allowTemplate: true });
            if (!model) return undefined;
            const json = JSON.stringify(model, null, 2) + '\n';
            const file = target.document.uri;
            const destination = options?.destination ?? readFlowSettings(file, workspaceDirOf(file)).compileDestination;
            if (destination === 'file') {
                const uri = vscode.Uri.file(path.join(path.dirname(file.fsPath), `${path.basename(file.fsPath, '.flow')}.model.json`));
                await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(json));
                await vscode.window.showTextDocument(uri, { preview: false });
                return { model, uri };
            }
            const document = await vscode.workspace.openTextDocument({ language: 'json', content: json });
            await vscode.window.showTextDocument(document, { preview: false });
            return { model, uri: document.uri };
        }));
}
