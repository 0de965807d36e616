/**
 * The seed importer: the JSON shapes of the seed guide (`seed/task-orchestration.md`) in, a
 * {@link WorkflowModel} out, with the same effective values the compiler gives the equivalent
 * `.flow` file. It knows nothing of Langium, so `flowctl run product_launch.json` needs no
 * parser.
 *
 * Accepted shapes, alone or combined in one file:
 * - a workflow: `{ "workflow": { name, description, version, parameters, tasks, phases, completion } }`, or
 *   the same object without the `workflow` wrapper (the seed's `createWorkflow({...})` argument);
 * - task type configurations: `{ "customTaskTypes": { name: {...} } }`, or a single one with its
 *   name in `type` (`{ "type": "research", "defaultTimeout": 600000, ... }`);
 * - the `scheduling`, `errorHandling`, `caching` and `taskExecution`/`resourcePools` configurations;
 * - a batch: `{ "template": {...}, "items": [...], "batchConfig": {...} }`.
 *
 * Everything is read strictly: an unknown key or a value of the wrong shape raises an
 * {@link ImportError} naming the JSON path and what to write instead. Keys that Flow honours
 * without a setting of its own (`parallel: true`: independent tasks always run in parallel), and
 * settings that have no effect in Flow, are accepted and reported in {@link SeedImport.notes}:
 * nothing of the file is dropped without a word.
 *
 * A seed file names agents and notification targets but does not define them; like a `.flow`
 * file, it gets them (and pools and task types) from the root-level declarations of its
 * workspace, passed as {@link SeedImportOptions.workspace}.
 */
import {
    BUILTIN_TASK_TYPES, DEFAULT_AGENT_CONCURRENCY, DEFAULT_AGENT_WEIGHT, DEFAULT_BATCH_CONCURRENCY, DEFAULT_PRIORITY, DEFAULT_TRIGGER, PRIORITY_LEVELS, SCHEMA_VERSION, clone,
    combineConditions, dateTimeProblem, defaultCompletion, defaultPolicies, deriveDependencies, emptyOnFailure, emptyTaskType,
    parseSize, printExpression, referencedParams, validateModel, withCanonicalKeyOrder, type AgentDef, type BackoffKind, type BatchDef, type CompletionDef,
    type ConditionDef, type ExecutionMode, type Json, type LayoutElement, type NotificationDef, type ParamDef, type PhaseDef, type PhaseLayout,
    type Policies, type PoolDef, type PriorityLevel, type ScoreFactor, type TaskDef, type TaskTypeDef, type WorkflowModel
} from '@flow/model';
import { ConditionSyntaxError, parseSeedCondition } from './seed-condition.js';

/** Seed JSON that cannot be imported: `path` is where (`workflow.tasks[2].dependencies`), the message says what to do. */
export class ImportError extends Error {
    constructor(readonly file: string, readonly path: string, readonly problem: string) {
        super(`${file}: ${path || '(top level)'}: ${problem}`);
        this.name = 'ImportError';
    }
}

/** Something worth telling about an imported key that the model holds differently or not at all. */
export interface ImportNote {
    /** Where, as a JSON path: `workflow.tasks[1].parallel`; keys that are not names are quoted (`a["b c"]`). */
    path: string;
    message: string;
    /**
     * `warning`: the setting has no effect in Flow (the user may rely on it); `info`: Flow does
     * what it asks without a setting of its own, or filled in something the file leaves open.
     */
    severity: 'warning' | 'info';
}

export interface SeedImport {
    model: WorkflowModel;
    /** Keys that were accepted without a setting of their own, and why (for `flowctl validate` and `convert` to show). */
    notes: ImportNote[];
}

/** The root-level declarations of a workspace, compiled: what a workflow there can use without declaring it. */
export interface WorkspaceDeclarations {
    agents: AgentDef[];
    pools: PoolDef[];
    notifications: NotificationDef[];
    /** Custom task types by name (built-in ones are not needed here). */
    types: Record<string, TaskTypeDef>;
}

export interface SeedImportOptions {
    /**
     * Declarations of the workspace the file is in. The model gets them as a `.flow` workflow of
     * the same workspace does: the file's own definitions first, then the workspace's that they
     * do not shadow. @default none
     */
    workspace?: WorkspaceDeclarations;
}

/** Imports seed JSON into a model; throws {@link ImportError} on anything it cannot import faithfully. */
export function importSeedJson(json: unknown, file: string, options: SeedImportOptions = {}): WorkflowModel {
    return importSeedJsonWithNotes(json, file, options).model;
}

/** Like {@link importSeedJson}, with notes on keys that needed no setting or have no effect. */
export function importSeedJsonWithNotes(json: unknown, file: string, options: SeedImportOptions = {}): SeedImport {
    return new SeedImporter(file, options.workspace ?? { agents: [], pools: [], notifications: [], types: {} }).import(json);
}

/**
 * Splits a path made by the importer (`workflow.tasks[2].dependencies`, `customTaskTypes["a b"]`)
 * into its keys and indexes, to find the place in the file.
 */
export function parseJsonPath(path: string): Array<string | number> {
    const segments: Array<string | number> = [];
    const pattern = /(?:^|\.)([_a-zA-Z$][_a-zA-Z0-9$]*)|\[(\d+)\]|\[("(?:\\.|[^"\\])*")\]/y;
    let match: RegExpExecArray | null;
    while (pattern.lastIndex < path.length && (match = pattern.exec(path))) {
        if (match[1] !== undefined) segments.push(match[1]);
        else if (match[2] !== undefined) segments.push(Number(match[2]));
        else segments.push(JSON.parse(match[3]) as string);
    }
    return segments;
}

/** `path` followed by `key`, quoting keys that are not names so that {@link parseJsonPath} can split it again. */
function joinPath(path: string, key: string | number): string {
    if (typeof key === 'number') return `${path}[${key}]`;
    if (!/^[_a-zA-Z$][_a-zA-Z0-9$]*$/.test(key)) return `${path}[${JSON.stringify(key)}]`;
    return path ? `${path}.${key}` : key;
}

