/**
 * Key order of model objects as the interfaces in `model.ts` declare them, so compiled and
 * imported models print the same way (`flowctl compile`, `flowctl convert`) and diffs between
 * two models stay readable. Order never changes meaning: consumers read keys, not positions.
 */
import type { TaskDef, TaskTypeDef, WorkflowModel } from './model.js';

const WORKFLOW_KEYS: ReadonlyArray<keyof WorkflowModel> = [
    'schemaVersion', 'name', 'title', 'description', 'version', 'template', 'source', 'params', 'agents', 'pools', 'types',
    'notifications', 'policies', 'phases', 'tasks', 'checkpoints', 'milestones', 'completion', 'recurrence', 'onFailure'
];

const TASK_KEYS: ReadonlyArray<keyof TaskDef> = [
    'id', 'kind', 'type', 'description', 'phase', 'stream', 'priority', 'deadline', 'startAt', 'timeoutMs', 'retry', 'tags',
    'metadata', 'dependencies', 'declaredDependencies', 'condition', 'trigger', 'pool', 'agent', 'preferredAgents', 'requires',
    'businessValue', 'inputFile', 'outputDir', 'namespace', 'run', 'cache', 'inputs', 'gates', 'outputFormat', 'checks', 'batch',
    'source'
];

const TYPE_KEYS: ReadonlyArray<keyof TaskTypeDef> = [
    'name', 'description', 'builtin', 'timeoutMs', 'requires', 'outputFormat', 'checks', 'parameters', 'tools', 'permissions',
    'rollback', 'pool'
];

const BATCH_KEYS: ReadonlyArray<keyof NonNullable<TaskDef['batch']>> = ['items', 'glob', 'concurrency', 'aggregate', 'onFailure'];

function ordered<T extends object>(value: T, keys: ReadonlyArray<keyof T>): T {
    const result = {} as T;
    for (const key of keys) {
        if (value[key] !== undefined) result[key] = value[key];
    }
    // Keys a newer model version added stay, after the known ones.
    for (const key of Object.keys(value) as Array<keyof T>) {
        if (!(key in result) && value[key] !== undefined) result[key] = value[key];
    }
    return result;
}

/** The same model with its own, its tasks' and its types' keys in declaration order, undefined values dropped. */
export function withCanonicalKeyOrder(model: WorkflowModel): WorkflowModel {
    const result = ordered(model, WORKFLOW_KEYS);
    result.tasks = model.tasks.map(task => {
        const copy = ordered(task, TASK_KEYS);
        if (copy.batch) copy.batch = ordered(copy.batch, BATCH_KEYS);
        return copy;
    });
    result.types = Object.fromEntries(Object.entries(model.types).map(([name, type]) => [name, ordered(type, TYPE_KEYS)]));
    return result;
}
