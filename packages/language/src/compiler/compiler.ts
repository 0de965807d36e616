/**
 * The compiler: a linked, validated workflow AST in, a {@link WorkflowModel} out. The model holds
 * effective values (type defaults, workflow policies and phase structure are resolved here), so
 * the engine and every view read plain JSON and never need Langium.
 */
import { AstUtils, URI, type AstNode, type LangiumDocument, type Reference } from 'langium';
import {
    DEFAULT_AGENT_CONCURRENCY, DEFAULT_AGENT_WEIGHT, DEFAULT_BATCH_CONCURRENCY, DEFAULT_ESCALATION_SEVERITY,
    DEFAULT_HTTP_METHOD, DEFAULT_PRIORITY, DEFAULT_REASSIGN_TIMEOUT_FACTOR, DEFAULT_RECOVERY_RETRY_ATTEMPTS, DEFAULT_TRIGGER,
    SCHEMA_VERSION, clone, combineConditions, dateTimeProblem, defaultCompletion, defaultPolicies, deriveDependencies, emptyOnFailure,
    parseDuration, parseSize, type AgentDef, type ConditionDef, type Expression, type Json, type LayoutElement,
    type MarkerDef, type NotificationDef, type ParamDef, type PhaseDef, type PhaseLayout, type Policies, type PoolDef,
    type RecoveryAction, type RetryPolicy, type RunnerDef, type SourceLocation, type TaskDef, type TaskTypeDef,
    type WorkflowModel, withCanonicalKeyOrder
} from '@flow/model';
import type { FlowServices } from '../flow-module.js';
import * as ast from '../generated/ast.js';
import { BUILTIN_URI } from '../builtins.js';
import type { WorkspaceDeclarations } from './seed-importer.js';

/** A workflow the compiler cannot turn into a model; the message names the place and what to do. */
export class CompileError extends Error {
    /** @param problem what is wrong and what to do, without the location */
    constructor(readonly problem: string, readonly source?: SourceLocation) {
        super(source ? `${source.file}:${source.line}:${source.column}: ${problem}` : problem);
        this.name = 'CompileError';
    }
}

/**
 * Compiles every workflow (and template) of a document. Refuses, with one message per problem,
 * when the document has parse, link or validation errors: a model is only made from a workflow
 * the validator accepted.
 */
export function compileDocument(document: LangiumDocument<ast.FlowFile>, services: FlowServices): { models: WorkflowModel[]; errors: string[] } {
    const errors = documentErrors(document);
    if (errors.length > 0) return { models: [], errors };
    const models: WorkflowModel[] = [];
    for (const element of document.parseResult.value.elements) {
        if (!ast.isWorkflow(element)) continue;
        try {
            models.push(compileWorkflow(element, services));
        } catch (error) {
            if (!(error instanceof CompileError)) throw error;
            errors.push(error.message);
        }
    }
    return { models: errors.length > 0 ? [] : models, errors };
}

/** Errors of a document as `file:line:column: message`, from the lexer, the parser, linking and validation. */
function documentErrors(document: LangiumDocument): string[] {
    const file = fileOf(document);
    const at = (line: number, column: number, message: string) => `${file}:${line}:${column}: ${message}`;
    const errors: string[] = [];
    for (const error of document.parseResult.lexerErrors) {
        errors.push(at(error.line ?? 0, error.column ?? 0, error.message));
    }
    for (const error of document.parseResult.parserErrors) {
        errors.push(at(error.token.startLine ?? 0, error.token.startColumn ?? 0, error.message));
    }
    if (document.diagnostics) {
        for (const diagnostic of document.diagnostics) {
            // Lexer and parser errors are already listed from the parse result.
            const fromParser = diagnostic.data?.code === 'lexing-error' || diagnostic.data?.code === 'parsing-error';
            if (diagnostic.severity === 1 && !fromParser) {
                const message = typeof diagnostic.message === 'string' ? diagnostic.message : diagnostic.message.value;
                errors.push(at(diagnostic.range.start.line + 1, diagnostic.range.start.character + 1, message));
            }
        }
    } else {
        // Built without validation: unresolved references still make a model meaningless.
        for (const reference of document.references) {
            if ('ref' in reference && !reference.ref) {
                const start = reference.$refNode?.range.start;
                errors.push(at((start?.line ?? 0) + 1, (start?.character ?? 0) + 1,
                    `Could not resolve reference to '${reference.$refText}'.`));
            }
        }
    }
    return errors;
}

