/**
 * Planning a resume: which tasks of a workflow keep the results an earlier run (up to one of its
 * checkpoints) produced, and which run again and why. Pure: it compares fingerprints
 * (fingerprint.ts) of the earlier run's model, parameters and outcomes with those the tasks will
 * have, and hands the engine the results it may reuse (`RunOptions.reuse`).
 */
import { jsonEquals, type Json, type WorkflowModel } from '@flow/model';
import type { ReuseSource } from './core.js';
import { fingerprintBasis, runFingerprints, seenParams, type OutcomeForFingerprint } from './fingerprint.js';

export interface ResumeSource {
    runId: string;
    /** The checkpoint the resume starts from (name or id), for the record. */
    checkpoint?: string | number;
    model: WorkflowModel;
    params: Record<string, Json>;
    /** Each task's outcome at the checkpoint; tasks that had not ended are absent (or `pending`/`running`). */
    outcomes: Record<string, OutcomeForFingerprint>;
}

export interface ResumeTarget {
    model: WorkflowModel;
    params: Record<string, Json>;
}

export type ResumeReason =
    | { kind: 'unchanged' }
    | { kind: 'new_task' }
    | { kind: 'never_ran' }
    | { kind: 'did_not_complete'; status: string }
    | { kind: 'changed_definition' }
    | { kind: 'changed_parameter'; names: string[] }
    | { kind: 'changed_upstream'; tasks: string[] }
    /** An upstream task ran again in a later resume and produced another result. */
    | { kind: 'upstream_result_changed'; tasks: string[] };

export interface ResumeStep {
    task: string;
    /** True when the task keeps its earlier result and does not run. */
    keep: boolean;
    reason: ResumeReason;
}

export interface ResumePlan {
    steps: ResumeStep[];
    /** What the engine may reuse: every completed task under its earlier fingerprint. */
    reuse: ReuseSource;
}

const ENDED = new Set(['completed', 'failed', 'skipped', 'upstream_failed', 'cancelled']);

/**
 * Decides, for each task of the target workflow in dependency order, whether it keeps its earlier
 * result. A task downstream of one that runs again is listed as running again too (`changed
 * upstream`); at run time it still keeps its result if that upstream's new result equals the old.
 *
 * `sources` is the run resumed from, then the run that one was resumed from, and so on: a resumed
 * run killed before it got to a task it would have kept has no outcome for it, and the run
 * before it has. Each task is judged against the nearest run in which it ended.
 */
export function planResume(sources: ResumeSource | readonly ResumeSource[], target: ResumeTarget): ResumePlan {
    const chain = Array.isArray(sources) ? sources as readonly ResumeSource[] : [sources as ResumeSource];
    if (chain.length === 0) throw new Error('planResume needs the run to resume from.');
    const nearest = new Map<string, { source: ResumeSource; outcome: OutcomeForFingerprint; key?: string }>();
    for (const source of chain) {
        const ended: Record<string, OutcomeForFingerprint> = Object.create(null);
        for (const [id, outcome] of Object.entries(source.outcomes)) if (ENDED.has(outcome.status)) ended[id] = outcome;
        const keys = runFingerprints(source.model, source.params, ended);
        for (const [id, outcome] of Object.entries(ended)) {
            if (!nearest.has(id)) nearest.set(id, { source, outcome, key: keys[id] });
        }
    }
    const first = chain[0];
    const reuse: ReuseSource = { from: { runId: first.runId, checkpoint: first.checkpoint }, results: Object.create(null) };
    for (const [id, { source, outcome, key }] of nearest) {
        if (outcome.status === 'completed' && key !== undefined) reuse.results[id] = { key, result: outcome.result ?? null, runId: source.runId };
    }

    const reruns = new Set<string>();
    const targetIds = new Set(target.model.tasks.map(task => task.id));
    const steps: ResumeStep[] = [];
    for (const task of dependencyOrder(target.model)) {
        const found = nearest.get(task.id);
        const old = (found?.source ?? first).model.tasks.find(candidate => candidate.id === task.id);
        let reason: ResumeReason;
        if (!old && !chain.some(source => source.model.tasks.some(candidate => candidate.id === task.id))) reason = { kind: 'new_task' };
        else if (!found || !old) reason = { kind: 'never_ran' };
        else if (found.outcome.status !== 'completed') reason = { kind: 'did_not_complete', status: found.outcome.status };
        else {
            const upstream = [...task.dependencies, ...fingerprintBasis(task, target.model.agents, id => targetIds.has(id)).reads];
            reason = changeOf(found.source, target, old, task) ?? upstreamChange(upstream, reruns)
                ?? upstreamMoved(upstream, found.source, nearest) ?? { kind: 'unchanged' };
        }
        const keep = reason.kind === 'unchanged';
        if (!keep) reruns.add(task.id);
        steps.push({ task: task.id, keep, reason });
    }
    return { steps, reuse };
}

