/**
 * Validation of workflow models for consumers that receive them as JSON (the engine, the CLI's
 * `run model.json`, views). The structure is checked against the published JSON Schema itself,
 * interpreted by a small validator for the keywords the schema uses, so there is one definition
 * of the shape and the package stays free of dependencies; then references between parts of
 * the model are checked (dependencies name tasks, tasks name types, no dependency cycle, ...).
 */
import schemaDocument from '../schema/workflow-model.schema.json' with { type: 'json' };
import type { Expression, WorkflowModel } from './model.js';
import { SCHEMA_VERSION } from './model.js';
import { dateTimeProblem } from './units.js';
import { referencedTasks } from './expression.js';

/** The published JSON Schema (draft 2020-12) of {@link WorkflowModel}. */
export const WORKFLOW_MODEL_SCHEMA: Readonly<Record<string, unknown>> = schemaDocument;

const SCHEMA = schemaDocument as unknown as SchemaNode;

export interface ModelError {
    /** Where, as a JSON path from the model's root: `tasks[2].dependencies[0]`; empty for the root. */
    path: string;
    /** What is wrong, and what is expected. */
    message: string;
}

/** Every problem of a would-be model, structural first; an empty list means the model is valid. */
export function validateModel(json: unknown): ModelError[] {
    const errors: ModelError[] = [];
    if (json !== null && typeof json === 'object' && !Array.isArray(json)) {
        const version = (json as Record<string, unknown>).schemaVersion;
        if (typeof version === 'number' && version !== SCHEMA_VERSION) {
            return [{ path: 'schemaVersion', message: `is ${version}, but this version of Flow reads models of schema version ${SCHEMA_VERSION}: recompile the workflow` }];
        }
    }
    checkSchema(json, SCHEMA, '', errors);
    if (errors.length > 0) return errors;
    checkReferences(json as WorkflowModel, errors);
    return errors;
}

/** Returns the model if it is valid; otherwise throws an error listing every problem with its path. */
export function assertValidModel(json: unknown, origin = 'workflow model'): WorkflowModel {
    const errors = validateModel(json);
    if (errors.length > 0) {
        const lines = errors.map(error => `  ${error.path || '(root)'}: ${error.message}`);
        throw new Error(`Invalid ${origin}:\n${lines.join('\n')}`);
    }
    return json as WorkflowModel;
}

// ---------------------------------------------------------------------------------------------
// A JSON Schema interpreter for the keywords the model's schema uses.

interface SchemaNode {
    $ref?: string;
    type?: string;
    enum?: unknown[];
    const?: unknown;
    properties?: Record<string, SchemaNode>;
    required?: string[];
    additionalProperties?: boolean | SchemaNode;
    items?: SchemaNode;
    minItems?: number;
    minimum?: number;
    maximum?: number;
    exclusiveMinimum?: number;
    pattern?: string;
    format?: string;
    oneOf?: SchemaNode[];
    anyOf?: SchemaNode[];
    $defs?: Record<string, SchemaNode>;
}

const patterns = new Map<string, RegExp>();
const NAME_PATTERN = (SCHEMA).$defs!.name.pattern;

function resolve(reference: string): SchemaNode {
    const prefix = '#/$defs/';
    if (!reference.startsWith(prefix)) throw new Error(`Unsupported schema reference ${reference}`);
    return (SCHEMA).$defs![reference.slice(prefix.length)];
}

function join(path: string, key: string | number): string {
    if (typeof key === 'number') return `${path}[${key}]`;
    if (!/^[_a-zA-Z][_a-zA-Z0-9]*$/.test(key)) return `${path}[${JSON.stringify(key)}]`;
    return path ? `${path}.${key}` : key;
}

function describe(value: unknown): string {
    if (value === null) return 'null';
    if (Array.isArray(value)) return 'an array';
    if (typeof value === 'object') return 'an object';
    return `${typeof value} ${JSON.stringify(value)}`;
}

