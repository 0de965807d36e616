/**
 * The task graphs the engine benchmarks run, and the WorkflowModels built from them. Three
 * shapes: a wide fan-out/fan-in (one source, everything else in parallel, one sink), a long
 * chain, and a random layered DAG where each task waits for 2 to 4 (on average 3) tasks of the
 * layer before it. Deterministic for a given shape and size, so every run measures the same graph.
 */
import {
    DEFAULT_RETRY, SCHEMA_VERSION, defaultCompletion, defaultPolicies, emptyOnFailure, emptyTaskType,
    type RunnerDef, type TaskDef, type WorkflowModel
} from '@flow/model';
import { mulberry32 } from '../../test/support/prng.js';

export type Shape = 'wide' | 'chain' | 'layered';
export const SHAPES: readonly Shape[] = ['wide', 'chain', 'layered'];

export const SHAPE_NAMES: Record<Shape, string> = {
    wide: 'wide fan-out/fan-in',
    chain: 'chain',
    layered: 'random layered DAG'
};

/** A graph as plain lists: task ids, and for each task the ids it waits for. */
export interface Dag {
    ids: string[];
    dependencies: string[][];
}


const taskId = (index: number) => `t${index}`;

export function generateDag(shape: Shape, size: number, layerWidth = 100): Dag {
    const ids = Array.from({ length: size }, (_, index) => taskId(index));
    const dependencies: string[][] = [];
    switch (shape) {
        case 'wide':
            for (let index = 0; index < size; index++) {
                dependencies.push(index === 0 ? [] : index === size - 1 ? ids.slice(1, size - 1) : [ids[0]]);
            }
            break;
        case 'chain':
            for (let index = 0; index < size; index++) dependencies.push(index === 0 ? [] : [ids[index - 1]]);
            break;
        case 'layered': {
            const random = mulberry32(size);
            let previous: number[] = [];
            let index = 0;
            while (index < size) {
                // Layers of half to one and a half times the nominal width, so the graph is not a grid.
                const width = Math.min(size - index, Math.max(1, Math.round(layerWidth * (0.5 + random()))));
                const layer: number[] = [];
                for (let end = index + width; index < end; index++) {
                    const chosen = new Set<number>();
                    const wanted = Math.min(previous.length, 2 + Math.floor(random() * 3));
                    while (chosen.size < wanted) chosen.add(previous[Math.floor(random() * previous.length)]);
                    dependencies.push([...chosen].sort((a, b) => a - b).map(taskId));
                    layer.push(index);
                }
                previous = layer;
            }
            break;
        }
    }
    return { ids, dependencies };
}

/** The average number of dependencies per task. */
export function meanDependencies(dag: Dag): number {
    return dag.dependencies.reduce((sum, list) => sum + list.length, 0) / dag.ids.length;
}

/**
 * A workflow whose every task runs `run`, with the default policies (scheduling, retry, cache)
 * of @flow/model: what the compiler makes of tasks that set nothing. The task type has no
 * timeout, so no attempt sets a timer.
 */
export function workflowOf(name: string, dag: Dag, run: RunnerDef): WorkflowModel {
    const tasks = dag.ids.map((id, index): TaskDef => ({
        id, kind: 'task', type: 'step', priority: 'normal', tags: [], metadata: {},
        dependencies: dag.dependencies[index], declaredDependencies: dag.dependencies[index],
        trigger: 'all_success', preferredAgents: [], requires: [], run, inputs: {}, gates: {}, checks: [],
        retry: { ...DEFAULT_RETRY, on: [...DEFAULT_RETRY.on], exitCodes: [] },
        cache: { enabled: false }
    }));
    return {
        schemaVersion: SCHEMA_VERSION, name, params: [], agents: [], pools: [], notifications: [], phases: [],
        checkpoints: [], milestones: [], completion: defaultCompletion(), onFailure: emptyOnFailure(),
        types: { step: emptyTaskType('step') }, policies: defaultPolicies(), tasks
    };
}