const IDENTIFIER = /^[_a-zA-Z][_a-zA-Z0-9]*$/;
const RESERVED = new Set(['and', 'or', 'not', 'true', 'false', 'null', 'param']);
const CONFIGURATION_KEYS = ['customTaskTypes', 'scheduling', 'errorHandling', 'caching', 'taskExecution', 'resourcePools'];
const WORKFLOW_KEYS = ['name', 'title', 'description', 'version', 'parameters', 'tasks', 'phases', 'completion', ...CONFIGURATION_KEYS];
/** The seed's names for the priority factors. */
const FACTOR_NAMES: Readonly<Record<string, ScoreFactor>> = {
    deadline: 'deadline', businessValue: 'value', value: 'value', resourceAvailability: 'resources', resources: 'resources',
    dependencies: 'dependents', dependents: 'dependents'
};

/** A JSON object being read: tracks its path and which keys were used, so unknown keys are reported. */
class JsonObject {
    private readonly used = new Set<string>();

    constructor(readonly importer: SeedImporter, readonly value: Record<string, unknown>, readonly path: string) {}

    at(key: string | number): string {
        return joinPath(this.path, key);
    }

    has(key: string): boolean {
        return this.value[key] !== undefined;
    }

    raw(key: string): unknown {
        this.used.add(key);
        return this.value[key];
    }

    fail(key: string, problem: string): never {
        throw this.importer.error(this.at(key), problem);
    }

    string(key: string): string | undefined {
        const value = this.raw(key);
        if (value === undefined) return undefined;
        if (typeof value !== 'string') this.fail(key, `expected a string, found ${describe(value)}`);
        return value;
    }

    requiredString(key: string, hint: string): string {
        const value = this.string(key);
        if (value === undefined) this.fail(key, `missing: ${hint}`);
        return value;
    }

    number(key: string, what = 'a number'): number | undefined {
        const value = this.raw(key);
        if (value === undefined) return undefined;
        if (typeof value !== 'number' || !Number.isFinite(value)) this.fail(key, `expected ${what}, found ${describe(value)}`);
        return value;
    }

    /** Milliseconds, as the seed writes every duration. */
    milliseconds(key: string): number | undefined {
        const value = this.number(key, 'a duration in milliseconds (a number such as 600000)');
        if (value !== undefined && value < 0) this.fail(key, `expected a non-negative number of milliseconds, found ${value}`);
        return value;
    }

    count(key: string, minimum = 1): number | undefined {
        const value = this.number(key, 'a whole number');
        if (value !== undefined && (!Number.isInteger(value) || value < minimum)) this.fail(key, `expected a whole number of at least ${minimum}, found ${value}`);
        return value;
    }

    boolean(key: string): boolean | undefined {
        const value = this.raw(key);
        if (value === undefined) return undefined;
        if (typeof value !== 'boolean') this.fail(key, `expected true or false, found ${describe(value)}`);
        return value;
    }

    oneOf<T extends string>(key: string, allowed: readonly T[]): T | undefined {
        const value = this.string(key);
        if (value === undefined) return undefined;
        if (!allowed.includes(value as T)) this.fail(key, `expected one of ${allowed.map(entry => JSON.stringify(entry)).join(', ')}, found ${JSON.stringify(value)}`);
        return value as T;
    }

    strings(key: string, what = 'strings'): string[] | undefined {
        const value = this.raw(key);
        if (value === undefined) return undefined;
        if (!Array.isArray(value) || value.some(entry => typeof entry !== 'string')) this.fail(key, `expected an array of ${what}, found ${describe(value)}`);
        return [...new Set(value as string[])];
    }

    /** An array of names; the seed's CLI-style comma-separated string (`"cloud,security"`) is accepted too. */
    names(key: string, what: string): string[] | undefined {
        const value = this.raw(key);
        const list = typeof value === 'string' ? value.split(',').map(entry => entry.trim()).filter(entry => entry.length > 0) : this.strings(key, what);
        if (list === undefined) return undefined;
        list.forEach((entry, index) => this.importer.checkName(entry, `${this.at(key)}[${index}]`, what));
        return [...new Set(list)];
    }

    object(key: string): JsonObject | undefined {
        const value = this.raw(key);
        if (value === undefined) return undefined;
        return this.importer.object(value, this.at(key));
    }

    array(key: string, what: string): unknown[] | undefined {
        const value = this.raw(key);
        if (value === undefined) return undefined;
        if (!Array.isArray(value)) this.fail(key, `expected an array of ${what}, found ${describe(value)}`);
        return value;
    }

    json(key: string): Json | undefined {
        const value = this.raw(key);
        if (value === undefined) return undefined;
        return this.importer.json(value, this.at(key));
    }

    jsonObject(key: string): Record<string, Json> | undefined {
        const value = this.json(key);
        if (value === undefined) return undefined;
        if (value === null || typeof value !== 'object' || Array.isArray(value)) this.fail(key, `expected an object, found ${describe(value)}`);
        return value;
    }

    /** Accepts a key whose only meaningful value Flow always has; anything else is an error saying so. */
    alwaysOn(key: string, expected: Json, reason: string): void {
        const value = this.json(key);
        if (value === undefined) return;
        if (JSON.stringify(value) !== JSON.stringify(expected)) {
            this.fail(key, `Flow cannot import ${JSON.stringify(value)} here: ${reason}; remove the key or set it to ${JSON.stringify(expected)}`);
        }
        this.importer.note(this.at(key), reason, 'info');
    }

    /**
     * Accepts a boolean switch for something Flow does not do, and says so in the notes rather
     * than pretending: the seed's files still import, and the user learns the setting is inert.
     */
    withoutEffect(key: string, reason: string): void {
        const value = this.boolean(key);
        if (value === true) this.importer.note(this.at(key), `has no effect: ${reason}`, 'warning');
    }

