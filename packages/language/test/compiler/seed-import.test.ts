import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSize, validateModel, type Json, type WorkflowModel } from '@flow/model';
import { ImportError, importSeedJsonWithNotes, parseJsonPath, type ImportNote, type WorkspaceDeclarations } from '../../src/compiler/seed-importer.js';
import { EXAMPLES, schemaErrors, seedJsonFiles } from './workspace.js';

type Scalar = string | number | boolean | null;
interface Leaf { path: string; key: string | number; value: Scalar; ancestors: Array<{ key: string | number; value: Json }> }

/** Every scalar of a JSON document, with the containers above it (outermost first). */
function leaves(json: Json): Leaf[] {
    const found: Leaf[] = [];
    const visit = (value: Json, path: string, key: string | number, ancestors: Leaf['ancestors']) => {
        if (value !== null && typeof value === 'object') {
            const inner = [...ancestors, { key, value }];
            for (const [childKey, child] of Array.isArray(value) ? value.entries() : Object.entries(value)) {
                visit(child, typeof childKey === 'number' ? `${path}[${childKey}]` : path ? `${path}.${childKey}` : childKey, childKey, inner);
            }
        } else {
            found.push({ path, key, value, ancestors });
        }
    };
    visit(json, '', '', []);
    return found;
}

/**
 * The part of the model that holds what a JSON leaf says: the task, type, pool, phase, stream
 * or policy its innermost recognisable container stands for.
 */
function ownerOf(leaf: Leaf, model: WorkflowModel): unknown {
    const chain = leaf.ancestors;
    for (let index = chain.length - 1; index >= 0; index--) {
        const { key, value } = chain[index];
        const parentKey = chain[index - 1]?.key;
        const object = value as Record<string, Json>;
        if (typeof key === 'number' && parentKey === 'tasks') return model.tasks.find(task => task.id === object.id);
        if (index === 1 && (key === 'template' || key === 'items' || key === 'batchConfig')) return model.tasks.find(task => task.kind === 'batch');
        if (parentKey === 'customTaskTypes') return model.types[key as string];
        if (parentKey === 'resourcePools') return model.pools.find(pool => pool.name === key);
        if (typeof key === 'number' && parentKey === 'streams') return model.phases.flatMap(phase => phase.streams).find(stream => stream.name === object.name);
        if (typeof key === 'number' && parentKey === 'phases') return model.phases.find(phase => phase.name === object.name);
        if (key === 'completion') return { completion: model.completion, notifications: model.notifications };
        if (key === 'retry' || key === 'failover' || key === 'rollback') return model.policies[key];
        if (key === 'circuitBreaker') return model.policies.breaker;
        if (key === 'caching') return model.policies.cache;
        if (key === 'scheduling') return model.policies.scheduling;
        if (index === 0 && typeof object.type === 'string' && !('workflow' in object) && !('tasks' in object)) return model.types[object.type];
    }
    return model;
}

function containsValue(owner: unknown, value: Scalar): boolean {
    if (owner === value) return true;
    if (owner === null || typeof owner !== 'object') return false;
    return Object.values(owner).some(child => containsValue(child, value));
}

/** How the model says what each seed boolean says (true and false are everywhere, so "found somewhere" proves nothing). */
const BOOLEANS: Record<string, (owner: any, value: boolean, leaf: Leaf) => boolean> = {
    parallel: (owner, value) => owner.mode === (value ? 'parallel' : 'sequential'),
    enabled: (owner, value, leaf) => {
        switch (leaf.ancestors.at(-1)!.key) {
            case 'retry': return owner.attempts > 1 === value;
            case 'failover': return (owner.alternatives || owner.degraded) === value;
            case 'rollback': return (owner.checkpoints || owner.atomic || owner.compensation) === value;
            case 'circuitBreaker': return owner.failures > 0 === value;
            case 'caching': return owner.types.length > 0 === value;
            case 'dynamicAdjustment': return owner.agingFactor > 1 === value;
            default: return false;
        }
    },
    rollbackPlan: (owner, value) => owner.rollback === value,
    aggregateResults: (owner, value) => owner.batch.aggregate === (value ? 'list' : 'none'),
    alternativeAgents: (owner, value) => owner.alternatives === value,
    degradedMode: (owner, value) => owner.degraded === value,
    checkpoints: (owner, value) => owner.checkpoints === value,
    atomicOperations: (owner, value) => owner.atomic === value,
    compensationActions: (owner, value) => owner.compensation === value
};