/** Compiles one workflow; a workflow `from` a template gets the template's body with the arguments as parameter defaults. */
export function compileWorkflow(workflow: ast.Workflow, services: FlowServices): WorkflowModel {
    return new WorkflowCompiler(services, workflow).compile();
}

/**
 * The root-level agents, pools, notifications and custom task types of every document the
 * services have indexed, compiled as a workflow of the workspace sees them. The seed importer
 * takes them, so a seed JSON file in a workspace uses the same agents as a `.flow` file there.
 */
export function compileWorkspaceDeclarations(services: FlowServices): WorkspaceDeclarations {
    return new WorkflowCompiler(services).declarations();
}

function fileOf(document: LangiumDocument): string {
    return document.uri.scheme === 'file' ? document.uri.fsPath : document.uri.toString();
}

/** The text of a `/** ... *\/` comment without its delimiters and leading stars, lines kept. */
function commentText(comment: string): string {
    const body = comment.replace(/^\/\*\*/, '').replace(/\*\/$/, '');
    const lines = body.split(/\r?\n/).map(line => line.replace(/^\s*\* ?/, '').trimEnd());
    while (lines.length > 0 && lines[0].trim() === '') lines.shift();
    while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
    return lines.join('\n').trim();
}

type Schedulable = ast.Task | ast.Batch;

const BUILTIN_DOCUMENT_URI = URI.parse(BUILTIN_URI).toString();

class WorkflowCompiler {
    private readonly members: ast.WorkflowMember[];
    private readonly argumentValues = new Map<string, Json>();
    private readonly policies: Policies = defaultPolicies();
    private readonly types: Record<string, TaskTypeDef> = {};
    private readonly typeNodes = new Map<ast.TaskType, TaskTypeDef>();
    private readonly pools: PoolDef[] = [];
    private readonly tasks: TaskDef[] = [];
    private readonly phases: PhaseDef[] = [];
    private readonly layouts: PhaseLayout[] = [];
    private readonly checkpoints: MarkerDef[] = [];
    private readonly milestones: MarkerDef[] = [];

    /** Without a workflow, only {@link declarations} is meaningful. */
    constructor(private readonly services: FlowServices, private readonly workflow?: ast.Workflow) {
        this.members = workflow ? this.collectMembers(workflow) : [];
    }

    /** The template's members (recursively, for templates made from templates), then the workflow's own. */
    private collectMembers(workflow: ast.Workflow): ast.WorkflowMember[] {
        const chain: ast.Workflow[] = [];
        for (let current: ast.Workflow | undefined = workflow; current; current = current.base?.ref) {
            if (chain.includes(current)) throw this.error(current, `the template chain of ${workflow.name} returns to ${current.name}: remove the cycle of 'from' clauses`);
            chain.unshift(current);
            if (current.base && !current.base.ref) throw this.error(current, `the template ${current.base.$refText} is not defined: declare 'template workflow ${current.base.$refText} { ... }' or fix the name`);
        }
        // Arguments of nearer workflows win over those of templates further up the chain.
        for (const instance of chain) {
            for (const argument of instance.arguments) {
                this.argumentValues.set(this.refName(argument.param, argument), this.literal(argument.value));
            }
        }
        return chain.flatMap(instance => instance.members);
    }

