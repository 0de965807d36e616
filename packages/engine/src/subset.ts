/**
 * Cutting a workflow down to part of it, for "run this task": the task and everything it waits
 * for, directly or through other tasks, and nothing else. The result is an ordinary model that
 * validates and runs like any other, so the engine needs no notion of a partial run.
 */
import type { WorkflowModel } from '@flow/model';
import { WorkflowConfigError } from './errors.js';

/**
 * The model restricted to `taskId` and its upstream tasks (the transitive closure of its
 * `dependencies`), in their declaration order. What refers to tasks follows:
 * - phases and streams keep only those tasks; a phase or stream left empty is dropped, and so
 *   is a phase `after` naming a dropped phase (the task edges it implied are in `dependencies`);
 * - a checkpoint or milestone is kept only when every task it waits for is kept, since one
 *   reached on part of its tasks would claim what did not happen;
 * - compensations of dropped tasks are dropped;
 * - the run completes when every task it has completed: a completion rule written for the
 *   whole workflow (`any_task_completed`, a `require` over tasks that are not there) would
 *   judge a run that never had those tasks.
 * Throws a `WorkflowConfigError` naming the workflow's tasks when `taskId` is not one of them.
 */
export function restrictToTask(model: WorkflowModel, taskId: string): WorkflowModel {
    const byId = new Map(model.tasks.map(task => [task.id, task]));
    if (!byId.has(taskId)) {
        throw new WorkflowConfigError('task', `workflow ${model.name} has no task "${taskId}"; its tasks are ` +
            `${model.tasks.map(task => task.id).join(', ') || '(none)'}.`);
    }
    const kept = new Set<string>([taskId]);
    // An explicit stack: a 100k-task chain must not overflow the call stack.
    const pending = [taskId];
    while (pending.length > 0) {
        for (const dependency of byId.get(pending.pop()!)!.dependencies) {
            if (!kept.has(dependency) && byId.has(dependency)) {
                kept.add(dependency);
                pending.push(dependency);
            }
        }
    }
    const isKept = (id: string): boolean => kept.has(id);

    const phases = model.phases
        .map(phase => ({
            ...phase,
            tasks: phase.tasks.filter(isKept),
            streams: phase.streams
                .map(stream => ({ ...stream, tasks: stream.tasks.filter(isKept) }))
                .filter(stream => stream.tasks.length > 0)
        }))
        .filter(phase => phase.tasks.length > 0 || phase.streams.length > 0);
    const keptPhases = new Set(phases.map(phase => phase.name));
    for (const phase of phases) phase.after = phase.after.filter(name => keptPhases.has(name));

    // Without its `require`, which may name tasks that are not here.
    const { require: _wholeWorkflowRule, ...completion } = model.completion;
    const markersOf = (markers: WorkflowModel['checkpoints']): WorkflowModel['checkpoints'] =>
        markers.filter(marker => marker.after.every(isKept));
    return {
        ...model,
        tasks: model.tasks.filter(task => kept.has(task.id)),
        phases,
        checkpoints: markersOf(model.checkpoints),
        milestones: markersOf(model.milestones),
        // The deliverables are the whole workflow's: a part of it does not deliver them.
        completion: { ...completion, criteria: 'all_tasks_completed', deliverables: [] },
        onFailure: { ...model.onFailure, compensate: model.onFailure.compensate.filter(entry => kept.has(entry.task)) }
    };
}