    /**
     * For an `"enabled": false` strategy: the model holds the disabled state, not the other
     * settings, so they are named in a note rather than dropped silently.
     */
    disabledSettings(what: string): void {
        if (this.value.enabled !== false) return;
        const ignored = Object.keys(this.value).filter(key => key !== 'enabled' && this.value[key] !== undefined);
        if (ignored.length > 0) {
            this.importer.note(this.at('enabled'), `${what} is disabled, so ${ignored.join(', ')} ${ignored.length === 1 ? 'has' : 'have'} no effect`, 'warning');
        }
    }

    /** Fails on keys no reader used. */
    done(): void {
        for (const key of Object.keys(this.value)) {
            if (!this.used.has(key) && this.value[key] !== undefined) {
                const known = [...this.used].sort();
                this.fail(key, `unknown key${known.length > 0 ? `; expected one of ${known.join(', ')}` : ''}. Remove it, or check its spelling`);
            }
        }
    }

    /** Marks keys as read (they were read together with others, or belong to another shape). */
    use(...keys: string[]): void {
        for (const key of keys) this.used.add(key);
    }
}

function describe(value: unknown): string {
    if (value === null) return 'null';
    if (Array.isArray(value)) return 'an array';
    if (typeof value === 'object') return 'an object';
    if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
    return `${typeof value} ${String(value)}`;
}

interface PendingTask {
    task: TaskDef;
    reader: JsonObject;
    ownTimeout?: number;
    ownRequires: string[];
    conditions: Array<{ dependency?: string; text: string; action: ConditionDef['action']; path: string }>;
    dependencyPath: string;
}

class SeedImporter {
    private readonly notes: ImportNote[] = [];
    private readonly policies: Policies = defaultPolicies();
    private readonly types: Record<string, TaskTypeDef> = {};
    /** Types declared by the file (custom or redefined), as opposed to merely used. */
    private readonly declaredTypes = new Map<string, TaskTypeDef>();
    private readonly pools: PoolDef[] = [];
    private readonly agents: AgentDef[] = [];
    private readonly notifications: NotificationDef[] = [];
    private readonly pending: PendingTask[] = [];
    private readonly phases: PhaseDef[] = [];
    private readonly layouts: PhaseLayout[] = [];
    /** Where each phase's `dependencies` are, for errors found once every phase is known. */
    private readonly phaseDependencyPaths = new Map<string, string>();
    private completion: CompletionDef = defaultCompletion();

    constructor(private readonly file: string, private readonly workspace: WorkspaceDeclarations) {}

    error(path: string, problem: string): ImportError {
        return new ImportError(this.file, path, problem);
    }

    note(path: string, message: string, severity: ImportNote['severity']): void {
        this.notes.push({ path, message, severity });
    }

    object(value: unknown, path: string): JsonObject {
        if (value === null || typeof value !== 'object' || Array.isArray(value)) {
            throw this.error(path, `expected an object, found ${describe(value)}`);
        }
        return new JsonObject(this, value as Record<string, unknown>, path);
    }