    compile(): WorkflowModel {
        const workflow = this.workflow;
        if (!workflow) throw new Error('WorkflowCompiler.compile needs a workflow');
        const document = AstUtils.getDocument(workflow);
        const comment = this.docComment(workflow) ?? (workflow.base?.ref ? this.docComment(workflow.base.ref) : undefined);
        const model: WorkflowModel = {
            schemaVersion: SCHEMA_VERSION,
            name: workflow.name,
            params: [],
            agents: [],
            pools: this.pools,
            types: this.types,
            notifications: [],
            policies: this.policies,
            phases: this.phases,
            tasks: this.tasks,
            checkpoints: this.checkpoints,
            milestones: this.milestones,
            completion: defaultCompletion(),
            onFailure: emptyOnFailure()
        };
        if (comment !== undefined) model.description = comment;
        if (workflow.template) model.template = true;
        model.source = this.location(workflow, document);

        // Declarations and policies first: tasks resolve their effective values against them.
        const localAgents: AgentDef[] = [];
        const localNotifications: NotificationDef[] = [];
        for (const member of this.members) {
            if (ast.isVersion(member)) model.version = member.value;
            else if (ast.isTitle(member)) model.title = member.value;
            else if (ast.isParam(member)) model.params.push(this.param(member));
            else if (ast.isAgent(member)) localAgents.push(this.agent(member));
            else if (ast.isPool(member)) this.pools.push(this.pool(member));
            else if (ast.isTaskType(member)) this.useType(member);
            else if (ast.isNotification(member)) localNotifications.push(this.notification(member));
            else if (ast.isRetryPolicy(member)) this.policies.retry = this.retry(this.policies.retry, member.members);
            else if (ast.isFailoverPolicy(member)) this.failover(member);
            else if (ast.isBreakerPolicy(member)) this.breaker(member);
            else if (ast.isRollbackPolicy(member)) this.rollback(member);
            else if (ast.isCachePolicy(member)) this.cache(member);
            else if (ast.isSchedulePolicy(member)) this.schedule(member);
            else if (ast.isRecoverPolicy(member)) this.policies.recovery.push(...member.rules.map(rule => this.recoveryRule(rule)));
            else if (ast.isTimeoutPolicy(member)) this.policies.timeoutMs = this.duration(member.value);
        }
        this.applyArguments(model.params);
        model.agents = this.withGlobals(localAgents, ast.Agent.$type, (node: ast.Agent) => this.agent(node));
        this.pools.push(...this.globals(this.pools, ast.Pool.$type, (node: ast.Pool) => this.pool(node)));
        model.notifications = this.withGlobals(localNotifications, ast.Notification.$type, (node: ast.Notification) => this.notification(node));

        for (const member of this.members) {
            if (ast.isPhase(member)) this.phase(member);
            else if (ast.isTask(member) || ast.isBatch(member)) this.task(member);
            else if (ast.isCheckpoint(member) || ast.isMilestone(member)) this.marker(member);
            else if (ast.isCompletion(member)) this.completion(model, member);
            else if (ast.isRecurrence(member)) model.recurrence = this.recurrence(member);
            else if (ast.isOnFailure(member)) this.onFailure(model, member);
        }

        // A workflow's own notifications subscribe to its events; the workspace's are definitions
        // that apply only where the workflow names them (another file's `on completed` target
        // must not hear from every workflow of the workspace).
        const named = new Set([
            ...model.completion.notify, ...model.onFailure.notify,
            ...this.policies.recovery.flatMap(rule => rule.then.action === 'escalate' ? rule.then.notify : [])
        ]);
        const own = new Set(localNotifications.map(notification => notification.name));
        model.notifications = model.notifications.filter(notification => own.has(notification.name) || named.has(notification.name));

        const dependencies = deriveDependencies({ tasks: this.tasks, phases: this.layouts });
        for (const task of this.tasks) task.dependencies = dependencies.get(task.id) ?? task.declaredDependencies;
        return withCanonicalKeyOrder(model);
    }

    declarations(): WorkspaceDeclarations {
        const agents = this.globals<AgentDef, ast.Agent>([], ast.Agent.$type, node => this.agent(node));
        const pools = this.globals<PoolDef, ast.Pool>([], ast.Pool.$type, node => this.pool(node));
        const notifications = this.globals<NotificationDef, ast.Notification>([], ast.Notification.$type, node => this.notification(node));
        // Built-in types are left out: the importer has its own copy of them.
        this.globals<TaskTypeDef, ast.TaskType>([], ast.TaskType.$type, node => this.useType(node));
        const types = Object.fromEntries(Object.entries(this.types).filter(([, type]) => !type.builtin));
        return { agents, pools, notifications, types };
    }

    // -----------------------------------------------------------------------------------------
    // Declarations

    private param(param: ast.Param): ParamDef {
        const result: ParamDef = {
            name: param.name,
            type: ast.isEnumType(param.type) ? { kind: 'enum', values: [...param.type.values] } : { kind: (param.type as ast.PrimitiveType).primitive }
        };
        if (param.default) result.default = this.literal(param.default);
        const description = this.docComment(param);
        if (description !== undefined) result.description = description;
        return result;
    }

    private applyArguments(params: ParamDef[]): void {
        for (const [name, value] of this.argumentValues) {
            const param = params.find(candidate => candidate.name === name);
            if (param) param.default = value;
        }
    }

    private agent(agent: ast.Agent): AgentDef {
        const result: AgentDef = { name: agent.name, capabilities: [], concurrency: DEFAULT_AGENT_CONCURRENCY, weight: DEFAULT_AGENT_WEIGHT };
        for (const member of agent.members) {
            if (ast.isAgentCapabilities(member)) pushUnique(result.capabilities, member.capabilities.map(capability => capability.name));
            else if (ast.isAgentConcurrency(member)) result.concurrency = member.value;
            else if (ast.isAgentWeight(member)) result.weight = member.value;
            else if (ast.isAgentRun(member)) result.run = this.runner(member.runner);
        }
        const description = this.docComment(agent);
        if (description !== undefined) result.description = description;
        return result;
    }