/** Whether the model holds the leaf's value where the leaf's container went. */
function holds(model: WorkflowModel, leaf: Leaf): boolean {
    const owner = ownerOf(leaf, model) as any;
    if (owner === undefined) return false;
    if (typeof leaf.value === 'boolean') return BOOLEANS[leaf.key]?.(owner, leaf.value, leaf) ?? false;
    if (leaf.key === 'maxSize' && typeof leaf.value === 'string') return owner.maxBytes === parseSize(leaf.value);
    if (leaf.key === 'name' && leaf.ancestors.length <= 2 && owner === model) return model.name === leaf.value || model.title === leaf.value;
    if (leaf.key === 'condition' && typeof leaf.value === 'string') {
        // Conditions are rewritten in the language's syntax: `===` becomes `==`, `result` the dependency's.
        return (owner.condition?.text as string | undefined)?.includes(leaf.value.replace(/===/g, '==').replace(/!==/g, '!=')) ?? false;
    }
    if (leaf.key === 'action' && leaf.value === 'skip') return /not \(/.test(owner.condition?.text ?? '') || owner.condition?.action === 'skip';
    if (leaf.key === 'action' && leaf.value === 'execute') return owner.condition !== undefined;
    if (leaf.key === 'version') return model.version === String(leaf.value);
    return containsValue(owner, leaf.value);
}

function coveredByNote(notes: ImportNote[], leaf: Leaf): boolean {
    return notes.some(note => leaf.path === note.path || leaf.path.startsWith(`${note.path}.`) || leaf.path.startsWith(`${note.path}[`));
}

function readSeed(name: string): Json {
    return JSON.parse(readFileSync(join(EXAMPLES, 'seed', name), 'utf8')) as Json;
}

describe('every seed JSON example', () => {
    it.each(seedJsonFiles())('%s imports without loss: each value is in the model or named in a note', name => {
        const json = readSeed(name);
        const { model, notes } = importSeedJsonWithNotes(json, name);
        const lost = leaves(json).filter(leaf => !holds(model, leaf) && !coveredByNote(notes, leaf)).map(leaf => `${leaf.path} = ${JSON.stringify(leaf.value)}`);
        expect(lost).toEqual([]);
        expect(schemaErrors(model)).toEqual([]);
        expect(validateModel(model)).toEqual([]);
    });

    it('detects a lost value (the check itself can fail)', () => {
        const json = readSeed('custom-task-types.json') as any;
        const { model, notes } = importSeedJsonWithNotes(json, 'custom-task-types.json');
        model.types.security_audit.checks = ['risk_assessment'];
        const lost = leaves(json).filter(leaf => !holds(model, leaf) && !coveredByNote(notes, leaf)).map(leaf => leaf.path);
        expect(lost).toEqual(['customTaskTypes.security_audit.qualityChecks[1]']);
    });
});

/** A seed workflow of the given tasks. */
const tasks = (...list: object[]) => ({ workflow: { name: 'w', tasks: list } });

describe('seed import', () => {
    it('names the JSON path of an unknown key and the keys it expected', () => {
        expect(() => importSeedJsonWithNotes(tasks({ id: 'a', type: 'research', dependecies: ['b'] }), 'w.json'))
            .toThrow(/^w\.json: workflow\.tasks\[0\]\.dependecies: unknown key; expected one of .*dependencies/);
    });

    it('names the dependency that no task has', () => {
        const error = catchImport(() => importSeedJsonWithNotes(tasks({ id: 'a', type: 'research', dependencies: ['nope'] }), 'w.json'));
        expect([error.path, error.problem]).toEqual(['workflow.tasks[0].dependencies[0]', 'no task has the id "nope": name a task of this workflow']);
    });

    it('refuses a dependency cycle through several tasks', () => {
        const error = catchImport(() => importSeedJsonWithNotes(tasks(
            { id: 'a', type: 'research', dependencies: ['b'] },
            { id: 'b', type: 'research', dependencies: ['a'] }
        ), 'w.json'));
        expect(error.problem).toMatch(/form a cycle: (a -> b -> a|b -> a -> b)/);
        expect(error.path).toMatch(/^workflow\.tasks\[[01]\]\.dependencies$/);
    });

    it('refuses a condition that is more than the safe expression subset, such as a call', () => {
        const error = catchImport(() => importSeedJsonWithNotes(tasks(
            { id: 'a', type: 'research' },
            { id: 'b', type: 'research', conditions: [{ dependency: 'a', condition: 'result.items.includes("x")' }] }
        ), 'w.json'));
        expect(error.path).toBe('workflow.tasks[1].conditions[0].condition');
        expect(error.problem).toBe('cannot read "result.items.includes(\\"x\\")": unexpected \'(\' at column 22');
    });

    it('refuses a condition that reads a parameter the workflow does not have', () => {
        const error = catchImport(() => importSeedJsonWithNotes(tasks({ id: 'a', type: 'research', conditions: [{ condition: 'params.mode == 1' }] }), 'w.json'));
        expect(error.path).toBe('workflow.tasks[0].conditions[0].condition');
        expect(error.problem).toMatch(/reads the parameter mode, which the workflow does not have: declare it .*"parameters"/);
    });

    it('reads a condition on a dependency as an expression tree and makes the task wait for it', () => {
        const { model } = importSeedJsonWithNotes(tasks(
            { id: 'a', type: 'research' },
            { id: 'b', type: 'analysis', conditions: [{ dependency: 'a', condition: 'result.complexity === "high"', action: 'execute' }] }
        ), 'w.json');
        expect(model.tasks[1].declaredDependencies).toEqual(['a']);
        expect(model.tasks[1].condition).toEqual({
            action: 'execute', text: 'a.result.complexity == "high"',
            expression: {
                kind: 'binary', operator: '==',
                left: { kind: 'member', object: { kind: 'member', object: { kind: 'task', task: 'a' }, property: 'result' }, property: 'complexity' },
                right: { kind: 'literal', value: 'high' }
            }
        });
    });

    it('notes a key Flow honours without a setting as info, and a setting without effect as a warning', () => {
        const { notes } = importSeedJsonWithNotes({
            ...tasks({ id: 'a', type: 'research', parallel: true }),
            taskExecution: { optimization: { resourcePreAllocation: true } }
        }, 'w.json');
        expect(notes.map(note => [note.severity, note.path])).toEqual([
            ['warning', 'taskExecution.optimization.resourcePreAllocation'],
            ['info', 'workflow.tasks[0].parallel']
        ]);
    });

    it('warns that the settings of a disabled strategy have no effect', () => {
        const { model, notes } = importSeedJsonWithNotes({ errorHandling: { strategies: { retry: { enabled: false, maxAttempts: 4 } } } }, 'w.json');
        expect(model.policies.retry.attempts).toBe(1);
        expect(notes).toEqual([{ path: 'errorHandling.strategies.retry.enabled', severity: 'warning', message: 'retry is disabled, so maxAttempts has no effect' }]);
    });

    it('quotes keys that are not names in paths, so that the place can be found again', () => {
        const error = catchImport(() => importSeedJsonWithNotes({ customTaskTypes: { 'two words': {} } }, 'w.json'));
        expect(error.path).toBe('customTaskTypes["two words"]');
        expect(parseJsonPath(error.path)).toEqual(['customTaskTypes', 'two words']);
        expect(parseJsonPath('workflow.phases[1].streams[0].tasks[2].id')).toEqual(['workflow', 'phases', 1, 'streams', 0, 'tasks', 2, 'id']);
    });
});

describe('seed import in a workspace', () => {
    const workspace: WorkspaceDeclarations = {
        agents: [{ name: 'analyst', capabilities: ['data_analysis'], concurrency: 2, weight: 1, run: { kind: 'echo', value: {} } }],
        pools: [{ name: 'cpu', concurrency: 2, types: ['analysis'] }],
        notifications: [{ name: 'ops', on: ['failed'], run: { kind: 'shell', command: 'page' } }],
        types: { audit: { name: 'audit', builtin: false, timeoutMs: 60_000, requires: ['scanning'], checks: [], parameters: {}, tools: [], permissions: [] } }
    };

    it('uses the workspace\'s agents, pools, notifications and types', () => {
        const { model, notes } = importSeedJsonWithNotes({
            workflow: {
                name: 'w',
                tasks: [{ id: 'a', type: 'analysis', assignTo: 'analyst' }, { id: 'b', type: 'audit' }],
                completion: { notifications: ['ops'] }
            }
        }, 'w.json', { workspace });
        expect(notes).toEqual([]);
        expect(model.agents).toEqual(workspace.agents);
        expect(model.notifications).toEqual(workspace.notifications);
        expect(model.tasks.map(task => [task.id, task.pool, task.timeoutMs])).toEqual([['a', 'cpu', 900_000], ['b', undefined, 60_000]]);
    });

    it('warns about an agent that neither the file nor the workspace declares', () => {
        const { model, notes } = importSeedJsonWithNotes(tasks({ id: 'a', type: 'analysis', assignTo: 'ghost' }), 'w.json', { workspace });
        expect(notes).toEqual([expect.objectContaining({ path: 'workflow.tasks[0].assignTo', severity: 'warning' })]);
        expect(model.agents.map(agent => agent.name)).toEqual(['ghost', 'analyst']);
    });
});

function catchImport(action: () => unknown): ImportError {
    try {
        action();
    } catch (error) {
        if (error instanceof ImportError) return error;
        throw error;
    }
    throw new Error('expected an ImportError');
}
