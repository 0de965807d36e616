import * as assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { WorkflowTreeItem } from '../../../packages/vscode/src/views/workflow-tree-items.js';
import { activeFlowExtension, flowExtension, waitFor, workspaceUri } from './helpers.js';

/** An item as the view shows it: its label, description and what its menus key on. */
interface Shown {
    label: string;
    description?: string;
    context?: string;
    children?: Shown[];
}

async function shown(items: readonly WorkflowTreeItem[], depth: number): Promise<Shown[]> {
    const { workflowsTree } = await activeFlowExtension();
    return Promise.all(items.map(async item => {
        const entry: Shown = { label: String(item.label), context: item.contextValue };
        if (typeof item.description === 'string' && item.description !== '') entry.description = item.description;
        if (depth > 0 && item.collapsibleState !== vscode.TreeItemCollapsibleState.None) entry.children = await shown(await workflowsTree.getChildren(item), depth - 1);
        return entry;
    }));
}

async function fileItem(name: string): Promise<WorkflowTreeItem> {
    const { workflowsTree } = await activeFlowExtension();
    const item = (await workflowsTree.getChildren()).find(candidate => candidate.label === name);
    assert.ok(item, `the Workflows view shows no ${name}`);
    return item;
}

describe('the Workflows view', () => {
    it('is a view of the Flow container in the activity bar', () => {
        const { viewsContainers, views } = flowExtension().packageJSON.contributes;
        assert.deepEqual(viewsContainers.activitybar.map((container: { id: string }) => container.id), ['flow']);
        assert.equal(views.flow[0].id, 'flow.workflows');
    });

    it('shows a file\'s workflow, phases, streams and tasks, with what can run', async () => {
        assert.deepEqual(await shown([await fileItem('build.flow')], 5), [{
            label: 'build.flow', context: 'flowFile', children: [{
                label: 'Build', context: 'workflow', children: [
                    { label: 'prepare', context: 'phase', children: [{ label: 'fetch', description: 'coordination', context: 'task' }] },
                    {
                        label: 'make', description: 'after prepare', context: 'phase', children: [
                            { label: 'code', context: 'stream', children: [
                                { label: 'compile', description: 'implementation', context: 'task' },
                                { label: 'test', description: 'testing', context: 'task' }
                            ] },
                            { label: 'docs', context: 'stream', children: [{ label: 'write_docs', description: 'design', context: 'task' }] }
                        ]
                    }
                ]
            }]
        }]);
    });

    it('lists every .flow file of the workspace, in folders too', async () => {
        const { workflowsTree } = await activeFlowExtension();
        const labels = (await workflowsTree.getChildren()).map(item => `${item.label}${item.description ? ` (${item.description})` : ''}`);
        for (const expected of ['build.flow', 'hello.flow', 'agents.flow (seed)']) assert.ok(labels.includes(expected), `${expected} is not among ${labels.join(', ')}`);
    });

    it('shows a file\'s first error in place of its workflows', async () => {
        const { workflowsTree } = await activeFlowExtension();
        const broken = await waitFor('broken.flow to show its error', async () => {
            const item = await fileItem('broken.flow');
            return item.description === '1 error' ? item : undefined;
        });
        assert.deepEqual(await shown(await workflowsTree.getChildren(broken), 0), [{ label: '4:44 Unknown task \'frist\'. Did you mean \'first\'?', context: 'flowError' }]);
    });

    it('says so for a file that declares no workflow', async () => {
        const { workflowsTree } = await activeFlowExtension();
        const [message] = await workflowsTree.getChildren(await fileItem('agents.flow'));
        assert.match(String(message.label), /^No workflow here/);
    });

    it('reveals a task\'s declaration when it is selected', async () => {
        const { workflowsTree } = await activeFlowExtension();
        const [workflow] = await workflowsTree.getChildren(await fileItem('hello.flow'));
        const [, sign] = await workflowsTree.getChildren(workflow);
        assert.equal(sign.label, 'sign');
        const { command, arguments: args = [] } = sign.command!;
        await vscode.commands.executeCommand(command, ...args);
        const editor = vscode.window.activeTextEditor!;
        assert.equal(editor.document.uri.fsPath, workspaceUri('hello.flow').fsPath);
        assert.match(editor.document.lineAt(editor.selection.active.line).text, /^ {2}task sign:/);
    });

    it('marks each task with how it last went in this window', async () => {
        const { workflowsTree } = await activeFlowExtension();
        await vscode.commands.executeCommand('flow.runTask', workspaceUri('build.flow'), { workflow: 'Build', task: 'fetch' });
        const [workflow] = await workflowsTree.getChildren(await fileItem('build.flow'));
        const [prepare] = await workflowsTree.getChildren(workflow);
        const [fetch] = await workflowsTree.getChildren(prepare);
        assert.match(String(fetch.description), /^coordination · completed in \d/);
        assert.equal((fetch.iconPath as vscode.ThemeIcon).id, 'check');
    });
});