    private pool(pool: ast.Pool): PoolDef {
        const result: PoolDef = { name: pool.name, concurrency: 1, types: [] };
        for (const member of pool.members) {
            if (ast.isPoolConcurrency(member)) result.concurrency = member.value;
            else if (ast.isPoolPriority(member)) result.priority = member.level;
            else if (ast.isPoolTypes(member)) {
                for (const type of member.types) pushUnique(result.types, [this.useType(this.resolve(type, member, 'task type')).name]);
            }
        }
        return result;
    }

    private notification(notification: ast.Notification): NotificationDef {
        const result: NotificationDef = { name: notification.name, on: [] };
        for (const member of notification.members) {
            if (ast.isNotificationOn(member)) pushUnique(result.on, member.events as NotificationDef['on']);
            else if (ast.isNotificationRun(member)) result.run = this.runner(member.runner);
        }
        return result;
    }

    /** Local declarations, then the workspace's root-level ones they do not shadow. */
    private withGlobals<T extends { name: string }, N extends AstNode>(local: T[], type: string, compile: (node: N) => T): T[] {
        return [...local, ...this.globals(local, type, compile)];
    }

    private globals<T extends { name: string }, N extends AstNode>(local: T[], type: string, compile: (node: N) => T): T[] {
        const names = new Set(local.map(entry => entry.name));
        const result: T[] = [];
        for (const description of this.services.shared.workspace.IndexManager.allElements(type)) {
            if (names.has(description.name)) continue;
            const node = description.node ?? this.loadNode(description.documentUri.toString(), description.path);
            if (!node) continue;
            names.add(description.name);
            result.push(compile(node as N));
        }
        return result;
    }

    private loadNode(uri: string, path: string): AstNode | undefined {
        const documents = this.services.shared.workspace.LangiumDocuments;
        const document = documents.all.find(candidate => candidate.uri.toString() === uri);
        return document ? this.services.workspace.AstNodeLocator.getAstNode(document.parseResult.value, path) : undefined;
    }

    /** Adds a type to the model's `types` (once) and returns its definition. */
    private useType(type: ast.TaskType): TaskTypeDef {
        const known = this.typeNodes.get(type);
        if (known) return known;
        const builtin = AstUtils.getDocument(type).uri.toString() === BUILTIN_DOCUMENT_URI;
        const result: TaskTypeDef = { name: type.name, builtin, requires: [], checks: [], parameters: {}, tools: [], permissions: [] };
        this.typeNodes.set(type, result);
        for (const member of type.members) {
            if (ast.isTypeDescription(member)) result.description = member.value;
            else if (ast.isTypeTimeout(member)) result.timeoutMs = this.duration(member.value);
            else if (ast.isTypeRequires(member)) pushUnique(result.requires, member.capabilities.map(capability => capability.name));
            else if (ast.isTypeOutput(member)) result.outputFormat = member.format;
            else if (ast.isTypeChecks(member)) pushUnique(result.checks, member.checks);
            else if (ast.isTypeParameters(member)) Object.assign(result.parameters, this.literal(member.value));
            else if (ast.isTypeTools(member)) pushUnique(result.tools, member.tools);
            else if (ast.isTypePermissions(member)) pushUnique(result.permissions, member.permissions);
            else if (ast.isTypeRollback(member)) result.rollback = member.runner ? this.runner(member.runner) : member.enabled ?? true;
            else if (ast.isTypePool(member)) result.pool = this.refName(member.pool, member);
        }
        if (result.description === undefined) {
            const comment = this.docComment(type);
            if (comment !== undefined) result.description = comment;
        }
        this.types[result.name] = result;
        return result;
    }

    // -----------------------------------------------------------------------------------------
    // Policies

    private retry(base: RetryPolicy, members: readonly ast.RetryMember[]): RetryPolicy {
        const result = clone(base);
        for (const member of members) {
            if (ast.isRetryAttempts(member)) result.attempts = member.value;
            else if (ast.isRetryBackoff(member)) {
                result.backoff = member.kind;
                if (member.base) result.baseMs = this.duration(member.base);
                if (member.max) result.maxMs = this.duration(member.max);
            } else if (ast.isRetryJitter(member)) result.jitter = member.value;
            else if (ast.isRetryOn(member)) result.on = [...new Set(member.kinds)];
            else if (ast.isRetryExitCodes(member)) result.exitCodes = [...new Set(member.codes)];
        }
        return result;
    }

