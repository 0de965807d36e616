import * as assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import * as vscode from 'vscode';
import { activeFlowExtension, openNewFlowFile, positionAfter, waitFor, workspaceUri } from './helpers.js';

/** Everything in a hover, as plain text. */
function hoverText(hovers: vscode.Hover[]): string {
    return hovers.flatMap(hover => hover.contents)
        .map(content => typeof content === 'string' ? content : content.value)
        .join('\n');
}

describe('language features from the real server', () => {
    it('reports an unknown dependency as an error where it is written', async () => {
        await activeFlowExtension();
        const uri = workspaceUri('broken.flow');
        await vscode.window.showTextDocument(uri);
        const diagnostics = await waitFor('diagnostics of broken.flow', () => {
            const found = vscode.languages.getDiagnostics(uri);
            return found.length > 0 ? found : undefined;
        });
        assert.deepEqual(diagnostics.map(diagnostic => ({
            severity: diagnostic.severity,
            message: diagnostic.message,
            line: diagnostic.range.start.line,
            character: diagnostic.range.start.character
        })), [{
            severity: vscode.DiagnosticSeverity.Error,
            message: "Unknown task 'frist'. Did you mean 'first'?",
            line: 3,
            character: 43
        }]);
    });

    it('completes task names after `after `', async () => {
        await activeFlowExtension();
        const document = await openNewFlowFile('completion.flow', [
            'workflow Completion {',
            '  task collect: coordination "Collect" { run shell "true" }',
            '  task publish: coordination "Publish" after ',
            '}',
            ''
        ].join('\n'));
        const position = positionAfter(document, 'after ');
        const labels = await waitFor('completion items', async () => {
            const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', document.uri, position);
            const found = list.items.map(item => typeof item.label === 'string' ? item.label : item.label.label);
            return found.length > 0 ? found : undefined;
        });
        assert.ok(labels.includes('collect'), `completion offered ${labels.join(', ')}`);
    });

    it('shows a workflow\'s doc comment on hover', async () => {
        await activeFlowExtension();
        const document = await vscode.workspace.openTextDocument(workspaceUri('hello.flow'));
        const position = positionAfter(document, 'workflow H');
        const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', document.uri, position);
        assert.match(hoverText(hovers), /Writes a greeting, then signs it/);
    });
});