function typeMatches(type: string, value: unknown): boolean {
    switch (type) {
        case 'object': return value !== null && typeof value === 'object' && !Array.isArray(value);
        case 'array': return Array.isArray(value);
        case 'string': return typeof value === 'string';
        case 'number': return typeof value === 'number' && Number.isFinite(value);
        case 'integer': return typeof value === 'number' && Number.isInteger(value);
        case 'boolean': return typeof value === 'boolean';
        case 'null': return value === null;
        default: return true;
    }
}

function checkSchema(value: unknown, schema: SchemaNode, path: string, errors: ModelError[]): void {
    if (schema.$ref) checkSchema(value, resolve(schema.$ref), path, errors);
    if (schema.type && !typeMatches(schema.type, value)) {
        errors.push({ path, message: `must be ${schema.type === 'integer' ? 'an integer' : `a${/^[aeiou]/.test(schema.type) ? 'n' : ''} ${schema.type}`}, not ${describe(value)}` });
        return;
    }
    if (schema.const !== undefined && value !== schema.const) {
        errors.push({ path, message: `must be ${JSON.stringify(schema.const)}, not ${describe(value)}` });
    }
    if (schema.enum && !schema.enum.includes(value)) {
        errors.push({ path, message: `must be one of ${schema.enum.map(entry => JSON.stringify(entry)).join(', ')}, not ${describe(value)}` });
    }
    if (typeof value === 'number') {
        if (schema.minimum !== undefined && value < schema.minimum) errors.push({ path, message: `must be at least ${schema.minimum}, not ${value}` });
        if (schema.maximum !== undefined && value > schema.maximum) errors.push({ path, message: `must be at most ${schema.maximum}, not ${value}` });
        if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) errors.push({ path, message: `must be greater than ${schema.exclusiveMinimum}, not ${value}` });
    }
    if (typeof value === 'string') {
        if (schema.format === 'date-time') {
            // The format check says precisely what is wrong (month 13, day 31 of April, ...).
            const problem = dateTimeProblem(value);
            if (problem) errors.push({ path, message: problem });
        } else if (schema.pattern) {
            let pattern = patterns.get(schema.pattern);
            if (!pattern) patterns.set(schema.pattern, pattern = new RegExp(schema.pattern, 'u'));
            if (!pattern.test(value)) {
                errors.push({ path, message: schema.pattern === NAME_PATTERN
                    ? `must be an identifier (letters, digits and _, not starting with a digit), not ${JSON.stringify(value)}`
                    : `must match ${schema.pattern}, not ${JSON.stringify(value)}` });
            }
        }
    }
    if (Array.isArray(value)) {
        if (schema.minItems !== undefined && value.length < schema.minItems) {
            errors.push({ path, message: `must have at least ${schema.minItems} item${schema.minItems === 1 ? '' : 's'}` });
        }
        if (schema.items) value.forEach((item, index) => checkSchema(item, schema.items!, join(path, index), errors));
    }
    if (typeMatches('object', value)) checkObject(value as Record<string, unknown>, schema, path, errors);
    if (schema.oneOf) checkAlternatives(value, schema.oneOf, path, errors, true);
    if (schema.anyOf) checkAlternatives(value, schema.anyOf, path, errors, false);
}

function checkObject(value: Record<string, unknown>, schema: SchemaNode, path: string, errors: ModelError[]): void {
    for (const key of schema.required ?? []) {
        if (value[key] === undefined) errors.push({ path: join(path, key), message: 'is required but missing' });
    }
    for (const [key, entry] of Object.entries(value)) {
        if (entry === undefined) continue;
        const property = schema.properties?.[key];
        if (property) {
            checkSchema(entry, property, join(path, key), errors);
        } else if (schema.additionalProperties === false) {
            const known = Object.keys(schema.properties ?? {});
            errors.push({ path: join(path, key), message: `is not a known property here; expected one of ${known.join(', ')}` });
        } else if (typeof schema.additionalProperties === 'object') {
            checkSchema(entry, schema.additionalProperties, join(path, key), errors);
        }
    }
}

/**
 * Union shapes are discriminated by `kind` (or `action`): the alternative whose discriminator
 * matches is checked alone, so its errors are the ones reported, not "matches none of 8 shapes".
 */
