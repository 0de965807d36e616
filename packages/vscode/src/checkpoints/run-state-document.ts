import * as vscode from 'vscode';
import type { Json } from '@flow/model';
import type { RunState, TaskState } from '@flow/store';
import type { RunHistory } from '../history/run-history.js';
import { shortId } from '../history/run-words.js';

/** The scheme of the read-only documents that show a run's state at a checkpoint. */
export const RUN_STATE_SCHEME = 'flow-state';

/** Which state a `flow-state:` document shows. */
export interface RunStateTarget {
    stateDir: string;
    runId: string;
    workflow: string;
    /** The checkpoint (0 is the run's start). */
    checkpoint: number;
}

/**
 * `flow-state:/Hello 3f2a1b2c at 3.json?dir=…&run=…&at=3`: the tab shows the path's name, the
 * query says which store, run and checkpoint.
 */
export function runStateUri(target: RunStateTarget): vscode.Uri {
    const query = new URLSearchParams({ dir: target.stateDir, run: target.runId, workflow: target.workflow, at: String(target.checkpoint) });
    return vscode.Uri.from({ scheme: RUN_STATE_SCHEME, path: `/${target.workflow} ${shortId(target.runId)} at ${target.checkpoint}.json`, query: query.toString() });
}

export function runStateTarget(uri: vscode.Uri): RunStateTarget | undefined {
    const query = new URLSearchParams(uri.query);
    const [stateDir, runId, workflow, at] = ['dir', 'run', 'workflow', 'at'].map(name => query.get(name));
    if (!stateDir || !runId || workflow === null || at === null || !/^\d+$/.test(at)) return undefined;
    return { stateDir, runId, workflow, checkpoint: Number(at) };
}

/**
 * The run's state at a checkpoint as JSON: each task's status, attempts, result (or error, or
 * why it did not run), agent and duration. What changes between checkpoints is what a diff of
 * two of them shows, so timestamps and log paths are left out.
 */
export function runStateJson(workflow: string, state: RunState): string {
    const at = state.at;
    return JSON.stringify({
        workflow,
        run: state.runId,
        checkpoint: at
            ? { id: at.id, ...(at.name ? { name: at.name } : {}), ...(at.task ? { after: at.task } : {}), time: new Date(at.time).toISOString() }
            : { id: 0 },
        tasks: Object.fromEntries(Object.values(state.tasks).map(task => [task.id, shownTask(task)]))
    }, null, 2) + '\n';
}

function shownTask(task: TaskState): Record<string, Json> {
    return {
        status: task.status,
        attempts: task.attempts,
        ...(task.agent ? { agent: task.agent } : {}),
        ...(task.durationMs !== undefined ? { durationMs: task.durationMs } : {}),
        ...(task.fromCache ? { fromCache: true } : {}),
        ...(task.reused ? { reused: { run: task.reused.runId, ...(task.reused.checkpoint !== undefined ? { checkpoint: task.reused.checkpoint } : {}) } } : {}),
        ...(task.result !== undefined ? { result: task.result } : {}),
        ...(task.error ? { error: { kind: task.error.kind, message: task.error.message } } : {}),
        ...(task.reason ? { reason: task.reason } : {})
    };
}

/** Serves `flow-state:` documents from the store (read-only: there is nothing to save). */
export class RunStateDocuments implements vscode.TextDocumentContentProvider {
    constructor(private readonly history: RunHistory) {}

    async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
        const target = runStateTarget(uri);
        if (!target) return `// ${uri.toString()} does not name a run and a checkpoint; open checkpoints from the Checkpoints view.\n`;
        try {
            return runStateJson(target.workflow, await this.history.read(target.stateDir, store => store.stateAt(target.runId, target.checkpoint)));
        } catch (error) {
            return `// The state of run ${target.runId} at checkpoint ${target.checkpoint} could not be read: ${(error as Error).message}\n`;
        }
    }
}
