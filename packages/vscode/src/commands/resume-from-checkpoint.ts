import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import type { ResumeSource, RunResult } from '@flow/engine';
import type { Json, ParamDef, WorkflowModel } from '@flow/model';
import type { CheckpointInfo, RunRecord } from '@flow/store';
import { resolveStoredRun, type StoredRunSubject } from '../history/pick-stored-run.js';
import type { RunHistory } from '../history/run-history.js';
import { checkpointLabel, shortId, startedWords } from '../history/run-words.js';
import { changedParameters, resumePlanWords } from '../history/resume-words.js';
import { loadWorkflowRuntime } from '../runtime/load-runtime.js';
import type { RunManager } from '../runs/run-manager.js';
import { RESUME_COMMAND } from '../runs/run-notifier.js';
import { loadRunStore } from '../store/load-store.js';
import { mayExecuteWorkspaceCode } from '../workspace-trust.js';
import { compileForCommand, mayStart } from './prepare-workflow.js';
import { startRun } from './run-workflow.js';

export const RESUME_FROM_CHECKPOINT_COMMAND = RESUME_COMMAND;
/** Resume from the checkpoint the item is (the Checkpoints view), with the run's parameters. */
export const RESUME_FROM_HERE_COMMAND = 'flow.resumeFromHere';
/** Resume from the checkpoint the item is, asking which parameters to change first. */
export const FORK_WITH_PARAMETERS_COMMAND = 'flow.forkWithParameters';

/** What the pickers ask for, given up front (by the views' items, the notification, or a test). */
export interface ResumeOptions {
    /** The checkpoint to start from (its id or name). @default the run's latest, else one the user picks */
    checkpoint?: number | string;
    /** Parameter changes (values, or text converted to the declared types); given, no parameter is asked for. */
    params?: Record<string, Json>;
    /**
     * `offer`: ask whether to change parameters (Resume from Checkpoint); `pick`: ask which to
     * change (Fork with Parameters); `never`: keep the run's (Resume from Here). @default 'offer'
     */
    parameters?: 'offer' | 'pick' | 'never';
    /** Show the plan and wait for Resume. @default true */
    preview?: boolean;
}

/** What the command resolves with once the new run has ended: the plan it followed and its result. */
export interface ResumeOutcome {
    runId: string;
    /** Each task of the plan: whether it kept its result, and why (the words of `flowctl resume --plan`). */
    plan: Array<{ task: string; keep: boolean; why: string }>;
    result: RunResult;
}

/**
 * `Flow: Resume from Checkpoint`: pick a run, then one of its checkpoints (latest first), then
 * optionally change parameters; the plan (`planResume` over the chain of resumed runs, as
 * `flowctl resume --plan` prints it: which tasks keep their results and why the others run
 * again) is shown with Resume and Cancel, and Resume starts the run with those results to reuse
 * and the run it came from recorded as its parent. The workflow is the file as it is now (the
 * stored model when the file is gone). Resume from Here and Fork with Parameters are the same
 * from a Checkpoints item. Resolves with the outcome, or undefined when nothing ran.
 */
export function registerResumeFromCheckpoint(context: vscode.ExtensionContext, runs: RunManager, history: RunHistory): void {
    const resume = (subject: ResumeSubject, options: ResumeOptions): Promise<ResumeOutcome | undefined> => resumeRun(runs, history, subject, options);
    context.subscriptions.push(
        vscode.commands.registerCommand(RESUME_FROM_CHECKPOINT_COMMAND, (subject?: ResumeSubject, options: ResumeOptions = {}) =>
            resume(subject, { ...(checkpointOf(subject) !== undefined ? { checkpoint: checkpointOf(subject) } : {}), ...options })),
        vscode.commands.registerCommand(RESUME_FROM_HERE_COMMAND, (subject?: ResumeSubject, options: ResumeOptions = {}) =>
            resume(subject, { checkpoint: checkpointOf(subject), parameters: 'never', ...options })),
        vscode.commands.registerCommand(FORK_WITH_PARAMETERS_COMMAND, (subject?: ResumeSubject, options: ResumeOptions = {}) =>
            resume(subject, { checkpoint: checkpointOf(subject), parameters: 'pick', ...options })));
}

/** A stored run, or a Checkpoints item (which says the checkpoint too). */
type ResumeSubject = StoredRunSubject | { readonly ref: { stateDir: string; runId: string; checkpoint: number } };