    private failover(policy: ast.FailoverPolicy): void {
        for (const member of policy.members) {
            if (ast.isFailoverAlternatives(member)) this.policies.failover.alternatives = member.value;
            else if (ast.isFailoverDegraded(member)) this.policies.failover.degraded = member.value;
            else if (ast.isFailoverNotify(member)) this.policies.failover.notifyAfter = member.value;
        }
    }

    private breaker(policy: ast.BreakerPolicy): void {
        for (const member of policy.members) {
            if (ast.isBreakerFailures(member)) this.policies.breaker.failures = member.value;
            else if (ast.isBreakerRecovery(member)) this.policies.breaker.recoveryMs = this.duration(member.value);
            else if (ast.isBreakerProbes(member)) this.policies.breaker.probes = member.value;
        }
    }

    private rollback(policy: ast.RollbackPolicy): void {
        for (const member of policy.members) {
            if (ast.isRollbackCheckpoints(member)) this.policies.rollback.checkpoints = member.value;
            else if (ast.isRollbackAtomic(member)) this.policies.rollback.atomic = member.value;
            else if (ast.isRollbackCompensation(member)) this.policies.rollback.compensation = member.value;
        }
    }

    private cache(policy: ast.CachePolicy): void {
        const cache = this.policies.cache;
        for (const member of policy.members) {
            if (ast.isCacheTtl(member)) cache.ttlMs = this.duration(member.value);
            else if (ast.isCacheSize(member)) cache.maxBytes = parseSize(`${member.value}${member.unit}`);
            else if (ast.isCacheEntries(member)) cache.maxEntries = member.value;
            else if (ast.isCacheTypes(member)) {
                for (const type of member.types) pushUnique(cache.types, [this.useType(this.resolve(type, member, 'task type')).name]);
            }
        }
    }

    private schedule(policy: ast.SchedulePolicy): void {
        const scheduling = this.policies.scheduling;
        for (const member of policy.members) {
            if (ast.isScheduleAlgorithm(member)) scheduling.algorithm = member.algorithm;
            else if (ast.isScheduleAging(member)) {
                scheduling.agingFactor = member.factor;
                scheduling.agingIntervalMs = this.duration(member.interval);
            } else if (ast.isScheduleLevel(member)) {
                const level = scheduling.levels[member.level];
                if (member.weight !== undefined) level.weight = member.weight;
                if (member.sla !== undefined) level.slaMs = this.duration(member.sla);
            } else if (ast.isScheduleFactor(member)) {
                const factor = scheduling.factors[member.factor];
                factor.weight = member.weight;
                if (member.curve) factor.curve = member.curve;
            } else if (ast.isScheduleSpillover(member)) {
                scheduling.spillover = member.value;
                if (member.threshold !== undefined) scheduling.spilloverThreshold = member.threshold;
            }
        }
    }

    private recoveryRule(rule: ast.RecoveryRule): { on: string[]; then: RecoveryAction } {
        const action = rule.action;
        let then: RecoveryAction;
        if (ast.isReassignAction(action)) {
            then = { action: 'reassign', timeoutFactor: action.timeoutFactor ?? DEFAULT_REASSIGN_TIMEOUT_FACTOR };
        } else if (ast.isRetryAfterAction(action)) {
            then = { action: 'retry', delayMs: this.duration(action.delay), attempts: action.attempts ?? DEFAULT_RECOVERY_RETRY_ATTEMPTS };
        } else if (ast.isModifyAction(action)) {
            then = { action: 'modify', modifications: this.object(action.modifications) };
        } else {
            const escalate = action as ast.EscalateAction;
            then = {
                action: 'escalate', severity: escalate.severity ?? DEFAULT_ESCALATION_SEVERITY,
                notify: escalate.targets.map(target => this.refName(target, escalate))
            };
        }
        return { on: [...new Set(rule.kinds)], then };
    }

    // -----------------------------------------------------------------------------------------
    // Structure

