import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { RunResult } from '@flow/engine';
import type { ManagedRun } from '../../../packages/vscode/src/runs/run-manager.js';
import { activeFlowExtension, readWorkspaceText, waitFor, workspaceUri } from './helpers.js';

/**
 * The chat model provider API (final since VS Code 1.104; @types/vscode 1.101 has only the
 * consuming side). The vendor `flow-test` is contributed by test/vscode/fixtures/lm-test-provider.
 */
interface ChatModelInformation {
    id: string; name: string; family: string; version: string; maxInputTokens: number; maxOutputTokens: number; capabilities: object;
}
interface ChatRequestMessage {
    role: vscode.LanguageModelChatMessageRole;
    content: readonly unknown[];
}
interface ChatModelProvider {
    provideLanguageModelChatInformation(options: object, token: vscode.CancellationToken): Promise<ChatModelInformation[]>;
    provideLanguageModelChatResponse(model: ChatModelInformation, messages: readonly ChatRequestMessage[], options: object,
        progress: vscode.Progress<vscode.LanguageModelTextPart>, token: vscode.CancellationToken): Promise<void>;
    provideTokenCount(model: ChatModelInformation, text: string | ChatRequestMessage, token: vscode.CancellationToken): Promise<number>;
}
const lm = vscode.lm as typeof vscode.lm & { registerLanguageModelChatProvider(vendor: string, provider: ChatModelProvider): vscode.Disposable };

function model(id: string): ChatModelInformation {
    return { id, name: id, family: id, version: '1', maxInputTokens: 10_000, maxOutputTokens: 10_000, capabilities: {} };
}

/** Test models: `flow-test-echo` answers with the messages it got, `flow-test-json` with JSON, `flow-test-silent` only stops when cancelled. */
class TestModels implements ChatModelProvider {
    readonly received: string[][] = [];
    cancelled = 0;

    async provideLanguageModelChatInformation(): Promise<ChatModelInformation[]> {
        return [model('flow-test-echo'), model('flow-test-json'), model('flow-test-silent')];
    }

    async provideLanguageModelChatResponse(info: ChatModelInformation, messages: readonly ChatRequestMessage[], _options: object,
        progress: vscode.Progress<vscode.LanguageModelTextPart>, token: vscode.CancellationToken): Promise<void> {
        const texts = messages.map(message => message.content.map(part => (part as vscode.LanguageModelTextPart).value).join(''));
        this.received.push(texts);
        if (info.id === 'flow-test-silent') {
            await new Promise<void>(resolve => token.onCancellationRequested(() => resolve()));
            this.cancelled++;
            return;
        }
        const answer = info.id === 'flow-test-json' ? '```json\n{"colours": ["red", "blue"]}\n```' : `You said: ${texts.at(-1)}`;
        // In two parts, as a model streams.
        progress.report(new vscode.LanguageModelTextPart(answer.slice(0, 5)));
        progress.report(new vscode.LanguageModelTextPart(answer.slice(5)));
    }

    async provideTokenCount(_model: ChatModelInformation, text: string | ChatRequestMessage): Promise<number> {
        return typeof text === 'string' ? text.length : 1;
    }
}

function run(workflow: string): Thenable<RunResult | undefined> {
    return vscode.commands.executeCommand<RunResult | undefined>('flow.runWorkflow', workspaceUri('editor-runners.flow'), { workflow });
}

describe('the vscode_task runner', () => {
    it('runs a task of .vscode/tasks.json with the run\'s values in its environment', async () => {
        await activeFlowExtension();
        const result = await run('VscodeTask');
        assert.equal(result?.status, 'completed', result?.reason);
        assert.deepEqual(result.tasks[0].result, { exitCode: 0 });
        assert.equal(await readWorkspaceText('out/vscode-task.txt'), 'build the editor');
    });

    it('fails with the task\'s exit code', async () => {
        const result = await run('FailingVscodeTask');
        assert.equal(result?.status, 'failed');
        assert.deepEqual([result.tasks[0].error?.kind, result.tasks[0].error?.exitCode], ['exit_code', 3]);
    });
});

describe('the lm runner', () => {
    const models = new TestModels();
    let registration: vscode.Disposable | undefined;
    before(() => {
        registration = lm.registerLanguageModelChatProvider('flow-test', models);
    });
    after(() => registration?.dispose());

    it('sends the prompt, filled in, to the model the task names, and returns its answer', async () => {
        const result = await run('AskModel');
        assert.equal(result?.status, 'completed', result?.reason);
        assert.deepEqual(models.received.at(-1), ['Answer in one line.', 'Greet Ada 3 times']);
        assert.deepEqual(result.tasks.find(task => task.id === 'ask')?.result, { text: 'You said: Greet Ada 3 times', model: 'flow-test-echo' });
    });

    it('returns an answer that is JSON as the value it holds', async () => {
        const result = await run('AskForJson');
        assert.deepEqual(result?.tasks[0].result, { colours: ['red', 'blue'] });
    });

    it('cancels the request when the run is cancelled', async () => {
        const { runs } = await activeFlowExtension();
        const asked = new Promise<ManagedRun>(resolve => {
            const subscription = runs.onDidReceiveEvent(({ run: managed, event }) => {
                if (event.type !== 'task.started') return;
                subscription.dispose();
                resolve(managed);
            });
        });
        const finished = run('AskSlowModel');
        const managed = await asked;
        await waitFor('the silent model to be asked', () => models.received.some(texts => texts.at(-1) === 'Think forever') ? true : undefined);
        await vscode.commands.executeCommand('flow.cancelRun', managed.id);
        assert.equal((await finished)?.status, 'cancelled');
        assert.equal(models.cancelled, 1);
    });

    it('fails as retryable, saying how to get a model, when there is none', async () => {
        registration?.dispose();
        registration = undefined;
        const result = await run('AskModel');
        const error = result?.tasks.find(task => task.id === 'ask')?.error;
        assert.equal(error?.kind, 'agent_unavailable');
        assert.equal(error?.nonRetryable, false);
        assert.match(error?.message ?? '', /^no language model with the id or family "flow-test-echo" is available in this editor .*Install and sign in to an extension that provides language models/);
    });
});
