import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FlowExtensionApi } from '../../../packages/vscode/src/extension.js';

/** The extension's id: `publisher.name` of the root package.json. */
export const EXTENSION_ID = 'flow-dev.flow-workflows';

export function flowExtension(): vscode.Extension<FlowExtensionApi> {
    const extension = vscode.extensions.getExtension<FlowExtensionApi>(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is not installed in this editor`);
    return extension;
}

/** The folder the harness opened: a fresh copy of test/vscode/fixtures/workspace. */
export function workspaceUri(...segments: string[]): vscode.Uri {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the editor was started without a workspace folder');
    return vscode.Uri.joinPath(folder.uri, ...segments);
}

/** The extension's API, once it is active and its language server is up. */
export async function activeFlowExtension(): Promise<FlowExtensionApi> {
    const api = await flowExtension().activate();
    await api.languageClient;
    return api;
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs` saying what it waited for. */
export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const value = await probe();
        if (value !== undefined) return value;
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await new Promise(resolve => setTimeout(resolve, 100));
    }
}

/** Writes a file into the workspace and opens it in an editor. */
export async function openNewFlowFile(name: string, text: string): Promise<vscode.TextDocument> {
    const uri = workspaceUri(name);
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document);
    return document;
}

/** The position just after the first occurrence of `marker` in the document. */
export function positionAfter(document: vscode.TextDocument, marker: string): vscode.Position {
    const offset = document.getText().indexOf(marker);
    assert.ok(offset >= 0, `'${marker}' does not occur in ${document.uri.fsPath}`);
    return document.positionAt(offset + marker.length);
}

/** Whether the extension host has loaded dist/workflow-runtime.cjs (Langium, the compiler, the engine). */
export function workflowRuntimeLoaded(): boolean {
    return bundleLoaded('workflow-runtime.cjs');
}

/** Whether the extension host has loaded one of the extension's bundles (`run-store.cjs`). */
export function bundleLoaded(name: string): boolean {
    return Object.keys(require.cache).some(file => path.basename(file) === name);
}

/** A workspace file's text. */
export async function readWorkspaceText(...segments: string[]): Promise<string> {
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(workspaceUri(...segments)));
}

/** Whether a workspace file exists. */
export async function workspaceFileExists(...segments: string[]): Promise<boolean> {
    return vscode.workspace.fs.stat(workspaceUri(...segments)).then(() => true, () => false);
}