    private phase(phase: ast.Phase): void {
        const definition: PhaseDef = {
            name: phase.name, mode: phase.mode ?? 'parallel', after: phase.after.map(after => this.refName(after, phase)), streams: [], tasks: []
        };
        const elements: LayoutElement[] = [];
        this.phases.push(definition);
        this.layouts.push({ name: definition.name, mode: definition.mode, after: definition.after, elements });
        for (const member of phase.members) {
            if (ast.isStream(member)) {
                const stream = { name: member.name, mode: member.mode ?? 'parallel', tasks: [] as string[] };
                definition.streams.push(stream);
                elements.push({ kind: 'stream', name: stream.name, mode: stream.mode, tasks: stream.tasks });
                for (const element of member.elements) {
                    if (ast.isTask(element) || ast.isBatch(element)) stream.tasks.push(this.task(element, phase.name, member.name).id);
                    else this.marker(element);
                }
            } else if (ast.isTask(member) || ast.isBatch(member)) {
                const id = this.task(member, phase.name).id;
                definition.tasks.push(id);
                elements.push({ kind: 'task', id });
            } else {
                this.marker(member);
            }
        }
    }

    private marker(marker: ast.Checkpoint | ast.Milestone): void {
        const definition: MarkerDef = { name: marker.name, after: marker.after.map(after => this.refName(after, marker)) };
        if (marker.description !== undefined) definition.description = marker.description;
        (ast.isCheckpoint(marker) ? this.checkpoints : this.milestones).push(definition);
    }

    private task(node: Schedulable, phase?: string, stream?: string): TaskDef {
        const type = this.useType(this.resolve(node.type, node, 'task type'));
        const declared: string[] = node.after.map(after => this.refName(after, node));
        const conditions: ConditionDef[] = [];
        const ownRequires: string[] = [];
        const task: TaskDef = {
            id: node.name,
            kind: ast.isBatch(node) ? 'batch' : 'task',
            type: type.name,
            priority: DEFAULT_PRIORITY,
            retry: clone(this.policies.retry),
            tags: [],
            metadata: {},
            dependencies: [],
            declaredDependencies: declared,
            trigger: DEFAULT_TRIGGER,
            preferredAgents: [],
            requires: [],
            cache: { enabled: this.policies.cache.types.includes(type.name) },
            inputs: {},
            gates: {},
            checks: [...type.checks]
        };
        if (node.description !== undefined) task.description = node.description;
        if (phase !== undefined) task.phase = phase;
        if (stream !== undefined) task.stream = stream;
        if (type.timeoutMs !== undefined) task.timeoutMs = type.timeoutMs;
        if (type.outputFormat !== undefined) task.outputFormat = type.outputFormat;
        let ownPool: string | undefined;
        let cacheTtl: number | undefined;
        const batch = ast.isBatch(node) ? { concurrency: DEFAULT_BATCH_CONCURRENCY, aggregate: 'list', onFailure: 'stop' } as NonNullable<TaskDef['batch']> : undefined;

        for (const member of node.members) {
            if (ast.isTaskPriority(member)) task.priority = member.level;
            else if (ast.isTaskDeadline(member)) task.deadline = this.dateTime(member.value, member);
            else if (ast.isTaskStart(member)) task.startAt = this.dateTime(member.value, member);
            else if (ast.isTaskTimeout(member)) task.timeoutMs = this.duration(member.value);
            else if (ast.isTaskRetry(member)) {
                task.retry = member.attempts !== undefined
                    ? { ...task.retry, attempts: member.attempts }
                    : this.retry(task.retry, member.members);
            } else if (ast.isTaskTags(member)) pushUnique(task.tags, member.tags);
            else if (ast.isTaskMetadata(member)) Object.assign(task.metadata, this.object(member.value));
            else if (ast.isTaskAfter(member)) pushUnique(declared, member.after.map(after => this.refName(after, member)));
            else if (ast.isTaskCondition(member)) conditions.push(this.condition(member));
            else if (ast.isTaskPool(member)) ownPool = this.refName(member.pool, member);
            else if (ast.isTaskAgent(member)) task.agent = this.refName(member.agent, member);
            else if (ast.isTaskPrefer(member)) pushUnique(task.preferredAgents, member.agents.map(agent => this.refName(agent, member)));
            else if (ast.isTaskRequires(member)) pushUnique(ownRequires, member.capabilities.map(capability => capability.name));
            else if (ast.isTaskValue(member)) task.businessValue = member.value;
            else if (ast.isTaskInput(member)) task.inputFile = member.path;
            else if (ast.isTaskOutput(member)) task.outputDir = member.path;
            else if (ast.isTaskNamespace(member)) task.namespace = member.value;
            else if (ast.isTaskTrigger(member)) task.trigger = member.rule;
            else if (ast.isTaskRun(member)) task.run = this.runner(member.runner);
            else if (ast.isTaskCache(member)) {
                task.cache.enabled = member.enabled;
                if (member.ttl !== undefined) cacheTtl = this.duration(member.ttl);
            } else if (ast.isTaskInputs(member)) Object.assign(task.inputs, this.object(member.value));
            else if (ast.isTaskGates(member)) Object.assign(task.gates, this.object(member.value));
            else if (batch && ast.isBatchItems(member)) {
                if (member.items) batch.items = member.items.values.map(value => this.literal(value));
                else if (member.glob !== undefined) batch.glob = member.glob;
            } else if (batch && ast.isBatchConcurrency(member)) batch.concurrency = member.value;
            else if (batch && ast.isBatchAggregate(member)) batch.aggregate = member.mode;
            else if (batch && ast.isBatchOnFailure(member)) batch.onFailure = member.action;
        }
        task.requires = [...type.requires];
        pushUnique(task.requires, ownRequires);
        const condition = combineConditions(conditions);
        if (condition) task.condition = condition;
        const pool = ownPool ?? type.pool ?? this.pools.find(candidate => candidate.types.includes(type.name))?.name;
        if (pool !== undefined) task.pool = pool;
        if (task.cache.enabled) {
            const ttl = cacheTtl ?? this.policies.cache.ttlMs;
            if (ttl !== undefined) task.cache.ttlMs = ttl;
        }
        if (batch) task.batch = batch;
        task.source = this.location(node);
        this.tasks.push(task);
        return task;
    }

