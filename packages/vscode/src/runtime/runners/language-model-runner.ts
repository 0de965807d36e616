import * as vscode from 'vscode';
import { TaskFailure, interpolate, plainText, type RunnerContext, type TaskRunner } from '@flow/engine';
import type { Json } from '@flow/model';

/** Why Flow asks for a model: VS Code shows it to the user when it asks for consent. */
const JUSTIFICATION = 'A Flow workflow task (`run lm`) sends its prompt to a language model.';

const HOW_TO_GET_A_MODEL = 'Install and sign in to an extension that provides language models (for example GitHub Copilot Chat), ' +
    'or name one of the available models with `model "..."`';

/**
 * `run lm "prompt" { model "..." system "..." }`: sends the prompt, with its placeholders filled
 * in as plain text, to a language model of the editor (`vscode.lm`), streaming the answer into
 * the attempt's log. `model` picks a model by id, else by family; without it the first model
 * the editor offers is used. The result is the answer parsed, when it is JSON; otherwise
 * `{ text, model }`. No model available is a retryable `agent_unavailable` failure (a model may
 * appear once an extension has signed in); stopping the attempt cancels the request.
 */
export class LanguageModelRunner implements TaskRunner {
    readonly kind = 'lm';

    async run(context: RunnerContext): Promise<Json> {
        const { request, signal, log } = context;
        if (request.runner.kind !== 'lm') throw TaskFailure.nonRetryable(`the lm runner cannot run a ${request.runner.kind} runner`, 'runner_error');
        const values = { params: request.params, upstream: request.upstream, item: request.item?.value };
        const prompt = interpolate(request.runner.prompt, values, plainText);
        const system = request.runner.system === undefined ? undefined : interpolate(request.runner.system, values, plainText);
        signal.throwIfAborted();

        const model = await chooseModel(request.runner.model);
        signal.throwIfAborted();
        log.write(`[flow] asking ${model.name} (${model.vendor}/${model.id})\n`);
        // The stable API has no system role: the instructions go first, as a user message.
        const messages = [
            ...(system !== undefined ? [vscode.LanguageModelChatMessage.User(system)] : []),
            vscode.LanguageModelChatMessage.User(prompt)
        ];
        const cancellation = new vscode.CancellationTokenSource();
        const onAbort = (): void => cancellation.cancel();
        signal.addEventListener('abort', onAbort, { once: true });
        let text = '';
        try {
            const response = await model.sendRequest(messages, { justification: JUSTIFICATION }, cancellation.token);
            for await (const chunk of response.text) {
                if (signal.aborted) break;
                text += chunk;
                log.write(chunk);
            }
        } catch (error) {
            if (signal.aborted) throw stopped(signal);
            throw asFailure(error, model);
        } finally {
            signal.removeEventListener('abort', onAbort);
            cancellation.dispose();
        }
        if (signal.aborted) throw stopped(signal);
        log.write('\n');
        return parseJsonAnswer(text) ?? { text, model: model.id };
    }
}

async function chooseModel(wanted: string | undefined): Promise<vscode.LanguageModelChat> {
    if (wanted === undefined) {
        const [first] = await vscode.lm.selectChatModels();
        if (first) return first;
        throw TaskFailure.retryable(`no language model is available in this editor. ${HOW_TO_GET_A_MODEL}.`, 'agent_unavailable');
    }
    const [byId] = await vscode.lm.selectChatModels({ id: wanted });
    if (byId) return byId;
    const [byFamily] = await vscode.lm.selectChatModels({ family: wanted });
    if (byFamily) return byFamily;
    const available = (await vscode.lm.selectChatModels()).map(model => model.id);
    throw TaskFailure.retryable(`no language model with the id or family "${wanted}" is available in this editor ` +
        `(${available.length > 0 ? `available: ${available.join(', ')}` : 'none is'}). ${HOW_TO_GET_A_MODEL}.`, 'agent_unavailable');
}

/** The answer as JSON, when all of it is (a model may fence it in a ```json block). */
function parseJsonAnswer(text: string): Json | undefined {
    const trimmed = text.trim().replace(/^```(?:json)?\s*\n([\s\S]*)\n```$/, '$1').trim();
    if (!/^[[{]/.test(trimmed)) return undefined;
    try {
        return JSON.parse(trimmed) as Json;
    } catch {
        return undefined;
    }
}

/** VS Code's errors by their code: no consent is final; a blocked request (quota) or a vanished model may pass later. */
function asFailure(error: unknown, model: vscode.LanguageModelChat): TaskFailure {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof vscode.LanguageModelError) {
        if (error.code === vscode.LanguageModelError.NoPermissions.name) {
            return TaskFailure.nonRetryable(`${model.name} refused the request: Flow may not use it (${message}). ` +
                'Allow Flow to use language models when VS Code asks (Accounts menu > Manage Language Model Access).', 'agent_unavailable');
        }
        if (error.code === vscode.LanguageModelError.Blocked.name) {
            return TaskFailure.retryable(`${model.name} blocked the request (${message}); a quota may have been reached.`, 'resource_exhausted');
        }
        if (error.code === vscode.LanguageModelError.NotFound.name) {
            return TaskFailure.retryable(`${model.name} is no longer available (${message}). ${HOW_TO_GET_A_MODEL}.`, 'agent_unavailable');
        }
    }
    return TaskFailure.retryable(`${model.name} failed to answer: ${message}`, 'agent_unavailable');
}

function stopped(signal: AbortSignal): TaskFailure {
    return signal.reason instanceof TaskFailure ? signal.reason : TaskFailure.cancelled('the attempt was stopped');
}