function changeOf(source: ResumeSource, target: ResumeTarget, old: WorkflowModel['tasks'][number], task: WorkflowModel['tasks'][number]): ResumeReason | undefined {
    const was = fingerprintBasis(old, source.model.agents);
    const is = fingerprintBasis(task, target.model.agents);
    if (was.definition !== is.definition) return { kind: 'changed_definition' };
    const wasParams = seenParams(was.params, source.params);
    const isParams = seenParams(is.params, target.params);
    const names = [...new Set([...Object.keys(wasParams), ...Object.keys(isParams)])]
        .filter(name => !jsonEquals(wasParams[name] ?? null, isParams[name] ?? null)).sort();
    return names.length > 0 ? { kind: 'changed_parameter', names } : undefined;
}

function upstreamChange(dependencies: readonly string[], reruns: ReadonlySet<string>): ResumeReason | undefined {
    const changed = [...new Set(dependencies)].filter(id => reruns.has(id));
    return changed.length > 0 ? { kind: 'changed_upstream', tasks: changed } : undefined;
}

/**
 * Upstream tasks whose nearest result is not the one this task's run saw: a later resume ran
 * them again with another result, so this task's fingerprint no longer matches.
 */
function upstreamMoved(dependencies: readonly string[], source: ResumeSource,
    nearest: ReadonlyMap<string, { source: ResumeSource; outcome: OutcomeForFingerprint }>): ResumeReason | undefined {
    const moved = [...new Set(dependencies)].filter(id => {
        const now = nearest.get(id);
        const then = source.outcomes[id];
        return now !== undefined && now.source !== source && (then === undefined
            || now.outcome.status !== then.status || !jsonEquals(now.outcome.result ?? null, then.result ?? null));
    });
    return moved.length > 0 ? { kind: 'upstream_result_changed', tasks: moved } : undefined;
}

/** Tasks ordered so that each comes after its dependencies (Kahn's algorithm; cycles last, as declared). */
function dependencyOrder(model: WorkflowModel): WorkflowModel['tasks'] {
    const byId = new Map(model.tasks.map(task => [task.id, task]));
    const waiting = new Map(model.tasks.map(task => [task.id, new Set(task.dependencies.filter(id => byId.has(id))).size]));
    const dependents = new Map<string, string[]>();
    for (const task of model.tasks) {
        for (const dependency of new Set(task.dependencies)) {
            if (!byId.has(dependency)) continue;
            let list = dependents.get(dependency);
            if (!list) dependents.set(dependency, list = []);
            list.push(task.id);
        }
    }
    const order = model.tasks.filter(task => waiting.get(task.id) === 0);
    for (let index = 0; index < order.length; index++) {
        for (const id of dependents.get(order[index].id) ?? []) {
            const left = waiting.get(id)! - 1;
            waiting.set(id, left);
            if (left === 0) order.push(byId.get(id)!);
        }
    }
    const placed = new Set(order.map(task => task.id));
    return [...order, ...model.tasks.filter(task => !placed.has(task.id))];
}

/** A reason in words, for `flowctl resume --plan` and the editor. */
export function describeResumeReason(reason: ResumeReason): string {
    switch (reason.kind) {
        case 'unchanged': return 'unchanged: keeps its result';
        case 'new_task': return 'new task: not in the earlier run';
        case 'never_ran': return 'never ran: it had not ended at the checkpoint';
        case 'did_not_complete': return `did not complete (${reason.status.replace('_', ' ')}): runs again`;
        case 'changed_definition': return 'changed definition: its command, type, settings or agents changed';
        case 'changed_parameter': return `changed parameter${reason.names.length === 1 ? '' : 's'} ${reason.names.join(', ')}`;
        case 'changed_upstream': return `changed upstream: ${reason.tasks.join(', ')} run${reason.tasks.length === 1 ? 's' : ''} again ` +
            '(the result is kept if theirs comes out the same)';
        case 'upstream_result_changed': return `changed upstream result: ${reason.tasks.join(', ')} ran again since and gave another result`;
    }
}