    json(value: unknown, path: string): Json {
        if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
        if (typeof value === 'number') {
            if (!Number.isFinite(value)) throw this.error(path, 'expected a finite number');
            return value;
        }
        if (Array.isArray(value)) return value.map((entry, index) => this.json(entry, `${path}[${index}]`));
        if (typeof value === 'object') {
            return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, this.json(entry, joinPath(path, key))]));
        }
        throw this.error(path, `expected a JSON value, found ${typeof value}`);
    }

    checkName(name: string, path: string, what: string): string {
        if (!IDENTIFIER.test(name) || RESERVED.has(name)) {
            throw this.error(path, `${JSON.stringify(name)} is not a valid ${what}: use letters, digits and _ (not starting with a digit, ` +
                `not one of ${[...RESERVED].join(', ')}), e.g. ${JSON.stringify(suggestName(name))}`);
        }
        return name;
    }

    import(json: unknown): SeedImport {
        const root = this.object(json, '');
        const model: WorkflowModel = {
            schemaVersion: SCHEMA_VERSION,
            name: nameFromFile(this.file),
            source: { file: this.file, line: 1, column: 1 },
            params: [], agents: this.agents, pools: this.pools, types: this.types, notifications: this.notifications,
            policies: this.policies, phases: this.phases, tasks: [], checkpoints: [], milestones: [],
            completion: this.completion, onFailure: emptyOnFailure()
        };

        // Configurations first: tasks resolve their effective values against them.
        this.configurations(root);
        let workflow: JsonObject | undefined;
        if (root.has('workflow')) {
            workflow = root.object('workflow')!;
            this.configurations(workflow);
        } else if (root.has('tasks') || root.has('phases') || root.has('name')) {
            workflow = root;
        }
        if (root.has('template') || root.has('items') || root.has('batchConfig')) {
            this.batch(root);
        } else if (!workflow && root.has('type')) {
            this.typeConfiguration(root, '', root.requiredString('type', 'name the task type'));
        }
        // The workspace's pools take task types by name, so tasks must see them.
        this.addWorkspace(this.pools, this.workspace.pools);
        for (const pool of this.pools) pool.types.forEach(type => this.types[type] ?? this.useType(type, ''));
        if (workflow) this.workflow(workflow, model);
        root.done();
        this.addWorkspace(this.agents, this.workspace.agents);
        this.addWorkspace(this.notifications, this.workspace.notifications);
        if (model.tasks.length === 0 && this.pending.length === 0 && Object.keys(this.types).length === 0 && !this.hasConfiguration(root)) {
            throw this.error('', 'nothing to import: expected a workflow ({"workflow": {"name": ..., "tasks": [...]}}), task type configurations ' +
                '(customTaskTypes, or one with "type"), a batch, or scheduling/errorHandling/caching/taskExecution configuration');
        }

        this.finishTasks(model);
        model.completion = this.completion;
        return { model: withCanonicalKeyOrder(model), notes: this.notes };
    }

    private hasConfiguration(root: JsonObject): boolean {
        return CONFIGURATION_KEYS.some(key => root.has(key));
    }

    private configurations(object: JsonObject): void {
        const customTypes = object.object('customTaskTypes');
        if (customTypes) {
            for (const name of Object.keys(customTypes.value)) {
                const path = customTypes.at(name);
                this.checkName(name, path, 'task type name');
                this.typeConfiguration(customTypes.object(name)!, path, name);
            }
            customTypes.done();
        }
        const scheduling = object.object('scheduling');
        if (scheduling) this.scheduling(scheduling);
        const errorHandling = object.object('errorHandling');
        if (errorHandling) this.errorHandling(errorHandling);
        const caching = object.object('caching');
        if (caching) this.caching(caching);
        const execution = object.object('taskExecution');
        if (execution) {
            const pools = execution.object('resourcePools');
            if (pools) this.resourcePools(pools);
            const optimization = execution.object('optimization');
            if (optimization) {
                optimization.alwaysOn('loadBalancing', true, 'Flow always gives a ready task to an available agent with the capabilities, chosen by the schedule algorithm');
                optimization.withoutEffect('resourcePreAllocation', 'Flow takes a pool slot when a task starts; it does not pre-allocate');
                optimization.withoutEffect('taskAffinityGrouping', 'Flow does not group tasks by affinity; use agent or prefer on tasks to keep work together');
                optimization.done();
            }
            execution.done();
        }
        const pools = object.object('resourcePools');
        if (pools) this.resourcePools(pools);
    }

    // -----------------------------------------------------------------------------------------
    // Task types

    private typeConfiguration(config: JsonObject, path: string, name: string): TaskTypeDef {
        this.checkName(name, path ? path : config.at('type'), 'task type name');
        if (path) {
            const inner = config.string('type');
            if (inner !== undefined && inner !== name) config.fail('type', `names ${JSON.stringify(inner)} but the configuration is listed as ${JSON.stringify(name)}; make them agree`);
        }
        const type: TaskTypeDef = { ...emptyTaskType(name) };
        const description = config.string('description');
        if (description !== undefined) type.description = description;
        const timeout = config.milliseconds('defaultTimeout');
        if (timeout !== undefined) type.timeoutMs = timeout;
        type.requires = config.names('requiredCapabilities', 'capability') ?? [];
        const output = config.string('outputFormat');
        if (output !== undefined) type.outputFormat = this.checkName(output, config.at('outputFormat'), 'output format');
        type.checks = config.names('qualityChecks', 'quality check') ?? [];
        type.parameters = config.jsonObject('parameters') ?? {};
        type.tools = config.names('tools', 'tool') ?? [];
        type.permissions = config.names('permissions', 'permission') ?? [];
        const rollback = config.boolean('rollbackPlan');
        if (rollback !== undefined) type.rollback = rollback;
        config.use('type');
        if (path) config.done();
        if (this.declaredTypes.has(name)) throw this.error(path || 'type', `task type ${name} is configured twice; keep one configuration`);
        this.declaredTypes.set(name, type);
        this.types[name] = type;
        return type;
    }

    /** A type by name: declared in the file, built in, or (for a name the seed uses without defining it) a custom type with no settings. */
    private useType(name: string, path: string): TaskTypeDef {
        this.checkName(name, path, 'task type name');
        const known = this.types[name];
        if (known) return known;
        const declared = this.workspace.types[name] ?? BUILTIN_TASK_TYPES[name];
        const type = declared ? clone(declared) as TaskTypeDef : emptyTaskType(name);
        if (!declared) {
            this.note(path, `${name} is neither a built-in type nor declared in the workspace; it was imported as a custom type ` +
                'without defaults (declare it with customTaskTypes, or with `type` in a .flow file, to give it some)', 'info');
        }
        this.types[name] = type;
        return type;
    }

    // -----------------------------------------------------------------------------------------
    // Policies

    private scheduling(scheduling: JsonObject): void {
        const target = this.policies.scheduling;
        const algorithm = scheduling.oneOf('algorithm', ['priority_fifo', 'weighted_round_robin', 'least_loaded'] as const);
        if (algorithm) target.algorithm = algorithm;
        const system = scheduling.object('prioritySystem');
        if (system) {
            const levels = system.object('levels');
            if (levels) {
                for (const key of Object.keys(levels.value)) {
                    if (!PRIORITY_LEVELS.includes(key as PriorityLevel)) levels.fail(key, `unknown priority level; expected one of ${PRIORITY_LEVELS.join(', ')}`);
                    const level = levels.object(key)!;
                    const weight = level.number('weight');
                    const sla = level.milliseconds('sla');
                    if (weight !== undefined) target.levels[key as PriorityLevel].weight = weight;
                    if (sla !== undefined) target.levels[key as PriorityLevel].slaMs = sla;
                    level.done();
                }
            }
            const factors = system.object('factors');
            if (factors) {
                for (const key of Object.keys(factors.value)) {
                    const factorName = FACTOR_NAMES[key];
                    if (!factorName) factors.fail(key, `unknown priority factor; expected one of ${Object.keys(FACTOR_NAMES).join(', ')}`);
                    const factor = factors.object(key)!;
                    const weight = factor.number('weight');
                    const curve = factor.oneOf('curve', ['exponential', 'linear', 'step'] as const);
                    if (weight !== undefined) target.factors[factorName].weight = weight;
                    if (curve !== undefined) target.factors[factorName].curve = curve;
                    factor.done();
                }
            }
            const adjustment = system.object('dynamicAdjustment');
            if (adjustment) {
                adjustment.disabledSettings('dynamic priority adjustment');
                const enabled = adjustment.boolean('enabled');
                const interval = adjustment.milliseconds('interval');
                const aging = adjustment.number('agingFactor');
                if (interval !== undefined) target.agingIntervalMs = interval;
                if (aging !== undefined) {
                    if (aging < 1) adjustment.fail('agingFactor', `expected a factor of at least 1 (1 means no aging), found ${aging}`);
                    target.agingFactor = aging;
                }
                if (enabled === false) target.agingFactor = 1;
                adjustment.done();
            }
            system.done();
        }
        const balancing = scheduling.object('loadBalancing');
        if (balancing) this.loadBalancing(balancing);
        scheduling.done();
    }

    private loadBalancing(balancing: JsonObject): void {
        balancing.disabledSettings('load balancing');
        const target = this.policies.scheduling;
        const enabled = balancing.boolean('enabled');
        const strategy = balancing.oneOf('strategy', ['priority_fifo', 'weighted_round_robin', 'least_loaded'] as const);
        if (strategy && enabled !== false) target.algorithm = strategy;
        const spillover = balancing.boolean('spillover');
        const threshold = balancing.number('threshold');
        if (enabled !== false) {
            if (spillover !== undefined) target.spillover = spillover;
            if (threshold !== undefined) target.spilloverThreshold = threshold;
        }
        balancing.done();
    }

    private errorHandling(errorHandling: JsonObject): void {
        const strategies = errorHandling.object('strategies') ?? errorHandling;
        if (strategies !== errorHandling) errorHandling.done();
        const retry = strategies.object('retry');
        if (retry) {
            retry.disabledSettings('retry');
            const enabled = retry.boolean('enabled');
            const attempts = retry.count('maxAttempts');
            const backoff = retry.oneOf('backoffStrategy', ['fixed', 'linear', 'exponential'] as const satisfies readonly BackoffKind[]);
            const base = retry.milliseconds('backoffBase');
            const max = retry.milliseconds('maxBackoff');
            const jitter = retry.number('jitter');
            const kinds = retry.names('retryableErrors', 'error kind');
            const target = this.policies.retry;
            if (attempts !== undefined) target.attempts = attempts;
            if (backoff !== undefined) target.backoff = backoff;
            if (base !== undefined) target.baseMs = base;
            if (max !== undefined) target.maxMs = max;
            if (jitter !== undefined) target.jitter = jitter;
            if (kinds !== undefined) {
                if (kinds.length === 0) retry.fail('retryableErrors', 'expected at least one error kind; to turn retries off set "enabled": false');
                target.on = kinds;
            }
            if (enabled === false) target.attempts = 1;
            retry.done();
        }
        const failover = strategies.object('failover');
        if (failover) {
            failover.disabledSettings('failover');
            const enabled = failover.boolean('enabled');
            const alternatives = failover.boolean('alternativeAgents');
            const degraded = failover.boolean('degradedMode');
            const threshold = failover.count('notificationThreshold', 0);
            const target = this.policies.failover;
            if (alternatives !== undefined) target.alternatives = alternatives;
            if (degraded !== undefined) target.degraded = degraded;
            if (threshold !== undefined) target.notifyAfter = threshold;
            if (enabled === false) {
                target.alternatives = false;
                target.degraded = false;
            }
            failover.done();
        }
        const rollback = strategies.object('rollback');
        if (rollback) {
            rollback.disabledSettings('rollback');
            const enabled = rollback.boolean('enabled');
            const target = this.policies.rollback;
            const checkpoints = rollback.boolean('checkpoints');
            const atomic = rollback.boolean('atomicOperations');
            const compensation = rollback.boolean('compensationActions');
            if (checkpoints !== undefined) target.checkpoints = checkpoints;
            if (atomic !== undefined) target.atomic = atomic;
            if (compensation !== undefined) target.compensation = compensation;
            if (enabled === false) {
                target.checkpoints = false;
                target.atomic = false;
                target.compensation = false;
            }
            rollback.done();
        }
        const breaker = strategies.object('circuitBreaker');
        if (breaker) {
            breaker.disabledSettings('the circuit breaker');
            const enabled = breaker.boolean('enabled');
            const failures = breaker.count('failureThreshold');
            const recovery = breaker.milliseconds('recoveryTimeout');
            const probes = breaker.count('halfOpenRequests');
            const target = this.policies.breaker;
            if (failures !== undefined) target.failures = failures;
            if (recovery !== undefined) target.recoveryMs = recovery;
            if (probes !== undefined) target.probes = probes;
            // The model's way of saying "no breaker".
            if (enabled === false) target.failures = 0;
            breaker.done();
        }
        if (strategies !== errorHandling) strategies.done();
        else errorHandling.done();
    }

    private caching(caching: JsonObject): void {
        caching.disabledSettings('caching');
        const enabled = caching.boolean('enabled');
        caching.alwaysOn('strategy', 'content_hash', 'Flow keys cached results by a content hash of the task, its parameters and its inputs');
        const ttl = caching.milliseconds('ttl');
        const size = caching.raw('maxSize');
        const entries = caching.count('maxEntries', 0);
        const types = caching.names('cacheableTaskTypes', 'task type');
        const target = this.policies.cache;
        if (ttl !== undefined) target.ttlMs = ttl;
        if (size !== undefined) {
            if (typeof size === 'number' && Number.isInteger(size) && size >= 0) target.maxBytes = size;
            else if (typeof size === 'string') {
                try {
                    target.maxBytes = parseSize(size);
                } catch (error) {
                    caching.fail('maxSize', (error as Error).message);
                }
            } else caching.fail('maxSize', `expected a size such as "1GB" or a number of bytes, found ${describe(size)}`);
        }
        if (entries !== undefined) target.maxEntries = entries;
        if (types !== undefined && enabled !== false) {
            types.forEach((type, index) => this.useType(type, `${caching.at('cacheableTaskTypes')}[${index}]`));
            target.types = types;
        }
        caching.done();
    }

    private resourcePools(pools: JsonObject): void {
        for (const name of Object.keys(pools.value)) {
            this.checkName(name, pools.at(name), 'pool name');
            if (this.pools.some(pool => pool.name === name)) pools.fail(name, `pool ${name} is defined twice; keep one definition`);
            const config = pools.object(name)!;
            const pool: PoolDef = { name, concurrency: config.count('maxConcurrent') ?? 1, types: [] };
            const priority = config.oneOf('priority', PRIORITY_LEVELS);
            if (priority !== undefined) pool.priority = priority;
            const types = config.names('taskTypes', 'task type') ?? [];
            types.forEach((type, index) => this.useType(type, `${config.at('taskTypes')}[${index}]`));
            pool.types = types;
            config.done();
            this.pools.push(pool);
        }
        pools.done();
    }

    // -----------------------------------------------------------------------------------------
    // Workflows

    private workflow(workflow: JsonObject, model: WorkflowModel): void {
        const name = workflow.string('name');
        if (name !== undefined) {
            const identifier = IDENTIFIER.test(name) && !RESERVED.has(name) ? name : pascalCase(name, workflow.at('name'), this);
            model.name = identifier;
            if (identifier !== name) model.title = name;
        }
        const title = workflow.string('title');
        if (title !== undefined) model.title = title;
        const description = workflow.string('description');
        if (description !== undefined) model.description = description;
        const version = workflow.raw('version');
        if (version !== undefined) {
            if (typeof version !== 'string' && typeof version !== 'number') workflow.fail('version', `expected a version string such as "1.0", found ${describe(version)}`);
            model.version = String(version);
        }
        // The seed passes parameters when it runs a workflow (`--parameters '{"topic": ...}'`);
        // written in the workflow, they are its parameters with those values as defaults.
        for (const [name, value] of Object.entries(workflow.jsonObject('parameters') ?? {})) {
            const path = joinPath(workflow.at('parameters'), name);
            this.checkName(name, path, 'parameter name');
            model.params.push({ name, type: this.parameterType(value, path), default: value });
        }
        const tasks = workflow.array('tasks', 'tasks');
        tasks?.forEach((task, index) => this.task(this.object(task, workflow.at('tasks') + `[${index}]`)));
        const phases = workflow.array('phases', 'phases');
        phases?.forEach((phase, index) => this.phase(this.object(phase, workflow.at('phases') + `[${index}]`)));
        const completion = workflow.object('completion');
        if (completion) this.completionConfiguration(completion);
        workflow.use(...CONFIGURATION_KEYS);
        for (const key of Object.keys(workflow.value)) {
            if (!WORKFLOW_KEYS.includes(key) && !(workflow.path === '' && key === 'workflow')) {
                workflow.fail(key, `unknown key in a workflow; expected one of ${WORKFLOW_KEYS.join(', ')}`);
            }
        }
        if (workflow.path !== '') workflow.done();
    }

    private parameterType(value: Json, path: string): ParamDef['type'] {
        if (typeof value === 'string') return { kind: 'string' };
        if (typeof value === 'number') return { kind: 'number' };
        if (typeof value === 'boolean') return { kind: 'boolean' };
        if (Array.isArray(value)) return { kind: 'list' };
        if (value !== null) return { kind: 'object' };
        throw this.error(path, 'expected the parameter\'s default value (a string, number, boolean, list or object), found null');
    }

    private phase(phase: JsonObject): void {
        const name = this.checkName(phase.requiredString('name', 'give the phase a name'), phase.at('name'), 'phase name');
        if (this.phases.some(existing => existing.name === name)) phase.fail('name', `phase ${name} is defined twice; phase names must be unique`);
        const parallel = phase.boolean('parallel');
        const mode: ExecutionMode = parallel === false ? 'sequential' : 'parallel';
        const after = phase.names('dependencies', 'phase name') ?? [];
        this.phaseDependencyPaths.set(name, phase.at('dependencies'));
        const definition: PhaseDef = { name, mode, after, streams: [], tasks: [] };
        const elements: LayoutElement[] = [];
        this.phases.push(definition);
        this.layouts.push({ name, mode, after, elements });
        // Tasks and streams keep the order their keys have in the file.
        for (const key of Object.keys(phase.value)) {
            if (key === 'tasks') {
                const tasks = phase.array('tasks', 'tasks')!;
                tasks.forEach((task, index) => {
                    const id = this.task(this.object(task, `${phase.at('tasks')}[${index}]`), name).id;
                    definition.tasks.push(id);
                    elements.push({ kind: 'task', id });
                });
            } else if (key === 'streams') {
                const streams = phase.array('streams', 'streams')!;
                streams.forEach((value, index) => {
                    const stream = this.object(value, `${phase.at('streams')}[${index}]`);
                    const streamName = this.checkName(stream.requiredString('name', 'give the stream a name'), stream.at('name'), 'stream name');
                    const streamMode: ExecutionMode = stream.boolean('parallel') === false ? 'sequential' : 'parallel';
                    const ids: string[] = [];
                    stream.array('tasks', 'tasks')?.forEach((task, position) => {
                        ids.push(this.task(this.object(task, `${stream.at('tasks')}[${position}]`), name, streamName).id);
                    });
                    stream.done();
                    definition.streams.push({ name: streamName, mode: streamMode, tasks: ids });
                    elements.push({ kind: 'stream', name: streamName, mode: streamMode, tasks: ids });
                });
            }
        }
        phase.done();
    }

    private completionConfiguration(completion: JsonObject): void {
        const criteria = completion.oneOf('criteria', ['all_tasks_completed', 'any_task_completed', 'required_tasks_completed'] as const);
        if (criteria) this.completion.criteria = criteria;
        const notify = completion.names('notifications', 'notification name') ?? [];
        notify.forEach((name, index) => this.useNotification(name, `${completion.at('notifications')}[${index}]`));
        this.completion.notify = notify;
        this.completion.deliverables = completion.names('deliverables', 'deliverable name') ?? [];
        completion.done();
    }

    /** A notification target the file names: the workspace's, or else a target that only records the event. */
    private useNotification(name: string, path: string): void {
        if (this.notifications.some(notification => notification.name === name)) return;
        if (this.workspace.notifications.some(notification => notification.name === name)) return;
        this.note(path, `notification ${name} is not declared in the workspace; it was imported as a target that only records ` +
            `the event (declare 'notification ${name} { run ... }' in a .flow file of the workspace to act on it)`, 'info');
        this.notifications.push({ name, on: [] });
    }

    /** An agent the file names: the workspace's, or else an agent with no capabilities and no runner of its own. */
    private useAgent(name: string, path: string): void {
        if (this.agents.some(agent => agent.name === name)) return;
        if (this.workspace.agents.some(agent => agent.name === name)) return;
        this.note(path, `agent ${name} is not declared in the workspace; it was imported without capabilities or a runner ` +
            `(declare 'agent ${name} { ... }' in a .flow file of the workspace)`, 'warning');
        this.agents.push({ name, capabilities: [], concurrency: DEFAULT_AGENT_CONCURRENCY, weight: DEFAULT_AGENT_WEIGHT });
    }

    /** Appends the workspace's declarations that the file's own do not shadow, in the compiler's order. */
    private addWorkspace<T extends { name: string }>(local: T[], workspace: readonly T[]): void {
        for (const declaration of workspace) {
            if (!local.some(existing => existing.name === declaration.name)) local.push(clone(declaration));
        }
    }

    // -----------------------------------------------------------------------------------------
    // Tasks

    private task(reader: JsonObject, phase?: string, stream?: string): TaskDef {
        const id = this.checkName(reader.requiredString('id', 'give every task an id (letters, digits and _)'), reader.at('id'), 'task id');
        if (this.pending.some(pending => pending.task.id === id)) reader.fail('id', `task id ${id} is used twice; task ids must be unique`);
        const type = this.useType(reader.requiredString('type', `give the task a type, e.g. one of ${Object.keys(BUILTIN_TASK_TYPES).join(', ')}`), reader.at('type'));
        const task: TaskDef = {
            id, kind: 'task', type: type.name, priority: DEFAULT_PRIORITY, retry: clone(this.policies.retry), tags: [], metadata: {},
            dependencies: [], declaredDependencies: [], trigger: DEFAULT_TRIGGER, preferredAgents: [], requires: [],
            cache: { enabled: false }, inputs: {}, gates: {}, checks: []
        };
        if (phase !== undefined) task.phase = phase;
        if (stream !== undefined) task.stream = stream;
        const description = reader.string('description');
        if (description !== undefined) task.description = description;
        const pending: PendingTask = { task, reader, ownRequires: [], conditions: [], dependencyPath: reader.at('dependencies') };
        pending.ownTimeout = reader.milliseconds('timeout');
        task.declaredDependencies = reader.names('dependencies', 'task id') ?? [];
        const priority = reader.oneOf('priority', PRIORITY_LEVELS);
        if (priority) task.priority = priority;
        const deadline = reader.string('deadline');
        if (deadline !== undefined) task.deadline = this.dateTime(deadline, reader.at('deadline'));
        const start = reader.string('startTime');
        if (start !== undefined) task.startAt = this.dateTime(start, reader.at('startTime'));
        task.tags = reader.names('tags', 'tag') ?? [];
        task.metadata = reader.jsonObject('metadata') ?? {};
        task.inputs = reader.jsonObject('inputData') ?? {};
        task.gates = reader.jsonObject('qualityGates') ?? {};
        const retries = reader.count('retryCount', 0);
        if (retries !== undefined) task.retry.attempts = retries + 1;
        const value = reader.number('businessValue');
        if (value !== undefined) task.businessValue = value;
        for (const [key, field] of [['namespace', 'namespace'], ['inputFile', 'inputFile'], ['outputDir', 'outputDir']] as const) {
            const text = reader.string(key);
            if (text !== undefined) task[field] = text;
        }
        const assignTo = reader.string('assignTo');
        if (assignTo !== undefined) {
            task.agent = this.checkName(assignTo, reader.at('assignTo'), 'agent name');
            this.useAgent(task.agent, reader.at('assignTo'));
        }
        reader.alwaysOn('parallel', true, 'Flow runs tasks whose dependencies are done in parallel; there is nothing to set');
        const criteria = reader.object('assignmentCriteria');
        if (criteria) {
            const capabilities = [...criteria.names('capabilities', 'capability') ?? [], ...criteria.names('requiredCapabilities', 'capability') ?? []];
            pending.ownRequires = [...new Set(capabilities)];
            const preferred = [...(criteria.has('preferredAgent') ? [criteria.string('preferredAgent')!] : []), ...criteria.names('preferredAgents', 'agent name') ?? []];
            preferred.forEach(agent => {
                this.checkName(agent, criteria.at('preferredAgent'), 'agent name');
                this.useAgent(agent, criteria.at(criteria.has('preferredAgent') ? 'preferredAgent' : 'preferredAgents'));
            });
            task.preferredAgents = [...new Set(preferred)];
            criteria.alwaysOn('loadBalancing', true, 'Flow always balances tasks over the agents that have the capabilities');
            criteria.done();
        }
        const conditions = reader.array('conditions', 'conditions');
        conditions?.forEach((value, index) => {
            const condition = this.object(value, `${reader.at('conditions')}[${index}]`);
            const dependency = condition.string('dependency');
            if (dependency !== undefined) this.checkName(dependency, condition.at('dependency'), 'task id');
            const text = condition.requiredString('condition', 'write the condition, e.g. "result.marketSize > 1000000"');
            const action = condition.oneOf('action', ['execute', 'skip'] as const) ?? 'execute';
            pending.conditions.push({ dependency, text, action, path: condition.at('condition') });
            condition.done();
        });
        reader.done();
        this.pending.push(pending);
        return task;
    }

    private batch(root: JsonObject): void {
        const template = root.object('template');
        if (!template) root.fail('template', 'missing: a batch needs a template task ({"type": ..., "timeout": ...})');
        const id = this.checkName(template.string('id') ?? 'batch', template.at('id'), 'task id');
        const type = this.useType(template.requiredString('type', 'give the batch template a task type'), template.at('type'));
        const items = root.array('items', 'items');
        if (!items) root.fail('items', 'missing: list the items to process, e.g. [{"id": "q1", "data": "./data/q1.csv"}]');
        const task: TaskDef = {
            id, kind: 'batch', type: type.name, priority: DEFAULT_PRIORITY, retry: clone(this.policies.retry), tags: [], metadata: {},
            dependencies: [], declaredDependencies: [], trigger: DEFAULT_TRIGGER, preferredAgents: [], requires: [],
            cache: { enabled: false }, inputs: {}, gates: {}, checks: []
        };
        const description = template.string('description');
        if (description !== undefined) task.description = description;
        const pending: PendingTask = {
            task, reader: template, ownTimeout: template.milliseconds('timeout'),
            ownRequires: template.names('capabilities', 'capability') ?? [], conditions: [], dependencyPath: template.at('dependencies')
        };
        template.done();
        const batch: BatchDef = {
            items: items.map((item, index) => this.json(item, `${root.at('items')}[${index}]`)),
            concurrency: DEFAULT_BATCH_CONCURRENCY, aggregate: 'list', onFailure: 'stop'
        };
        const config = root.object('batchConfig');
        if (config) {
            const concurrency = config.count('maxConcurrent');
            if (concurrency !== undefined) batch.concurrency = concurrency;
            const aggregate = config.boolean('aggregateResults');
            if (aggregate !== undefined) batch.aggregate = aggregate ? 'list' : 'none';
            const failure = config.oneOf('failureHandling', ['continue', 'stop'] as const);
            if (failure) batch.onFailure = failure;
            config.alwaysOn('progressTracking', true, 'Flow reports the progress of every batch item as events');
            config.done();
        }
        task.batch = batch;
        this.pending.push(pending);
    }

    private dateTime(text: string, path: string): string {
        const problem = dateTimeProblem(text);
        if (problem) throw this.error(path, `${problem}`);
        return text;
    }

    /** Resolves what needs every task known: dependencies, conditions, effective values, derived edges. */
    private finishTasks(model: WorkflowModel): void {
        const ids = new Set(this.pending.map(pending => pending.task.id));
        for (const pending of this.pending) {
            const task = pending.task;
            const type = this.types[task.type];
            task.declaredDependencies.forEach((dependency, index) => {
                if (!ids.has(dependency)) {
                    throw this.error(`${pending.dependencyPath}[${index}]`, `no task has the id ${JSON.stringify(dependency)}: name a task of this workflow`);
                }
                if (dependency === task.id) throw this.error(`${pending.dependencyPath}[${index}]`, `task ${task.id} cannot depend on itself`);
            });
            const conditions: ConditionDef[] = [];
            for (const condition of pending.conditions) {
                if (condition.dependency !== undefined) {
                    if (!ids.has(condition.dependency)) {
                        throw this.error(condition.path.replace(/\.condition$/, '.dependency'), `no task has the id ${JSON.stringify(condition.dependency)}: name a task of this workflow`);
                    }
                    // A condition reads its dependency's result, so the task waits for it, as `after` says in .flow.
                    if (!task.declaredDependencies.includes(condition.dependency)) task.declaredDependencies.push(condition.dependency);
                }
                let expression;
                try {
                    expression = parseSeedCondition(condition.text, { dependency: condition.dependency, tasks: ids });
                } catch (error) {
                    if (!(error instanceof ConditionSyntaxError)) throw error;
                    throw this.error(condition.path, `cannot read ${JSON.stringify(condition.text)}: ${error.message}`);
                }
                const unknown = referencedParams(expression).find(name => !model.params.some(param => param.name === name));
                if (unknown !== undefined) {
                    throw this.error(condition.path, `${JSON.stringify(condition.text)} reads the parameter ${unknown}, which the workflow does not have: ` +
                        `declare it with its default value, e.g. "parameters": { "${unknown}": "..." }`);
                }
                conditions.push({ expression, action: condition.action, text: printExpression(expression) });
            }
            const combined = combineConditions(conditions);
            if (combined) task.condition = combined;
            // Effective values, exactly as the compiler resolves them.
            const timeout = pending.ownTimeout ?? type.timeoutMs;
            if (timeout !== undefined) task.timeoutMs = timeout;
            task.requires = [...type.requires, ...pending.ownRequires.filter(capability => !type.requires.includes(capability))];
            if (type.outputFormat !== undefined) task.outputFormat = type.outputFormat;
            task.checks = [...type.checks];
            const pool = type.pool ?? this.pools.find(candidate => candidate.types.includes(type.name))?.name;
            if (pool !== undefined) task.pool = pool;
            task.cache = { enabled: this.policies.cache.types.includes(type.name) };
            if (task.cache.enabled && this.policies.cache.ttlMs !== undefined) task.cache.ttlMs = this.policies.cache.ttlMs;
            model.tasks.push(task);
        }
        for (const phase of this.phases) {
            phase.after.forEach((name, index) => {
                if (!this.phases.some(candidate => candidate.name === name)) {
                    throw this.error(`${this.phaseDependencyPaths.get(phase.name)}[${index}]`, `no phase is named ${JSON.stringify(name)}: name a phase of this workflow`);
                }
            });
        }
        const dependencies = deriveDependencies({ tasks: model.tasks, phases: this.layouts });
        for (const task of model.tasks) task.dependencies = dependencies.get(task.id) ?? [...task.declaredDependencies];
        // What the checks above cannot see one task at a time (a cycle through several tasks,
        // phases that wait for each other) is found by the model's own validation.
        const problem = validateModel(model)[0];
        if (problem) {
            const task = /^tasks\[(\d+)\]/.exec(problem.path);
            const path = task ? this.pending[Number(task[1])].dependencyPath : '';
            throw this.error(path, `the workflow cannot be imported: ${problem.path} ${problem.message}`);
        }
    }
}

/** A workflow name from a file name: `content-pipeline.json` -> `content_pipeline`. */
function nameFromFile(file: string): string {
    const base = file.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '');
    return suggestName(base);
}

/** An identifier close to `text`: other characters become `_`, a leading digit gets a `_`. */
function suggestName(text: string): string {
    let name = text.replace(/[^_a-zA-Z0-9]+/g, '_').replace(/^_+|_+$/g, '');
    if (name.length === 0) name = 'workflow';
    if (/^[0-9]/.test(name) || RESERVED.has(name)) name = `_${name}`;
    return name;
}

/** "Content Creation Pipeline" -> "ContentCreationPipeline". */
function pascalCase(text: string, path: string, importer: SeedImporter): string {
    const words = text.split(/[^a-zA-Z0-9]+/).filter(word => word.length > 0);
    const name = words.map(word => word[0].toUpperCase() + word.slice(1)).join('');
    if (!IDENTIFIER.test(name)) {
        throw importer.error(path, `${JSON.stringify(text)} cannot be turned into a workflow name; start it with a letter`);
    }
    return name;
}
