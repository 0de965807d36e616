import * as assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { RunResult } from '@flow/engine';
import { activeFlowExtension, workflowRuntimeLoaded, workspaceUri } from './helpers.js';

async function readText(uri: vscode.Uri): Promise<string> {
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
}

describe('Flow: Run Workflow', () => {
    it('runs the active editor\'s workflow; its tasks leave their files', async () => {
        await activeFlowExtension();
        await vscode.window.showTextDocument(workspaceUri('hello.flow'));
        const result = await vscode.commands.executeCommand<RunResult | undefined>('flow.runWorkflow');
        assert.ok(result, 'the command ran nothing');
        assert.equal(result.status, 'completed', result.reason);
        assert.deepEqual(result.tasks.map(task => [task.id, task.status]), [['greet', 'completed'], ['sign', 'completed']]);
        assert.equal(await readText(workspaceUri('out', 'greeting.txt')), 'hello\nsigned\n');
        await vscode.workspace.fs.stat(workspaceUri('out', 'signed.txt'));
        assert.equal(workflowRuntimeLoaded(), true);
    });

    it('tells its run manager, which the views build on', async () => {
        const { runs } = await activeFlowExtension();
        const seen: string[] = [];
        const subscription = runs.onDidReceiveEvent(({ event }) => seen.push(event.type));
        try {
            const result = await vscode.commands.executeCommand<RunResult | undefined>('flow.runWorkflow', workspaceUri('hello.flow'));
            assert.equal(result?.status, 'completed');
        } finally {
            subscription.dispose();
        }
        assert.equal(seen[0], 'run.started');
        assert.equal(seen.at(-1), 'run.completed');
        assert.equal(runs.activeRuns.length, 0);
    });

    it('runs nothing from a file with errors', async () => {
        const { runs } = await activeFlowExtension();
        let started = 0;
        const subscription = runs.onDidStartRun(() => started++);
        try {
            const result = await vscode.commands.executeCommand('flow.runWorkflow', workspaceUri('broken.flow'));
            assert.equal(result, undefined);
        } finally {
            subscription.dispose();
        }
        assert.equal(started, 0);
    });
});
