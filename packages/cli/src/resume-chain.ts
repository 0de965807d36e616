/**
 * What a resume starts from, as `flowctl resume` and the editor's Resume from Checkpoint both
 * read it from the store: the run resumed from (at the chosen checkpoint), then the run it was
 * itself resumed from, and so on. Only the store's query methods are used (no CLI output), so the
 * editor bundles this with its own store reader.
 */
import type { ResumeSource } from '@flow/engine';
import type { Json } from '@flow/model';
import type { FlowStore, RunParent, RunRecord, RunState } from '@flow/store';

/** How far back a chain of resumed runs is followed for results a killed resume had not re-recorded. */
const MAX_CHAIN = 100;

/**
 * The chain of runs a resume judges each task against: a resume that was killed before it
 * re-recorded a kept result still lets the next resume keep it. Store errors (an earlier run's
 * checkpoint gone) are thrown as they are, for the caller to word.
 */
export function resumeChain(store: FlowStore, record: RunRecord, state: RunState): ResumeSource[] {
    const sourceOf = (run: RunRecord, at: RunState): ResumeSource => ({
        runId: run.runId, checkpoint: at.at === undefined ? undefined : at.at.name ?? at.at.id, model: run.model, params: run.params,
        outcomes: Object.fromEntries(Object.values(at.tasks).map(task => [task.id, { status: task.status, result: task.result }]))
    });
    const chain = [sourceOf(record, state)];
    for (let parent = record.parent; parent && chain.length < MAX_CHAIN; ) {
        const earlier = store.run(parent.runId);
        if (!earlier) break;
        chain.push(sourceOf(earlier.record, store.stateAt(earlier.runId, parent.checkpoint)));
        parent = earlier.record.parent;
    }
    return chain;
}

/**
 * How the new run is recorded: it `continue`s the run when it starts from the run's latest state
 * with the same parameters (an interrupted run carried on), else it is a `fork`.
 */
export function resumeParent(runId: string, checkpoint: string | number | undefined, fromLatest: boolean, changes: Record<string, Json>): RunParent {
    return { runId, checkpoint, mode: fromLatest && Object.keys(changes).length === 0 ? 'continue' : 'fork' };
}
