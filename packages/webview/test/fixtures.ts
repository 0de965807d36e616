/**
 * Small graphs and events for the webview's tests, written out by hand: the webview's code
 * takes plain JSON, so its tests need neither the compiler nor the engine.
 */
import type { RunEvent } from '@flow/engine/src/events.js';
import type { GraphTask, ProgressGraph } from '../src/progress/graph.js';

export function graphTask(id: string, spec: Partial<GraphTask> = {}): GraphTask {
    return { id, kind: 'task', type: 'coordination', priority: 'normal', dependencies: [], declared: [], ...spec };
}

export function graph(tasks: GraphTask[], groups: ProgressGraph['groups'] = []): ProgressGraph {
    return { workflow: 'Test', tasks, groups };
}

type EventBody = RunEvent extends infer E ? E extends RunEvent ? Omit<E, 'runId' | 'seq' | 'time'> : never : never;

/** Events of run `run-1`, numbered from 1, one second apart. */
export function events(...bodies: EventBody[]): RunEvent[] {
    return bodies.map((body, index) => ({ ...body, runId: 'run-1', seq: index + 1, time: Date.UTC(2024, 0, 1) + index * 1000 }) as RunEvent);
}