    private condition(member: ast.TaskCondition): ConditionDef {
        return {
            expression: this.expression(member.condition),
            action: member.skip ? 'skip' : 'execute',
            text: member.condition.$cstNode?.text ?? ''
        };
    }

    private completion(model: WorkflowModel, completion: ast.Completion): void {
        for (const member of completion.members) {
            if (ast.isCompletionCriteria(member)) model.completion.criteria = member.criteria;
            else if (ast.isCompletionRequire(member)) model.completion.require = this.expression(member.condition);
            else if (ast.isCompletionNotify(member)) pushUnique(model.completion.notify, member.targets.map(target => this.refName(target, member)));
            else if (ast.isCompletionDeliverables(member)) pushUnique(model.completion.deliverables, member.deliverables);
        }
    }

    private recurrence(recurrence: ast.Recurrence): NonNullable<WorkflowModel['recurrence']> {
        const result: NonNullable<WorkflowModel['recurrence']> = recurrence.daily
            ? { kind: 'daily', time: recurrence.time ?? '' }
            : { kind: 'cron', expression: recurrence.cron ?? '' };
        if (recurrence.timezone !== undefined) result.timezone = recurrence.timezone;
        if (recurrence.start !== undefined) result.start = this.dateTime(recurrence.start, recurrence);
        return result;
    }

