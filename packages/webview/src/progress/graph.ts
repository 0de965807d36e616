/**
 * The part of a `WorkflowModel` the panel draws: tasks, their dependencies, and the phases and
 * streams that group them. Small enough to keep in the webview's saved state, which the panel
 * is rebuilt from after a window reload.
 */
import type { SourceLocation, WorkflowModel } from '@flow/model';

export interface GraphTask {
    id: string;
    kind: 'task' | 'batch';
    type: string;
    description?: string;
    phase?: string;
    stream?: string;
    priority: string;
    pool?: string;
    /** Every task it waits for. */
    dependencies: string[];
    /** The subset written with `after`; the others come from phase and stream order. */
    declared: string[];
    source?: SourceLocation;
}

export interface GraphGroup {
    /** Unique among groups: `phase:NAME` or `stream:PHASE/NAME`. */
    id: string;
    kind: 'phase' | 'stream';
    label: string;
    /** The enclosing phase's id, for a stream. */
    parent?: string;
}

export interface ProgressGraph {
    workflow: string;
    title?: string;
    tasks: GraphTask[];
    groups: GraphGroup[];
}

export function toProgressGraph(model: WorkflowModel): ProgressGraph {
    const groups: GraphGroup[] = [];
    for (const phase of model.phases) {
        const phaseId = phaseGroupId(phase.name);
        groups.push({ id: phaseId, kind: 'phase', label: phase.name });
        for (const stream of phase.streams) groups.push({ id: streamGroupId(phase.name, stream.name), kind: 'stream', label: stream.name, parent: phaseId });
    }
    const tasks = model.tasks.map((task): GraphTask => ({
        id: task.id, kind: task.kind, type: task.type, description: task.description, phase: task.phase, stream: task.stream,
        priority: task.priority, pool: task.pool, dependencies: [...new Set(task.dependencies)], declared: task.declaredDependencies,
        source: task.source
    }));
    return { workflow: model.name, title: model.title, tasks, groups };
}

/** The group a task is drawn in: its stream, else its phase, else none. */
export function groupOf(task: GraphTask): string | undefined {
    if (task.phase !== undefined && task.stream !== undefined) return streamGroupId(task.phase, task.stream);
    if (task.phase !== undefined) return phaseGroupId(task.phase);
    return undefined;
}

export function phaseGroupId(phase: string): string {
    return `phase:${phase}`;
}

export function streamGroupId(phase: string, stream: string): string {
    return `stream:${phase}/${stream}`;
}
