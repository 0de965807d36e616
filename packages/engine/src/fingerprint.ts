/**
 * What a task's result depends on, as one hash: its definition (and the runners that may do its
 * work), the parameters it sees, and the outcomes of the tasks it waits for or reads. The result
 * cache keys on it, and so does a resume: a task whose fingerprint is unchanged keeps its result.
 *
 * A task sees the parameters its definition names (`{{param.x}}` in its runner, its agents'
 * runners or anywhere else in it, such as its `inputs`; `param.x` in its condition); a runner
 * that is handed every parameter (a node module, a language model, a VS Code task) sees them all. Runners receive only what the task sees, so
 * the fingerprint covers everything that can change what the task does.
 */
import { createHash } from 'node:crypto';
import type { AgentDef, Expression, Json, RunnerDef, TaskDef, WorkflowModel } from '@flow/model';

/** Runner kinds handed every parameter of the run, whatever the task names. */
const SEES_ALL_PARAMS: ReadonlySet<string> = new Set(['node', 'lm', 'vscode_task']);

const PARAM_PLACEHOLDER = /\{\{\s*param\.([A-Za-z_][\w]*)/g;

/**
 * The agents that may run a task, in declaration order: the one it names, else every agent with
 * all the capabilities it requires; without a runner of its own, only agents that have one.
 */
export function capableAgents(task: TaskDef, agents: readonly AgentDef[]): AgentDef[] {
    let capable = task.agent !== undefined
        ? agents.filter(agent => agent.name === task.agent)
        : agents.filter(agent => task.requires.every(capability => agent.capabilities.includes(capability)));
    if (task.run === undefined) capable = capable.filter(agent => agent.run !== undefined);
    return capable;
}

/** The runners that may do a task's work: its own, else those of the agents that may run it. */
export function effectiveRunners(task: TaskDef, agentRunners: readonly (RunnerDef | undefined)[]): RunnerDef[] {
    if (task.run) return [task.run];
    return agentRunners.filter((runner): runner is RunnerDef => runner !== undefined);
}

/**
 * The names of the parameters a task sees, sorted, or `undefined` when it sees every one.
 * @param runners as `effectiveRunners` gives them
 */
export function paramsSeenBy(task: TaskDef, runners: readonly RunnerDef[]): string[] | undefined {
    if (runners.some(runner => SEES_ALL_PARAMS.has(runner.kind))) return undefined;
    const names = new Set<string>();
    for (const runner of runners) for (const name of paramsNamedBy(runner)) names.add(name);
    // Anywhere else in the definition (its inputs, metadata, description): naming a parameter
    // there is how a task says it uses one that only its environment or context file carries.
    // Only strings can hold a placeholder, and most tasks have none: look before serialising.
    if (task.description?.includes('{{')) addNamed(task.description, names);
    for (const data of [task.inputs, task.metadata, task.gates, task.batch?.items]) {
        if (data !== undefined && hasKeys(data)) addNamed(JSON.stringify(data), names);
    }
    for (const text of [task.inputFile, task.outputDir, task.namespace]) if (text?.includes('{{')) addNamed(text, names);
    if (task.condition) collectParams(task.condition.expression, names);
    return [...names].sort();
}

function addNamed(text: string, names: Set<string>): void {
    if (!text.includes('{{')) return;
    for (const match of text.matchAll(PARAM_PLACEHOLDER)) names.add(match[1]);
}

function hasKeys(value: object): boolean {
    for (const _key in value) return true;
    return false;
}

/** Many tasks share their agent's runner: scan each runner object once. */
const namedByRunner = new WeakMap<RunnerDef, string[]>();

function paramsNamedBy(runner: RunnerDef): string[] {
    let names = namedByRunner.get(runner);
    if (!names) {
        names = [...new Set([...canonicalJson(runner as unknown as Json).matchAll(PARAM_PLACEHOLDER)].map(match => match[1]))];
        namedByRunner.set(runner, names);
    }
    return names;
}

function collectParams(expression: Expression, names: Set<string>): void {
    const pending: Expression[] = [expression];
    while (pending.length > 0) {
        const current = pending.pop()!;
        if (current.kind === 'param') names.add(current.name);
        for (const value of Object.values(current)) {
            if (value !== null && typeof value === 'object' && 'kind' in value) pending.push(value as Expression);
        }
    }
}

const TASK_PLACEHOLDER = /\{\{\s*([A-Za-z_][\w]*)\s*[.}]/g;

/**
 * The tasks whose outcome a task reads besides those it waits for directly: named in `{{...}}`
 * of its runners (an upstream task further up, `{{fetch.result.rows}}` after phase order) or in
 * its condition. Their outcomes are inputs of the task as much as its dependencies' are.
 */
export function tasksReadBy(task: TaskDef, runners: readonly RunnerDef[], isTask: (id: string) => boolean): string[] {
    const read = new Set<string>();
    for (const runner of runners) {
        for (const match of canonicalJson(runner as unknown as Json).matchAll(TASK_PLACEHOLDER)) read.add(match[1]);
    }
    if (task.condition) {
        const pending: Expression[] = [task.condition.expression];
        while (pending.length > 0) {
            const current = pending.pop()!;
            if (current.kind === 'task') read.add(current.task);
            for (const value of Object.values(current)) {
                if (value !== null && typeof value === 'object' && 'kind' in value) pending.push(value as Expression);
            }
        }
    }
    const direct = new Set(task.dependencies);
    return [...read].filter(id => id !== 'param' && id !== 'item' && !direct.has(id) && isTask(id)).sort();
}

/** The parameters a task sees, with their values. */
export function seenParams(names: readonly string[] | undefined, params: Record<string, Json>): Record<string, Json> {
    if (names === undefined) return params;
    const seen: Record<string, Json> = Object.create(null);
    for (const name of names) if (Object.hasOwn(params, name)) seen[name] = params[name];
    return seen;
}

/**
 * The hash of what a task does: its definition without its place in the file, and the runners
 * that may do its work.
 */
export function definitionHash(task: TaskDef, runners: readonly RunnerDef[]): string {
    const { source: _source, ...definition } = task;
    return sha256(canonicalJson({ task: definition as unknown as Json, runners: runners as unknown as Json }));
}

/** The fingerprint: the definition's hash, the parameters seen, and the upstream outcomes. */
export function fingerprint(definition: string, params: Record<string, Json>, inputs: Record<string, Json>): string {
    return sha256(canonicalJson({ definition, params, inputs }));
}

/** What a task's fingerprint is made of, computed once per task of a model. */
export interface FingerprintBasis {
    definition: string;
    /** Parameter names the task sees; undefined: all of them. */
    params: string[] | undefined;
    /** Tasks it reads besides its dependencies (see `tasksReadBy`). */
    reads: string[];
}

export function fingerprintBasis(task: TaskDef, agents: readonly AgentDef[], isTask: (id: string) => boolean = () => true): FingerprintBasis {
    const runners = effectiveRunners(task, capableAgents(task, agents).map(agent => agent.run));
    return { definition: definitionHash(task, runners), params: paramsSeenBy(task, runners), reads: tasksReadBy(task, runners, isTask) };
}

/** An outcome as a fingerprint covers it. */
export interface OutcomeForFingerprint {
    status: string;
    result?: Json;
}

/**
 * The fingerprints the tasks of a finished (or interrupted) run had, from its model, parameters
 * and outcomes: what a resume compares against. Only tasks whose upstream tasks all ended are
 * fingerprinted; the engine computes the same value when such a task becomes ready.
 */
export function runFingerprints(model: WorkflowModel, params: Record<string, Json>, outcomes: Record<string, OutcomeForFingerprint>): Record<string, string> {
    const keys: Record<string, string> = Object.create(null);
    const ids = new Set(model.tasks.map(task => task.id));
    for (const task of model.tasks) {
        const basis = fingerprintBasis(task, model.agents, id => ids.has(id));
        const upstream = [...new Set([...task.dependencies, ...basis.reads])];
        if (!upstream.every(id => outcomes[id] !== undefined)) continue;
        const inputs: Record<string, Json> = Object.create(null);
        for (const id of upstream) inputs[id] = { status: outcomes[id].status, result: outcomes[id].result ?? null };
        keys[task.id] = fingerprint(basis.definition, seenParams(basis.params, params), inputs);
    }
    return keys;
}

/** JSON with object keys sorted at every level, so equal values serialise equally. */
export function canonicalJson(value: Json): string {
    if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
    if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
    const keys = Object.keys(value).filter(key => value[key] !== undefined).sort();
    return `{${keys.map(key => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(',')}}`;
}

function sha256(text: string): string {
    return createHash('sha256').update(text).digest('hex');
}