    private onFailure(model: WorkflowModel, onFailure: ast.OnFailure): void {
        for (const action of onFailure.actions) {
            if (ast.isCompensate(action)) {
                const run: RunnerDef = action.runner ? this.runner(action.runner) : { kind: 'shell', command: action.command ?? '' };
                model.onFailure.compensate.push({ task: this.refName(action.task, action), run });
            } else if (ast.isFailureNotify(action)) {
                pushUnique(model.onFailure.notify, action.targets.map(target => this.refName(target, action)));
            } else if (ast.isFailureEscalate(action)) {
                model.onFailure.escalate = action.severity ?? DEFAULT_ESCALATION_SEVERITY;
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Runners, expressions, literals

    private runner(runner: ast.Runner): RunnerDef {
        if (ast.isShellRunner(runner)) return { kind: 'shell', command: runner.command };
        if (ast.isNodeRunner(runner)) return runner.exportName !== undefined ? { kind: 'node', module: runner.module, export: runner.exportName } : { kind: 'node', module: runner.module };
        if (ast.isHttpRunner(runner)) {
            const result: Extract<RunnerDef, { kind: 'http' }> = {
                kind: 'http', method: (runner.method ?? DEFAULT_HTTP_METHOD).toUpperCase(), url: runner.url, headers: {}
            };
            for (const option of runner.options) {
                if (ast.isHttpHeaders(option)) Object.assign(result.headers, this.object(option.headers));
                else if (ast.isHttpBody(option)) result.body = option.body;
                else if (ast.isHttpTimeout(option)) result.timeoutMs = this.duration(option.value);
            }
            return result;
        }
        if (ast.isVscodeTaskRunner(runner)) return { kind: 'vscode_task', label: runner.label };
        if (ast.isLmRunner(runner)) {
            const result: Extract<RunnerDef, { kind: 'lm' }> = { kind: 'lm', prompt: runner.prompt };
            for (const option of runner.options) {
                if (ast.isLmModel(option)) result.model = option.value;
                else if (ast.isLmSystem(option)) result.system = option.value;
            }
            return result;
        }
        if (ast.isSleepRunner(runner)) return { kind: 'sleep', ms: this.duration(runner.duration) };
        if (ast.isEchoRunner(runner)) return { kind: 'echo', value: this.literal(runner.value) };
        const fail = runner as ast.FailRunner;
        const result: Extract<RunnerDef, { kind: 'fail' }> = { kind: 'fail', message: fail.message };
        if (fail.kind !== undefined) result.errorKind = fail.kind;
        if (fail.exitCode !== undefined) result.exitCode = fail.exitCode;
        return result;
    }

    /** An expression tree; parentheses disappear (the tree's shape keeps their meaning). */
    private expression(node: ast.Expression | ast.UnaryExpression | ast.PrimaryExpression | ast.MemberAccess): Expression {
        if (ast.isBinaryExpression(node)) {
            return { kind: 'binary', operator: node.operator, left: this.expression(node.left), right: this.expression(node.right) };
        }
        if (ast.isNotExpression(node)) return { kind: 'not', operand: this.expression(node.operand) };
        if (ast.isNegationExpression(node)) return { kind: 'negate', operand: this.expression(node.operand) };
        if (ast.isMemberAccess(node)) return { kind: 'member', object: this.expression(node.receiver), property: node.member };
        if (ast.isParenExpression(node)) return this.expression(node.expression);
        if (ast.isParamRef(node)) return { kind: 'param', name: this.refName(node.param, node) };
        if (ast.isItemRef(node)) return { kind: 'item' };
        if (ast.isTaskRef(node)) return { kind: 'task', task: this.refName(node.task, node) };
        return { kind: 'literal', value: this.literal(node as ast.Literal) };
    }

    private literal(node: ast.Literal): Json {
        if (ast.isStringLiteral(node)) return node.value;
        if (ast.isNumberLiteral(node)) return node.negative ? -node.value : node.value;
        if (ast.isDurationLiteral(node)) return this.duration(node.value);
        if (ast.isDateTimeLiteral(node)) return this.dateTime(node.value, node);
        if (ast.isBooleanLiteral(node)) return node.value;
        if (ast.isNullLiteral(node)) return null;
        if (ast.isArrayLiteral(node)) return node.values.map(value => this.literal(value));
        return this.object(node as ast.ObjectLiteral);
    }

    private object(node: ast.ObjectLiteral): Record<string, Json> {
        const result: Record<string, Json> = {};
        for (const entry of node.entries) result[entry.key] = this.literal(entry.value);
        return result;
    }

    private duration(text: string): number {
        return parseDuration(text);
    }

    private dateTime(text: string, node: AstNode): string {
        const problem = dateTimeProblem(text);
        if (problem) throw this.error(node, `${problem}.`);
        return text;
    }

    // -----------------------------------------------------------------------------------------
    // Names, locations, comments

    private resolve<T extends AstNode>(reference: Reference<T>, node: AstNode, what: string): T {
        if (!reference.ref) {
            throw this.error(node, `unknown ${what} '${reference.$refText}': declare it or correct the name`);
        }
        return reference.ref;
    }

    private refName(reference: Reference<AstNode & { name: string }>, node: AstNode): string {
        if (!reference.ref) {
            throw this.error(node, `unknown name '${reference.$refText}': declare it or correct the name`);
        }
        return reference.ref.name;
    }

    private location(node: AstNode, document: LangiumDocument = AstUtils.getDocument(node)): SourceLocation {
        const start = node.$cstNode?.range.start;
        return { file: fileOf(document), line: (start?.line ?? 0) + 1, column: (start?.character ?? 0) + 1 };
    }

    private error(node: AstNode, message: string): CompileError {
        return new CompileError(message, this.location(node));
    }

    private docComment(node: AstNode): string | undefined {
        const comment = this.services.documentation.CommentProvider.getComment(node);
        if (!comment || !comment.startsWith('/**')) return undefined;
        const text = commentText(comment);
        return text.length > 0 ? text : undefined;
    }
}

function pushUnique<T>(target: T[], values: readonly T[]): void {
    for (const value of values) if (!target.includes(value)) target.push(value);
}
