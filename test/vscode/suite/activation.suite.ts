import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'mocha';
import * as vscode from 'vscode';
import { activeFlowExtension, bundleLoaded, flowExtension, workflowRuntimeLoaded, workspaceUri } from './helpers.js';

describe('activation', () => {
    it('waits for a .flow document before activating', () => {
        // The harness opens the folder without any editor, so nothing has asked for the language yet.
        assert.equal(flowExtension().isActive, false);
    });

    it('activates when a .flow document opens', async () => {
        await vscode.window.showTextDocument(workspaceUri('hello.flow'));
        const deadline = Date.now() + 20_000;
        while (!flowExtension().isActive && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 100));
        assert.equal(flowExtension().isActive, true, 'opening hello.flow did not activate the extension within 20 s');
    });

    it('registers every command the manifest contributes', async () => {
        await activeFlowExtension();
        const contributed = (flowExtension().packageJSON.contributes.commands as { command: string }[]).map(entry => entry.command);
        assert.ok(contributed.includes('flow.runWorkflow'));
        const registered = new Set(await vscode.commands.getCommands(true));
        assert.deepEqual(contributed.filter(command => !registered.has(command)), []);
    });

    it('leaves Langium and the engine unloaded until a run needs them, and the run store until it is read', async () => {
        await activeFlowExtension();
        assert.equal(workflowRuntimeLoaded(), false);
        assert.equal(bundleLoaded('run-store.cjs'), false);
    });

    it('declares limited support for untrusted workspaces', () => {
        // The manifest as shipped, not as this test would like it: read from the extension's folder.
        const manifest = JSON.parse(readFileSync(path.join(flowExtension().extensionPath, 'package.json'), 'utf8'));
        assert.equal(manifest.capabilities.untrustedWorkspaces.supported, 'limited');
    });
});
