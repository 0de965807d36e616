import * as assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { RunResult } from '@flow/engine';
import type { ManagedRun } from '../../../packages/vscode/src/runs/run-manager.js';
import { activeFlowExtension, flowExtension, waitFor, workspaceUri } from './helpers.js';

/** Runs hello.flow to its end and returns the run the manager kept. */
async function runHello(): Promise<ManagedRun> {
    const { runs } = await activeFlowExtension();
    let started: ManagedRun | undefined;
    const subscription = runs.onDidStartRun(run => { started = run; });
    try {
        const result = await vscode.commands.executeCommand<RunResult | undefined>('flow.runWorkflow', workspaceUri('hello.flow'));
        assert.equal(result?.status, 'completed', result?.reason);
    } finally {
        subscription.dispose();
    }
    assert.ok(started, 'flow.runWorkflow started no run');
    return started;
}

describe('Flow: Show Run Progress', () => {
    it('opens a panel for the run it is given, and brings the same one back when asked again', async () => {
        const { progress } = await activeFlowExtension();
        const run = await runHello();
        await vscode.commands.executeCommand('flow.showProgress', run.id);
        const shown = progress.panelFor(run.id);
        assert.ok(shown, 'no progress panel for the run');
        assert.equal(shown.panel.title, 'Flow: Hello');
        assert.equal(shown.panel.visible, true);
        assert.equal(shown.liveRun, run);

        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        await waitFor('the closed panel to be forgotten', () => progress.panelFor(run.id) === undefined ? true : undefined);
        await vscode.commands.executeCommand('flow.showProgress', run.id);
        const again = progress.panelFor(run.id);
        assert.ok(again);
        await vscode.commands.executeCommand('flow.showProgress', run.id);
        assert.equal(progress.panelFor(run.id), again, 'a second call opened another panel');
    });

    it('serves a page under a strict content security policy that loads only the bundle, by nonce', async () => {
        const { progress } = await activeFlowExtension();
        const run = await runHello();
        await vscode.commands.executeCommand('flow.showProgress', run.id);
        const { webview } = progress.panelFor(run.id)!.panel;
        const html = webview.html;

        const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
        assert.ok(csp, 'the page has no content security policy');
        const directives = new Map(csp.split(';').map(part => part.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
        assert.deepEqual(directives.get('default-src'), ["'none'"]);
        const nonce = /^'nonce-([A-Za-z0-9+/=]{16,})'$/.exec(directives.get('script-src')?.join(' ') ?? '')?.[1];
        assert.ok(nonce, `script-src is not one nonce: ${csp}`);
        for (const name of ['style-src', 'font-src']) assert.deepEqual(directives.get(name), webview.cspSource.split(/\s+/), `${name} of ${csp}`);

        const scripts = [...html.matchAll(/<script\b([^>]*)>/g)].map(match => match[1]);
        assert.ok(scripts.length > 0);
        for (const attributes of scripts) {
            assert.match(attributes, new RegExp(`nonce="${nonce.replace(/[+/]/g, '\\$&')}"`), `a script without the nonce: <script${attributes}>`);
            assert.match(attributes, /\ssrc="/, 'an inline script');
        }
        assert.doesNotMatch(html, /<style|\sstyle="/, 'an inline style, which the policy would block');
        const bundleFolder = webview.asWebviewUri(vscode.Uri.joinPath(flowExtension().extensionUri, 'dist', 'webview')).toString();
        const urls = [...html.matchAll(/\s(?:src|href)="([^"]+)"/g)].map(match => match[1]);
        assert.deepEqual(urls.map(url => url.startsWith(`${bundleFolder}/`)), urls.map(() => true), `URLs outside ${bundleFolder}: ${urls.join(', ')}`);
        assert.deepEqual(urls.map(url => url.slice(bundleFolder.length)).sort(), ['/progress.css', '/progress.js']);
    });

    it('restores its panels after a window reload: the serializer is registered, and the panel type activates the extension', async () => {
        await activeFlowExtension();
        // VS Code allows one serializer per view type and says so when a second one registers.
        assert.throws(() => vscode.window.registerWebviewPanelSerializer('flow.progress', { deserializeWebviewPanel: async () => undefined }),
            /already registered/);
        assert.ok((flowExtension().packageJSON.activationEvents as string[]).includes('onWebviewPanel:flow.progress'));
    });
});