function checkAlternatives(value: unknown, alternatives: SchemaNode[], path: string, errors: ModelError[], exactlyOne: boolean): void {
    if (typeMatches('object', value)) {
        const object = value as Record<string, unknown>;
        for (const discriminator of ['kind', 'action']) {
            const allowed = alternatives.map(alternative => allowedValues(alternative.properties?.[discriminator]));
            if (allowed.some(values => values === undefined)) continue;
            const matching = alternatives.filter((_, index) => allowed[index]!.includes(object[discriminator]));
            if (matching.length === 1) {
                checkSchema(value, matching[0], path, errors);
                return;
            }
            if (matching.length === 0) {
                const expected = allowed.flat().map(entry => JSON.stringify(entry)).join(', ');
                errors.push({ path: join(path, discriminator), message: `must be one of ${expected}, not ${describe(object[discriminator])}` });
                return;
            }
        }
    }
    const passing = alternatives.filter(alternative => {
        const attempt: ModelError[] = [];
        checkSchema(value, alternative, path, attempt);
        return attempt.length === 0;
    }).length;
    if (passing === 0 || (exactlyOne && passing > 1)) {
        errors.push({ path, message: `${describe(value)} does not have any of the allowed shapes` });
    }
}

function allowedValues(schema: SchemaNode | undefined): unknown[] | undefined {
    if (!schema) return undefined;
    if (schema.const !== undefined) return [schema.const];
    return schema.enum;
}

// ---------------------------------------------------------------------------------------------
// References between parts of a structurally valid model.

function checkReferences(model: WorkflowModel, errors: ModelError[]): void {
    const taskIds = new Map<string, number>();
    model.tasks.forEach((task, index) => {
        if (taskIds.has(task.id)) errors.push({ path: `tasks[${index}].id`, message: `"${task.id}" is already the id of tasks[${taskIds.get(task.id)}]: task ids must be unique` });
        else taskIds.set(task.id, index);
    });
    const agents = new Set(model.agents.map(agent => agent.name));
    const pools = new Set(model.pools.map(pool => pool.name));
    const notifications = new Set(model.notifications.map(notification => notification.name));
    const phases = new Set(model.phases.map(phase => phase.name));
    const params = new Set(model.params.map(param => param.name));
    const expect = (known: ReadonlySet<string> | ReadonlyMap<string, unknown>, name: string, path: string, what: string) => {
        if (!known.has(name)) errors.push({ path, message: `names ${what} "${name}", but the model has no ${what} of that name` });
    };
    const expectInExpression = (expression: Expression, path: string) => {
        for (const task of referencedTasks(expression)) expect(taskIds, task, path, 'task');
        collectParams(expression).forEach(param => expect(params, param, path, 'parameter'));
    };

    for (const [key, type] of Object.entries(model.types)) {
        if (type.name !== key) errors.push({ path: join('types', key) + '.name', message: `is "${type.name}" but the type is listed as "${key}": they must agree` });
        if (type.pool !== undefined) expect(pools, type.pool, join('types', key) + '.pool', 'pool');
    }
    const types = new Set(Object.keys(model.types));
    model.pools.forEach((pool, index) => pool.types.forEach((type, position) => expect(types, type, `pools[${index}].types[${position}]`, 'task type')));
    model.policies.cache.types.forEach((type, index) => expect(types, type, `policies.cache.types[${index}]`, 'task type'));
    model.policies.recovery.forEach((rule, index) => {
        if (rule.then.action === 'escalate') rule.then.notify.forEach((name, position) => expect(notifications, name, `policies.recovery[${index}].then.notify[${position}]`, 'notification'));
    });

    model.tasks.forEach((task, index) => {
        const path = `tasks[${index}]`;
        if (!Object.hasOwn(model.types, task.type)) errors.push({ path: `${path}.type`, message: `names task type "${task.type}", but it is missing from types: every type a task uses is listed there` });
        task.dependencies.forEach((dependency, position) => {
            expect(taskIds, dependency, `${path}.dependencies[${position}]`, 'task');
            if (dependency === task.id) errors.push({ path: `${path}.dependencies[${position}]`, message: `"${task.id}" depends on itself` });
        });
        task.declaredDependencies.forEach((dependency, position) => {
            if (!task.dependencies.includes(dependency)) errors.push({ path: `${path}.declaredDependencies[${position}]`, message: `"${dependency}" is declared but missing from dependencies: declared dependencies are a subset of dependencies` });
        });
        if (task.pool !== undefined) expect(pools, task.pool, `${path}.pool`, 'pool');
        if (task.agent !== undefined) expect(agents, task.agent, `${path}.agent`, 'agent');
        task.preferredAgents.forEach((agent, position) => expect(agents, agent, `${path}.preferredAgents[${position}]`, 'agent'));
        if (task.phase !== undefined) expect(phases, task.phase, `${path}.phase`, 'phase');
        if (task.condition) expectInExpression(task.condition.expression, `${path}.condition.expression`);
        if (task.kind === 'batch' && !task.batch) errors.push({ path: `${path}.batch`, message: 'is required for a task of kind "batch"' });
    });
    model.phases.forEach((phase, index) => {
        phase.after.forEach((name, position) => expect(phases, name, `phases[${index}].after[${position}]`, 'phase'));
        phase.tasks.forEach((task, position) => expect(taskIds, task, `phases[${index}].tasks[${position}]`, 'task'));
        phase.streams.forEach((stream, streamIndex) => stream.tasks.forEach((task, position) =>
            expect(taskIds, task, `phases[${index}].streams[${streamIndex}].tasks[${position}]`, 'task')));
    });
    for (const [list, markers] of [['checkpoints', model.checkpoints], ['milestones', model.milestones]] as const) {
        markers.forEach((marker, index) => marker.after.forEach((task, position) => expect(taskIds, task, `${list}[${index}].after[${position}]`, 'task')));
    }
    model.completion.notify.forEach((name, index) => expect(notifications, name, `completion.notify[${index}]`, 'notification'));
    if (model.completion.require) expectInExpression(model.completion.require, 'completion.require');
    model.onFailure.notify.forEach((name, index) => expect(notifications, name, `onFailure.notify[${index}]`, 'notification'));
    model.onFailure.compensate.forEach((entry, index) => expect(taskIds, entry.task, `onFailure.compensate[${index}].task`, 'task'));
    if (errors.length === 0) checkAcyclic(model, errors);
}

