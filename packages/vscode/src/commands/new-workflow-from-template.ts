import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Json } from '@flow/model';
import { loadWorkflowRuntime } from '../runtime/load-runtime.js';
import type { TemplateChoice, TemplateParamChoice } from '../runtime/workflow-templates.js';
import { mayWorkOnWorkspace } from '../workspace-trust.js';
import { showProblems } from './prepare-workflow.js';

export const NEW_WORKFLOW_FROM_TEMPLATE_COMMAND = 'flow.newWorkflowFromTemplate';

/** What the pickers ask for, given up front (by a test, or another command). */
export interface NewWorkflowOptions {
    template?: string;
    /** Parameter values; with `template` given, parameters not named keep their defaults without asking. */
    values?: Record<string, Json>;
    /** The new file, relative to the workspace folder. */
    file?: string;
}

/**
 * `Flow: New Workflow from Template`: pick a template (the built-ins, and the workspace's own in
 * templates/), fill in its parameters, name the file; the workflow is made by the rules of
 * `flowctl template apply` (checked in the workspace first, never written with errors) and
 * opened. Resolves with the new file.
 */
export function registerNewWorkflowFromTemplate(context: vscode.ExtensionContext): void {
    context.subscriptions.push(vscode.commands.registerCommand(NEW_WORKFLOW_FROM_TEMPLATE_COMMAND,
        async (options: NewWorkflowOptions = {}): Promise<vscode.Uri | undefined> => {
            if (!mayWorkOnWorkspace('making a workflow from a template')) return undefined;
            const folder = await pickFolder();
            if (!folder) return undefined;
            const runtime = loadWorkflowRuntime();
            const { templates } = await runtime.listTemplates(folder.uri.fsPath);
            const template = options.template !== undefined ? templates.find(candidate => candidate.name === options.template) : await pickTemplate(templates);
            if (!template) {
                if (options.template !== undefined) {
                    void vscode.window.showErrorMessage(`Flow: there is no template ${options.template}; the templates are ${templates.map(candidate => candidate.name).join(', ')}.`);
                }
                return undefined;
            }
            const values = options.values ?? (options.template !== undefined ? {} : await askValues(template));
            if (!values) return undefined;
            const file = options.file ?? await askFile(folder, template);
            if (file === undefined) return undefined;
            const output = path.resolve(folder.uri.fsPath, file);
            if (await vscode.workspace.fs.stat(vscode.Uri.file(output)).then(() => true, () => false)) {
                void vscode.window.showErrorMessage(`Flow: nothing was written: ${file} already exists; choose another file name.`);
                return undefined;
            }

            const outcome = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Flow: making a workflow from ${template.name}` },
                () => runtime.applyTemplate({ workspaceDir: folder.uri.fsPath, template: template.name, output, values }));
            if (outcome.kind === 'refused') {
                void vscode.window.showErrorMessage(`Flow: nothing was written: ${outcome.message}`);
                return undefined;
            }
            if (outcome.kind === 'problems') {
                void vscode.window.showErrorMessage(`Flow: nothing was written: ${outcome.message}.`);
                void showProblems(outcome.problems, 'not written');
                return undefined;
            }
            const uri = vscode.Uri.file(output);
            await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(outcome.text));
            await vscode.window.showTextDocument(uri, { preview: false });
            return uri;
        }));
}

async function pickFolder(): Promise<vscode.WorkspaceFolder | undefined> {
    const folders = vscode.workspace.workspaceFolders ?? [];
    if (folders.length === 0) {
        void vscode.window.showErrorMessage('Flow: New Workflow from Template writes into a workspace folder: open a folder first.');
        return undefined;
    }
    return folders.length === 1 ? folders[0] : vscode.window.showWorkspaceFolderPick({ placeHolder: 'Which folder gets the new workflow?' });
}

async function pickTemplate(templates: readonly TemplateChoice[]): Promise<TemplateChoice | undefined> {
    const picked = await vscode.window.showQuickPick(templates.map(template => ({
        label: template.name,
        description: template.file ? vscode.workspace.asRelativePath(template.file) : 'built-in',
        detail: template.description?.split(/\n\s*\n/)[0].replace(/\s+/g, ' '),
        template
    })), { title: 'Flow: New Workflow from Template', placeHolder: 'Which template?', matchOnDetail: true });
    return picked?.template;
}

/** Asks for each parameter in turn; the values that differ from the defaults, or undefined when the user gave up. */
async function askValues(template: TemplateChoice): Promise<Record<string, Json> | undefined> {
    const values: Record<string, Json> = {};
    for (const [index, param] of template.params.entries()) {
        const title = `Flow: ${template.name} — parameter ${index + 1} of ${template.params.length}: ${param.name}`;
        const value = await askValue(param, title);
        if (value === undefined) return undefined;
        if (value !== defaultValue(param)) values[param.name] = value;
    }
    return values;
}

async function askValue(param: TemplateParamChoice, title: string): Promise<string | undefined> {
    const current = defaultValue(param);
    const choices = param.type.kind === 'enum' ? param.type.values : param.type.kind === 'boolean' ? ['true', 'false'] : undefined;
    if (choices) {
        const picked = await vscode.window.showQuickPick(choices.map(choice => ({ label: choice, description: choice === current ? 'default' : undefined })), {
            title, placeHolder: param.description ?? `${param.name}: ${param.typeText}`
        });
        return picked?.label;
    }
    return vscode.window.showInputBox({
        title,
        value: current,
        prompt: [param.description, `${param.typeText}${HINTS[param.type.kind] ?? ''}`].filter(Boolean).join(' · '),
        validateInput: text => current === undefined && text.trim() === '' ? `${param.name} has no default: give a value.` : undefined
    });
}

const HINTS: Record<string, string> = {
    duration: ', such as 30m or 1h30m',
    datetime: ', an ISO date-time such as 2025-06-01T09:00:00Z',
    object: ', as JSON ({"key": "value"})',
    list: ', as JSON (["a", "b"])'
};

/** The default as the user would type it: a string without its quotes. */
function defaultValue(param: TemplateParamChoice): string | undefined {
    if (param.defaultText === undefined) return undefined;
    if ((param.type.kind === 'string' || param.type.kind === 'enum') && param.defaultText.startsWith('"')) {
        try {
            return JSON.parse(param.defaultText) as string;
        } catch {
            return param.defaultText;
        }
    }
    return param.defaultText;
}

async function askFile(folder: vscode.WorkspaceFolder, template: TemplateChoice): Promise<string | undefined> {
    return vscode.window.showInputBox({
        title: `Flow: ${template.name} — the new workflow's file`,
        value: `${template.name}.flow`,
        prompt: `Relative to ${folder.name}; the file's name also names the workflow.`,
        validateInput: async text => {
            if (!text.endsWith('.flow')) return 'The file name must end in .flow.';
            const exists = await vscode.workspace.fs.stat(vscode.Uri.joinPath(folder.uri, text)).then(() => true, () => false);
            return exists ? `${text} already exists: choose another name.` : undefined;
        }
    });
}