function checkpointOf(subject: ResumeSubject): number | undefined {
    return typeof subject === 'object' && 'ref' in subject && 'checkpoint' in subject.ref ? subject.ref.checkpoint : undefined;
}

async function resumeRun(runs: RunManager, history: RunHistory, subject: ResumeSubject, options: ResumeOptions): Promise<ResumeOutcome | undefined> {
    if (!mayExecuteWorkspaceCode('resuming a run')) return undefined;
    const title = 'Resume from Checkpoint';
    const ref = await resolveStoredRun(history, subject, title, { placeHolder: 'Resume which run? (the latest is first)' });
    if (!ref) return undefined;

    let found: { record: RunRecord; checkpoints: CheckpointInfo[] } | undefined;
    try {
        found = await history.read(ref.stateDir, store => {
            const run = store.run(ref.runId);
            return run && { record: run.record, checkpoints: store.checkpoints(run.runId) };
        });
    } catch (error) {
        void vscode.window.showErrorMessage(`Flow: the run store in ${vscode.workspace.asRelativePath(ref.stateDir)} could not be read: ${(error as Error).message}`);
        return undefined;
    }
    if (!found) {
        void vscode.window.showErrorMessage(`Flow: there is no run ${ref.runId} in ${vscode.workspace.asRelativePath(ref.stateDir)} any more (flowctl gc may have removed it).`);
        return undefined;
    }
    const { record, checkpoints } = found;
    const latest = checkpoints.reduce((most, checkpoint) => Math.max(most, checkpoint.id), 0);
    const checkpoint = options.checkpoint ?? await pickCheckpoint(record, checkpoints);
    if (checkpoint === undefined) return undefined;

    let sources: ResumeSource[];
    try {
        sources = await history.read(ref.stateDir, store =>
            loadRunStore().resumeChain(store, record, store.stateAt(record.runId, checkpoint)));
    } catch (error) {
        void vscode.window.showErrorMessage(`Flow: ${record.workflow} cannot be resumed from checkpoint ${checkpoint}: ${(error as Error).message}`);
        return undefined;
    }
    const from = sources[0].checkpoint;

    const current = await currentModel(record);
    if (!current) return undefined;
    const { model, file } = current;
    const runtime = loadWorkflowRuntime();
    const changes = options.params ?? await askParameters(model, record.params, options.parameters ?? 'offer');
    if (changes === undefined) return undefined;
    let params: Record<string, Json>;
    try {
        params = runtime.resolveParams(model, { ...record.params, ...changes });
    } catch (error) {
        void vscode.window.showErrorMessage(`Flow: ${record.workflow} was not resumed: ${(error as Error).message}`);
        return undefined;
    }
    const plan = runtime.planResume(sources, { model, params });
    const lines = plan.steps.map(step => ({ task: step.task, keep: step.keep, why: runtime.describeResumeReason(step.reason) }));
    if (options.preview !== false) {
        const at = checkpoints.find(candidate => typeof from === 'number' ? candidate.id === from : candidate.name === from);
        const words = resumePlanWords(record.workflow, at ? checkpointLabel(at) : String(from ?? 0), lines, changedParameters(record.params, params));
        const choice = await vscode.window.showInformationMessage(words.message, { modal: true, detail: words.detail }, 'Resume');
        if (choice !== 'Resume') return undefined;
    }
    if (!mayStart(model)) return undefined;
    const fromLatest = checkpoint === latest || (typeof checkpoint === 'string' && checkpoints.find(candidate => candidate.name === checkpoint)?.id === latest);
    const changed = Object.fromEntries(changedParameters(record.params, params).map(change => [change.name, change.to]));
    const parent = loadRunStore().resumeParent(record.runId, from, fromLatest, changed);
    // Beside the run it resumes, whatever the file's flow.stateDirectory says now: the chain of runs stays in one store.
    const run = await startRun(runs, file, model, { params, resume: { parent, reuse: plan.reuse }, stateDirectory: ref.stateDir });
    if (!run) return undefined;
    return { runId: run.id, plan: lines, result: await run.result };
}