function collectParams(expression: Expression): string[] {
    const names: string[] = [];
    const stack = [expression];
    while (stack.length > 0) {
        const node = stack.pop()!;
        if (node.kind === 'param') names.push(node.name);
        else if (node.kind === 'member') stack.push(node.object);
        else if (node.kind === 'not' || node.kind === 'negate') stack.push(node.operand);
        else if (node.kind === 'binary') stack.push(node.left, node.right);
    }
    return names;
}

/** Iterative depth-first search (white/grey/black), so a 100k-task chain cannot overflow the stack. */
function checkAcyclic(model: WorkflowModel, errors: ModelError[]): void {
    const index = new Map(model.tasks.map((task, position) => [task.id, position]));
    const state = new Uint8Array(model.tasks.length); // 0 white, 1 grey, 2 black
    for (let start = 0; start < model.tasks.length; start++) {
        if (state[start] !== 0) continue;
        const stack: Array<[task: number, next: number]> = [[start, 0]];
        state[start] = 1;
        while (stack.length > 0) {
            const frame = stack[stack.length - 1];
            const dependencies = model.tasks[frame[0]].dependencies;
            if (frame[1] >= dependencies.length) {
                state[frame[0]] = 2;
                stack.pop();
                continue;
            }
            const next = index.get(dependencies[frame[1]++])!;
            if (state[next] === 1) {
                const cycle = stack.slice(stack.findIndex(([task]) => task === next)).map(([task]) => model.tasks[task].id);
                errors.push({ path: `tasks[${next}].dependencies`, message: `form a cycle: ${[...cycle, model.tasks[next].id].reverse().join(' -> ')}` });
                return;
            }
            if (state[next] === 0) {
                state[next] = 1;
                stack.push([next, 0]);
            }
        }
    }
}
