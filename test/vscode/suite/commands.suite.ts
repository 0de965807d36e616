import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { RunEvent, RunResult } from '@flow/engine';
import type { WorkflowModel } from '@flow/model';
import type { DryRunOutcome } from '../../../packages/vscode/src/commands/dry-run.js';
import type { ManagedRun } from '../../../packages/vscode/src/runs/run-manager.js';
import {
    activeFlowExtension, flowExtension, positionAfter, readWorkspaceText, waitFor, workspaceFileExists, workspaceUri
} from './helpers.js';

/** Runs `action` and returns the tasks whose attempts started meanwhile, in order. */
async function startedTasks(action: () => Thenable<unknown>): Promise<{ tasks: string[]; value: unknown }> {
    const { runs } = await activeFlowExtension();
    const tasks: string[] = [];
    const subscription = runs.onDidReceiveEvent(({ event }) => {
        if (event.type === 'task.started') tasks.push(event.task);
    });
    try {
        return { tasks, value: await action() };
    } finally {
        subscription.dispose();
    }
}

describe('Flow commands', () => {
    it('lists every command in the palette under the Flow category', () => {
        const manifest = flowExtension().packageJSON.contributes;
        const commands = manifest.commands as { command: string; category?: string }[];
        assert.deepEqual(commands.filter(entry => entry.category !== 'Flow').map(entry => entry.command), []);
        // A palette entry `when: false` would hide a command from the palette altogether.
        const hidden = (manifest.menus.commandPalette as { command: string; when?: string }[]).filter(entry => entry.when === 'false');
        assert.deepEqual(hidden, []);
        for (const command of ['flow.runTask', 'flow.dryRun', 'flow.cancelRun', 'flow.compileToJson', 'flow.convertJsonToFlow', 'flow.openTaskLog', 'flow.newWorkflowFromTemplate']) {
            assert.ok(commands.some(entry => entry.command === command), `${command} is not contributed`);
        }
    });

    describe('Run Task', () => {
        it('runs the task and the tasks it depends on, and nothing else', async () => {
            const { tasks, value } = await startedTasks(() => vscode.commands.executeCommand<RunResult | undefined>(
                'flow.runTask', workspaceUri('build.flow'), { workflow: 'Build', task: 'test' }));
            const result = value as RunResult | undefined;
            assert.equal(result?.status, 'completed', result?.reason);
            assert.deepEqual(tasks, ['fetch', 'compile', 'test']);
            assert.deepEqual([await workspaceFileExists('out/build/test'), await workspaceFileExists('out/build/docs')], [true, false]);
        });

        it('takes the task under the cursor', async () => {
            const editor = await vscode.window.showTextDocument(workspaceUri('build.flow'));
            const inCompile = positionAfter(editor.document, 'task comp');
            editor.selection = new vscode.Selection(inCompile, inCompile);
            const { tasks } = await startedTasks(() => vscode.commands.executeCommand('flow.runTask'));
            assert.deepEqual(tasks, ['fetch', 'compile']);
        });

        it('accepts a task of the Workflows view, as its inline action passes it', async () => {
            const { workflowsTree } = await activeFlowExtension();
            const roots = await workflowsTree.getChildren();
            const build = roots.find(item => item.label === 'build.flow')!;
            const [workflow] = await workflowsTree.getChildren(build);
            const [prepare] = await workflowsTree.getChildren(workflow);
            const [fetch] = await workflowsTree.getChildren(prepare);
            assert.equal(fetch.label, 'fetch');
            const { tasks } = await startedTasks(() => vscode.commands.executeCommand('flow.runTask', fetch));
            assert.deepEqual(tasks, ['fetch']);
        });
    });

    describe('Dry Run', () => {
        it('plans the workflow, runs nothing, and says so on every line', async () => {
            const { runs } = await activeFlowExtension();
            let started = 0;
            const subscription = runs.onDidStartRun(() => started++);
            let outcome: DryRunOutcome | undefined;
            try {
                outcome = await vscode.commands.executeCommand<DryRunOutcome | undefined>('flow.dryRun', workspaceUri('build.flow'));
            } finally {
                subscription.dispose();
            }
            assert.ok(outcome, 'the dry run planned nothing');
            assert.equal(started, 0);
            assert.equal(outcome.dryRun, true);
            assert.deepEqual(outcome.plan.waves.map(wave => wave.map(task => task.id)), [['fetch'], ['compile', 'write_docs'], ['test']]);
            assert.deepEqual(outcome.lines.filter(line => !line.startsWith('[dry run]')), []);
            assert.equal(await workspaceFileExists('out/build/docs'), false);
        });
    });

    describe('Cancel Run', () => {
        it('cancels the running run, and its shell task\'s process is gone', async () => {
            const { runs } = await activeFlowExtension();
            const started = new Promise<ManagedRun>(resolve => {
                const subscription = runs.onDidStartRun(run => {
                    subscription.dispose();
                    resolve(run);
                });
            });
            const finished = vscode.commands.executeCommand<RunResult | undefined>('flow.runWorkflow', workspaceUri('slow.flow'));
            const run = await started;
            const pid = Number(await waitFor('the slow task to write its pid', () =>
                readWorkspaceText('out/slow.pid').then(text => text.trim() || undefined, () => undefined)));
            assert.equal(isAlive(pid), true, 'the slow task\'s process is not running');

            assert.equal(await vscode.commands.executeCommand('flow.cancelRun'), run.id);
            const result = await finished;
            assert.equal(result?.status, 'cancelled');
            assert.equal(isAlive(pid), false, `process ${pid} of the cancelled task still runs`);
            assert.deepEqual(runs.activeRuns, []);
        });
    });

    describe('Compile to JSON', () => {
        it('opens the model, which the published schema accepts', async () => {
            const compiled = await vscode.commands.executeCommand<{ model: WorkflowModel; uri: vscode.Uri } | undefined>(
                'flow.compileToJson', workspaceUri('hello.flow'), { destination: 'editor' });
            assert.ok(compiled, 'nothing was compiled');
            assert.equal(compiled.uri.scheme, 'untitled');
            const shown = JSON.parse(vscode.window.activeTextEditor!.document.getText()) as WorkflowModel;
            const schema = JSON.parse(readFileSync(path.join(flowExtension().extensionPath, 'packages/model/schema/workflow-model.schema.json'), 'utf8'));
            const validate = new Ajv2020({ allErrors: true, validateFormats: false }).compile(schema);
            assert.equal(validate(shown), true, JSON.stringify(validate.errors, null, 2));
            assert.deepEqual(shown.tasks.map(task => task.id), ['greet', 'sign']);
        });

        it('writes <name>.model.json beside the file when asked to', async () => {
            const compiled = await vscode.commands.executeCommand<{ uri: vscode.Uri } | undefined>(
                'flow.compileToJson', workspaceUri('hello.flow'), { destination: 'file' });
            assert.equal(compiled?.uri.fsPath, workspaceUri('hello.model.json').fsPath);
            assert.equal((JSON.parse(await readWorkspaceText('hello.model.json')) as WorkflowModel).name, 'Hello');
        });
    });

    describe('Convert JSON to .flow', () => {
        it('writes the seed workflow as .flow text that compiles without errors', async () => {
            const written = await vscode.commands.executeCommand<vscode.Uri | undefined>('flow.convertJsonToFlow', workspaceUri('seed', 'research.json'));
            assert.equal(written?.fsPath, workspaceUri('seed', 'research.flow').fsPath);
            assert.equal(await readWorkspaceText('seed', 'research.flow'), 'workflow ResearchFlow {\n  title "Research Flow"\n\n' +
                '  task gather: research "Gather the sources"\n  task study: analysis "Study them" after gather\n}\n');
            // Its tasks run on the agent seed/agents.flow declares, which it refers to rather than copies.
            const compiled = await vscode.commands.executeCommand<{ model: WorkflowModel } | undefined>('flow.compileToJson', written, { destination: 'editor' });
            assert.deepEqual(compiled?.model.agents.map(agent => agent.name), ['analyst']);
        });
    });

    describe('Open Task Log', () => {
        it('opens what a task\'s attempt printed', async () => {
            const { runs } = await activeFlowExtension();
            await vscode.commands.executeCommand('flow.runTask', workspaceUri('build.flow'), { workflow: 'Build', task: 'fetch' });
            const run = runs.sessionRuns.at(-1)!;
            const opened = await vscode.commands.executeCommand<vscode.Uri | undefined>('flow.openTaskLog', { runId: run.id, task: 'fetch' });
            assert.equal(opened && path.basename(opened.fsPath), 'fetch.attempt1.log');
            assert.equal(vscode.window.activeTextEditor?.document.getText(), 'fetched\n');
        });
    });

    describe('New Workflow from Template', () => {
        it('writes a workflow made from a built-in template with the values given', async () => {
            const written = await vscode.commands.executeCommand<vscode.Uri | undefined>('flow.newWorkflowFromTemplate',
                { template: 'research_analysis', values: { topic: 'tides' }, file: 'tides.flow' });
            assert.equal(written?.fsPath, workspaceUri('tides.flow').fsPath);
            const text = await readWorkspaceText('tides.flow');
            assert.match(text, /^\/\/ Made from template research_analysis \(built-in\) by Flow: New Workflow from Template\.$/m);
            assert.match(text, /^workflow tides \{$/m);
            assert.match(text, /^ {2}param topic: string = "tides"$/m);
            const compiled = await vscode.commands.executeCommand<{ model: WorkflowModel } | undefined>('flow.compileToJson', written, { destination: 'editor' });
            assert.equal(compiled?.model.params.find(param => param.name === 'topic')?.default, 'tides');
        });

        it('writes nothing for a value of the wrong type', async () => {
            const written = await vscode.commands.executeCommand('flow.newWorkflowFromTemplate',
                { template: 'research_analysis', values: { depth: 'deep' }, file: 'deep.flow' });
            assert.equal(written, undefined);
            assert.equal(await workspaceFileExists('deep.flow'), false);
        });
    });
});

describe('settings', () => {
    async function withSetting<T>(key: string, value: unknown, action: () => Thenable<T>): Promise<T> {
        const config = vscode.workspace.getConfiguration('flow');
        await config.update(key, value, vscode.ConfigurationTarget.Workspace);
        try {
            return await action();
        } finally {
            await config.update(key, undefined, vscode.ConfigurationTarget.Workspace);
        }
    }

    it('keeps task logs in flow.stateDirectory', async () => {
        const { runs } = await activeFlowExtension();
        await withSetting('stateDirectory', 'state', () => vscode.commands.executeCommand('flow.runTask', workspaceUri('build.flow'), { workflow: 'Build', task: 'fetch' }));
        const run = runs.sessionRuns.at(-1)!;
        assert.equal(run.logDir, path.join(workspaceUri('state', 'logs').fsPath, run.id));
        assert.equal(await workspaceFileExists('state', 'logs', run.id, 'fetch.attempt1.log'), true);
    });

    it('runs at most flow.maxParallelTasks attempts at once', async () => {
        const events: RunEvent['type'][] = [];
        const { runs } = await activeFlowExtension();
        const subscription = runs.onDidReceiveEvent(({ event }) => {
            if (event.type === 'task.started' || event.type === 'task.completed') events.push(event.type);
        });
        try {
            // draft.flow's three tasks depend on nothing: unlimited, all three may start at once.
            await withSetting('maxParallelTasks', 1, () => vscode.commands.executeCommand('flow.runWorkflow', workspaceUri('draft.flow')));
        } finally {
            subscription.dispose();
        }
        assert.deepEqual(events, ['task.started', 'task.completed', 'task.started', 'task.completed', 'task.started', 'task.completed']);
    });

    it('gives workflows that declare no algorithm flow.scheduling.algorithm', async () => {
        const { runs } = await activeFlowExtension();
        await withSetting('scheduling.algorithm', 'least_loaded', () => vscode.commands.executeCommand('flow.runWorkflow', workspaceUri('draft.flow')));
        assert.equal(runs.sessionRuns.at(-1)!.model.policies.scheduling.algorithm, 'least_loaded');
    });
});

/** Whether a process runs (signal 0 only checks). */
function isAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (error) {
        return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
}