/** The run's checkpoints, latest first (the one a resume usually starts from). */
async function pickCheckpoint(record: RunRecord, checkpoints: readonly CheckpointInfo[]): Promise<number | undefined> {
    const byId = new Map<number, { info: CheckpointInfo; names: string[] }>();
    for (const info of checkpoints) {
        const entry = byId.get(info.id) ?? { info, names: [] };
        if (info.name) entry.names.push(info.name);
        byId.set(info.id, entry);
    }
    if (!byId.has(0)) byId.set(0, { info: { id: 0, runId: record.runId, time: record.startedAt, seq: 0 }, names: [] });
    const newestFirst = [...byId.values()].sort((a, b) => b.info.id - a.info.id);
    if (newestFirst.length === 1) return 0;
    const now = Date.now();
    const picked = await vscode.window.showQuickPick(newestFirst.map(({ info, names }, index) => ({
        label: checkpointLabel(info, names),
        description: [index === 0 ? 'latest' : undefined, info.id === 0 ? 'nothing kept' : undefined, startedWords(info.time, now)].filter(Boolean).join(' · '),
        id: info.id
    })), { title: `Flow: Resume ${record.workflow} ${shortId(record.runId)}`, placeHolder: 'From which checkpoint? What had ended by then keeps its result.' });
    return picked?.id;
}

/** The workflow as its file says now (errors stop the resume, as flowctl's do); the stored model when the file is gone. */
async function currentModel(record: RunRecord): Promise<{ model: WorkflowModel; file: vscode.Uri } | undefined> {
    const file = vscode.Uri.file(record.file ?? '');
    if (record.file && record.file.endsWith('.flow') && existsSync(record.file)) {
        const document = await vscode.workspace.openTextDocument(file);
        const model = await compileForCommand(document, { title: 'Resume from Checkpoint', workflow: record.workflow, outcome: 'not resumed', forRun: true });
        return model && { model, file };
    }
    void vscode.window.showWarningMessage(`Flow: ${record.file ? vscode.workspace.asRelativePath(record.file) : 'the workflow\'s file'} ` +
        `${record.file && existsSync(record.file) ? 'is not a .flow file' : 'is gone'}; ${record.workflow} is resumed with the model its run stored.`);
    return { model: record.model, file };
}

/** Parameter changes, by name (text, converted to the declared type by the engine), or undefined when the user cancelled. */
async function askParameters(model: WorkflowModel, values: Record<string, Json>, mode: 'offer' | 'pick' | 'never'): Promise<Record<string, Json> | undefined> {
    if (mode === 'never' || model.params.length === 0) return {};
    if (mode === 'offer') {
        const choice = await vscode.window.showQuickPick([
            { label: 'Keep the run\'s parameters', description: model.params.map(param => `${param.name}=${shownValue(param, values[param.name])}`).join(', '), change: false },
            { label: 'Change parameters…', description: 'then see what runs again', change: true }
        ], { title: `Flow: Resume ${model.name}`, placeHolder: 'With which parameters?' });
        if (!choice) return undefined;
        if (!choice.change) return {};
    }
    const picked = await vscode.window.showQuickPick(model.params.map(param => ({
        label: param.name, description: shownValue(param, values[param.name]), detail: param.description, param
    })), { title: `Flow: Fork ${model.name} with Parameters`, placeHolder: 'Which parameters to change? (each is asked for next)', canPickMany: true });
    if (!picked) return undefined;
    const changes: Record<string, Json> = {};
    for (const { param } of picked) {
        const text = await vscode.window.showInputBox({
            title: `Flow: ${model.name}: ${param.name} (${typeWords(param)})`,
            prompt: param.description ?? `The value of ${param.name} for the new run; the run had ${shownValue(param, values[param.name])}.`,
            value: shownValue(param, values[param.name]),
            validateInput: text => {
                try {
                    loadWorkflowRuntime().resolveParams({ ...model, params: [param] }, { [param.name]: text });
                    return undefined;
                } catch (error) {
                    return (error as Error).message;
                }
            }
        });
        if (text === undefined) return undefined;
        changes[param.name] = text;
    }
    return changes;
}

/** A value as the user types it: text as is, durations as `30m`, the rest as JSON. */
function shownValue(param: ParamDef, value: Json | undefined): string {
    if (value === undefined) return '';
    if (typeof value === 'string') return value;
    if (param.type.kind === 'duration' && typeof value === 'number') return loadWorkflowRuntime().formatDurationLiteral(value);
    return JSON.stringify(value);
}

function typeWords(param: ParamDef): string {
    return param.type.kind === 'enum' ? param.type.values.map(value => JSON.stringify(value)).join(' | ') : param.type.kind;
}
