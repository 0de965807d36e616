import * as assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import * as vscode from 'vscode';
import { activeFlowExtension, openNewFlowFile, workspaceUri } from './helpers.js';

/** The CodeLenses of a document as `line: title`, as the editor shows them above the lines. */
async function lenses(uri: vscode.Uri): Promise<string[]> {
    await activeFlowExtension();
    const found = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
    return found.map(lens => `${lens.range.start.line + 1}: ${lens.command?.title}`);
}

describe('CodeLens', () => {
    it('offers Run and Dry Run above a workflow and Run Task above each task', async () => {
        assert.deepEqual((await lenses(workspaceUri('hello.flow'))).filter(lens => !/completed|failed|running|skipped|cancelled/.test(lens)), [
            '2: $(play) Run', '2: $(checklist) Dry Run', '6: $(play) Run Task', '9: $(play) Run Task'
        ]);
    });

    it('runs the workflow or the task it stands above', async () => {
        const found = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', workspaceUri('build.flow'));
        const runTest = found.find(lens => lens.command?.title === '$(play) Run Task' && lens.range.start.line === 8);
        assert.deepEqual(runTest?.command?.arguments?.[1], { workflow: 'Build', task: 'test' });
        assert.equal(runTest?.command?.command, 'flow.runTask');
    });

    it('says how a task last went, once it has run', async () => {
        const before = await lenses(workspaceUri('build.flow'));
        assert.deepEqual(before.filter(lens => lens.startsWith('9: ') && lens.includes('completed')), []);
        await vscode.commands.executeCommand('flow.runTask', workspaceUri('build.flow'), { workflow: 'Build', task: 'test' });
        const after = await lenses(workspaceUri('build.flow'));
        assert.ok(after.some(lens => /^9: \$\(check\) completed in \d/.test(lens)), after.join('\n'));
    });

    it('offers nothing to run above a template', async () => {
        const document = await openNewFlowFile('lens-template.flow', 'template workflow Shape {\n  task a: coordination "A" { run shell "true" }\n}\n');
        assert.deepEqual(await lenses(document.uri), []);
    });
});
