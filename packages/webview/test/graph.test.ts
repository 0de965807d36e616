import { describe, expect, it } from 'vitest';
import { SCHEMA_VERSION, defaultCompletion, defaultPolicies, emptyOnFailure, type TaskDef, type WorkflowModel } from '@flow/model';
import { groupOf, toProgressGraph } from '../src/progress/graph.js';

function taskDef(id: string, spec: Partial<TaskDef> = {}): TaskDef {
    return {
        id, kind: 'task', type: 'design', priority: 'normal', tags: [], metadata: {}, dependencies: [], declaredDependencies: [],
        trigger: 'all_success', preferredAgents: [], requires: [], inputs: {}, gates: {}, checks: [],
        retry: { attempts: 1, backoff: 'fixed', baseMs: 1000, jitter: 0, on: [], exitCodes: [] }, cache: { enabled: false }, ...spec
    };
}

function model(tasks: TaskDef[], phases: WorkflowModel['phases']): WorkflowModel {
    return {
        schemaVersion: SCHEMA_VERSION, name: 'Launch', params: [], agents: [], pools: [], types: {}, notifications: [],
        policies: defaultPolicies(), phases, tasks, checkpoints: [], milestones: [], completion: defaultCompletion(), onFailure: emptyOnFailure()
    };
}

describe('toProgressGraph', () => {
    it('makes a group of each phase and of each stream inside its phase, and puts each task in the innermost', () => {
        const graph = toProgressGraph(model(
            [taskDef('spec', { phase: 'dev', stream: 'product' }), taskDef('review', { phase: 'dev' }), taskDef('ship')],
            [{ name: 'dev', mode: 'parallel', after: [], streams: [{ name: 'product', mode: 'sequential', tasks: ['spec'] }], tasks: ['review'] }]));
        expect(graph.groups).toEqual([
            { id: 'phase:dev', kind: 'phase', label: 'dev' },
            { id: 'stream:dev/product', kind: 'stream', label: 'product', parent: 'phase:dev' }
        ]);
        expect(graph.tasks.map(groupOf)).toEqual(['stream:dev/product', 'phase:dev', undefined]);
    });

    it('keeps which dependencies were written with `after`, once each', () => {
        const graph = toProgressGraph(model([taskDef('a'), taskDef('b', { dependencies: ['a', 'a'], declaredDependencies: ['a'] })], []));
        expect(graph.tasks[1]).toMatchObject({ dependencies: ['a'], declared: ['a'] });
    });
});
