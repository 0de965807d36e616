/**
 * The generator behind `flowctl convert`: a {@link WorkflowModel} (usually imported from the
 * seed's JSON) written back as a formatted `.flow` file. Compiling the output gives the same
 * model (apart from source locations): effective values the model carries are written only
 * where they differ from what the language would derive on its own (type defaults, workflow
 * policies, pools by type, phase structure), so the file stays as short as the source would be.
 */
import {
    BUILTIN_TASK_TYPES, DEFAULT_AGENT_CONCURRENCY, DEFAULT_AGENT_WEIGHT, DEFAULT_BATCH_CONCURRENCY, DEFAULT_BREAKER,
    DEFAULT_ESCALATION_SEVERITY, DEFAULT_FAILOVER, DEFAULT_HTTP_METHOD, DEFAULT_PRIORITY,
    DEFAULT_REASSIGN_TIMEOUT_FACTOR, DEFAULT_RECOVERY_RETRY_ATTEMPTS, DEFAULT_RETRY, DEFAULT_ROLLBACK, DEFAULT_SCHEDULING,
    DEFAULT_TRIGGER, PRIORITY_LEVELS, formatDuration, isIsoDateTime, jsonEquals, printExpression, printNumber, quoteString, sizeToUnit,
    type AgentDef, type Json, type MarkerDef, type NotificationDef, type ParamDef, type PhaseDef, type PoolDef,
    type RecoveryRule, type RetryPolicy, type RunnerDef, type ScoreFactor, type TaskDef, type TaskTypeDef, type WorkflowModel
} from '@flow/model';
import type { WorkspaceDeclarations } from './seed-importer.js';

/** A model that has something the language cannot write; the message names the part and what to change. */
export class GenerateError extends Error {
    constructor(message: string) {
        super(message);
        this.name = 'GenerateError';
    }
}

const INDENT = '  ';
/** Literals longer than this on one line are written one entry per line. */
const MAX_INLINE_LITERAL = 80;
const RESERVED = new Set(['and', 'or', 'not', 'true', 'false', 'null', 'param']);
const IDENTIFIER = /^[_a-zA-Z][_a-zA-Z0-9]*$/;

export interface GenerateOptions {
    /**
     * Declarations of the workspace the file will be part of. Agents, pools, notifications and
     * custom task types of the model that are identical to the workspace's are not written: the
     * file uses the workspace's, as the model did. @default none
     */
    workspace?: WorkspaceDeclarations;
}

/** Writes a model as an equivalent, formatted `.flow` file. */
export function modelToFlow(model: WorkflowModel, options: GenerateOptions = {}): string {
    return new FlowWriter(model, options.workspace).write();
}

class FlowWriter {
    private readonly lines: string[] = [];
    private depth = 0;

    constructor(private readonly model: WorkflowModel, private readonly workspace?: WorkspaceDeclarations) {}

    /** Whether the workspace declares exactly this, so the file need not. */
    private fromWorkspace(kind: 'agents' | 'pools' | 'notifications', declaration: { name: string }): boolean {
        const declared = this.workspace?.[kind].find(candidate => candidate.name === declaration.name);
        return declared !== undefined && jsonEquals(declared as unknown as Json, declaration as unknown as Json);
    }

    write(): string {
        const model = this.model;
        this.docComment(model.description);
        this.line(`${model.template ? 'template ' : ''}workflow ${this.name(model.name, 'workflow name')} {`);
        this.depth++;
        if (model.title !== undefined) this.line(`title ${quoteString(model.title)}`);
        if (model.version !== undefined) this.line(`version ${quoteString(model.version)}`);
        for (const param of model.params) this.param(param);
        this.section(() => model.agents.filter(agent => !this.fromWorkspace('agents', agent)).forEach(agent => this.agent(agent)));
        this.section(() => {
            model.pools.filter(pool => !this.fromWorkspace('pools', pool)).forEach(pool => this.pool(pool));
            Object.values(model.types)
                .filter(type => !type.builtin && !jsonEquals(this.workspace?.types[type.name] as unknown as Json ?? null, type as unknown as Json))
                .forEach(type => this.taskType(type));
            model.notifications.filter(notification => !this.fromWorkspace('notifications', notification)).forEach(notification => this.notification(notification));
        });
        this.section(() => this.policies());
        this.section(() => this.elements());
        this.section(() => {
            model.checkpoints.forEach(marker => this.marker('checkpoint', marker));
            model.milestones.forEach(marker => this.marker('milestone', marker));
        });
        this.section(() => {
            this.completion();
            this.recurrence();
            this.onFailure();
        });
        this.depth--;
        this.line('}');
        return this.lines.join('\n') + '\n';
    }

    // -----------------------------------------------------------------------------------------
    // Output helpers

    private line(text: string): void {
        for (const part of text.split('\n')) this.lines.push(INDENT.repeat(this.depth) + part);
    }

    /** Runs `body`; if it wrote anything, separates it from what came before with a blank line. */
    private section(body: () => void): void {
        const before = this.lines.length;
        body();
        if (this.lines.length > before && before > 1 && this.lines[before - 1].trim() !== '' && !this.lines[before - 1].endsWith('{')) {
            this.lines.splice(before, 0, '');
        }
    }

    /** A statement with a body: one line when it fits, else one member per line. */
    private block(header: string, members: string[], always = false): void {
        if (members.length === 0) {
            this.line(always ? `${header} {}` : header);
            return;
        }
        const inline = `${header} { ${members.join(' ')} }`;
        if (inline.length + INDENT.length * this.depth <= 100 && !members.some(member => member.includes('\n'))) {
            this.line(inline);
            return;
        }
        this.line(`${header} {`);
        this.depth++;
        for (const member of members) {
            this.line(member);
        }
        this.depth--;
        this.line('}');
    }

    private docComment(text: string | undefined): void {
        if (text === undefined) return;
        const safe = text.replace(/\*\//g, '*\\/').split('\n');
        if (safe.length === 1) {
            this.line(`/** ${safe[0]} */`);
            return;
        }
        this.line('/**');
        for (const part of safe) this.line(part.length > 0 ? ` * ${part}` : ' *');
        this.line(' */');
    }

    private name(value: string, what: string): string {
        if (!IDENTIFIER.test(value) || RESERVED.has(value)) {
            throw new GenerateError(`The ${what} "${value}" cannot be written as a .flow name: names use letters, digits and _, ` +
                `do not start with a digit and are not one of ${[...RESERVED].join(', ')}. Rename it in the model.`);
        }
        return value;
    }

    private names(values: readonly string[], what: string): string {
        return values.map(value => this.name(value, what)).join(', ');
    }

    // -----------------------------------------------------------------------------------------
    // Declarations

    private param(param: ParamDef): void {
        this.docComment(param.description);
        const type = param.type.kind === 'enum' ? param.type.values.map(quoteString).join(' | ') : param.type.kind;
        if (param.type.kind === 'enum' && param.type.values.length < 2) {
            throw new GenerateError(`Parameter ${param.name} is an enumeration of one value; .flow enumerations list at least two. Make it a string parameter.`);
        }
        let text = `param ${this.name(param.name, 'parameter name')}: ${type}`;
        if (param.default !== undefined) {
            // Durations and date-times have literals of their own; the model holds them as a number and a string.
            const value = param.type.kind === 'duration' && typeof param.default === 'number' ? formatDuration(param.default)
                : param.type.kind === 'datetime' && typeof param.default === 'string' && isIsoDateTime(param.default) ? param.default
                : this.literal(param.default);
            text += ` = ${value}`;
        }
        this.line(text);
    }

    private agent(agent: AgentDef): void {
        this.docComment(agent.description);
        const members: string[] = [];
        if (agent.capabilities.length > 0) members.push(`capabilities ${this.names(agent.capabilities, 'capability')}`);
        if (agent.concurrency !== DEFAULT_AGENT_CONCURRENCY) members.push(`concurrency ${printNumber(agent.concurrency)}`);
        if (agent.weight !== DEFAULT_AGENT_WEIGHT) members.push(`weight ${printNumber(agent.weight)}`);
        if (agent.run) members.push(`run ${this.runner(agent.run)}`);
        this.block(`agent ${this.name(agent.name, 'agent name')}`, members, true);
    }

    private pool(pool: PoolDef): void {
        const members = [`concurrency ${printNumber(pool.concurrency)}`];
        if (pool.priority !== undefined) members.push(`priority ${pool.priority}`);
        if (pool.types.length > 0) members.push(`types ${this.names(pool.types, 'task type')}`);
        this.block(`pool ${this.name(pool.name, 'pool name')}`, members, true);
    }

    private taskType(type: TaskTypeDef): void {
        const members: string[] = [];
        if (type.description !== undefined) members.push(`description ${quoteString(type.description)}`);
        if (type.timeoutMs !== undefined) members.push(`timeout ${formatDuration(type.timeoutMs)}`);
        if (type.requires.length > 0) members.push(`requires ${this.names(type.requires, 'capability')}`);
        if (type.outputFormat !== undefined) members.push(`output ${this.name(type.outputFormat, 'output format')}`);
        if (type.checks.length > 0) members.push(`checks ${this.names(type.checks, 'quality check')}`);
        if (Object.keys(type.parameters).length > 0) members.push(`parameters ${this.literal(type.parameters)}`);
        if (type.tools.length > 0) members.push(`tools ${this.names(type.tools, 'tool')}`);
        if (type.permissions.length > 0) members.push(`permissions ${this.names(type.permissions, 'permission')}`);
        if (type.rollback !== undefined) members.push(`rollback ${typeof type.rollback === 'boolean' ? type.rollback : this.runner(type.rollback)}`);
        if (type.pool !== undefined) members.push(`pool ${this.name(type.pool, 'pool name')}`);
        this.block(`type ${this.name(type.name, 'task type name')}`, members, true);
    }

    private notification(notification: NotificationDef): void {
        const members: string[] = [];
        if (notification.on.length > 0) members.push(`on ${notification.on.join(', ')}`);
        if (notification.run) members.push(`run ${this.runner(notification.run)}`);
        this.block(`notification ${this.name(notification.name, 'notification name')}`, members);
    }

    // -----------------------------------------------------------------------------------------
    // Policies: only what differs from the defaults.

    private policies(): void {
        const policies = this.model.policies;
        const retry = this.retryMembers(DEFAULT_RETRY, policies.retry);
        if (retry.length > 0) this.block('retry', retry);

        const failover: string[] = [];
        if (policies.failover.alternatives !== DEFAULT_FAILOVER.alternatives) failover.push(`alternatives ${policies.failover.alternatives}`);
        if (policies.failover.degraded !== DEFAULT_FAILOVER.degraded) failover.push(`degraded ${policies.failover.degraded}`);
        if (policies.failover.notifyAfter !== undefined) failover.push(`notify after ${printNumber(policies.failover.notifyAfter)}`);
        if (failover.length > 0) this.block('failover', failover);

        const breaker: string[] = [];
        if (policies.breaker.failures !== DEFAULT_BREAKER.failures) breaker.push(`failures ${printNumber(policies.breaker.failures)}`);
        if (policies.breaker.recoveryMs !== DEFAULT_BREAKER.recoveryMs) breaker.push(`recovery ${formatDuration(policies.breaker.recoveryMs)}`);
        if (policies.breaker.probes !== DEFAULT_BREAKER.probes) breaker.push(`probes ${printNumber(policies.breaker.probes)}`);
        if (breaker.length > 0) this.block('breaker', breaker);

        const rollback: string[] = [];
        for (const key of ['checkpoints', 'atomic', 'compensation'] as const) {
            if (policies.rollback[key] !== DEFAULT_ROLLBACK[key]) rollback.push(`${key} ${policies.rollback[key]}`);
        }
        if (rollback.length > 0) this.block('rollback', rollback);

        const cache: string[] = [];
        if (policies.cache.ttlMs !== undefined) cache.push(`ttl ${formatDuration(policies.cache.ttlMs)}`);
        if (policies.cache.maxBytes !== undefined) {
            const size = sizeToUnit(policies.cache.maxBytes);
            if (!Number.isInteger(size.value * 1024) && size.unit === 'KB') {
                throw new GenerateError(`The cache size of ${policies.cache.maxBytes} bytes cannot be written in KB, MB or GB; round it to whole kilobytes.`);
            }
            cache.push(`size ${printNumber(size.value)} ${size.unit}`);
        }
        if (policies.cache.maxEntries !== undefined) cache.push(`entries ${printNumber(policies.cache.maxEntries)}`);
        if (policies.cache.types.length > 0) cache.push(`types ${this.names(policies.cache.types, 'task type')}`);
        if (cache.length > 0) this.block('cache', cache);

        const schedule = this.scheduleMembers();
        if (schedule.length > 0) this.block('schedule', schedule);

        if (policies.recovery.length > 0) this.block('recover', policies.recovery.map(rule => this.recoveryRule(rule)));
        if (policies.timeoutMs !== undefined) this.line(`timeout ${formatDuration(policies.timeoutMs)}`);
    }

    /** The retry statements that turn `base` into `retry`. */
    private retryMembers(base: RetryPolicy, retry: RetryPolicy): string[] {
        const members: string[] = [];
        if (retry.attempts !== base.attempts) members.push(`attempts ${printNumber(retry.attempts)}`);
        if (retry.backoff !== base.backoff || retry.baseMs !== base.baseMs || retry.maxMs !== base.maxMs) {
            if (retry.maxMs === undefined && base.maxMs !== undefined) {
                throw new GenerateError('A task retry policy drops the workflow\'s maximum backoff, which .flow cannot write; give the task a maximum.');
            }
            members.push(`backoff ${retry.backoff} ${formatDuration(retry.baseMs)}${retry.maxMs !== undefined ? ` max ${formatDuration(retry.maxMs)}` : ''}`);
        }
        if (retry.jitter !== base.jitter) members.push(`jitter ${printNumber(retry.jitter)}`);
        if (!jsonEquals(retry.on, base.on)) {
            if (retry.on.length === 0) throw new GenerateError('A retry policy with no retryable error kinds cannot be written; use attempts 1 to disable retries.');
            members.push(`on ${this.names(retry.on, 'error kind')}`);
        }
        if (!jsonEquals(retry.exitCodes, base.exitCodes)) {
            if (retry.exitCodes.length === 0) throw new GenerateError('A task cannot clear the workflow\'s retryable exit codes in .flow; list them on the task instead.');
            members.push(`exit ${retry.exitCodes.map(printNumber).join(', ')}`);
        }
        return members;
    }

    private scheduleMembers(): string[] {
        const scheduling = this.model.policies.scheduling;
        const members: string[] = [];
        if (scheduling.algorithm !== DEFAULT_SCHEDULING.algorithm) members.push(`algorithm ${scheduling.algorithm}`);
        if (scheduling.agingFactor !== DEFAULT_SCHEDULING.agingFactor || scheduling.agingIntervalMs !== DEFAULT_SCHEDULING.agingIntervalMs) {
            members.push(`aging ${printNumber(scheduling.agingFactor)} every ${formatDuration(scheduling.agingIntervalMs)}`);
        }
        for (const level of PRIORITY_LEVELS) {
            const actual = scheduling.levels[level];
            const standard = DEFAULT_SCHEDULING.levels[level];
            let text = '';
            if (actual.weight !== standard.weight) text += ` weight ${printNumber(actual.weight)}`;
            if (actual.slaMs !== standard.slaMs) text += ` sla ${formatDuration(actual.slaMs)}`;
            if (text) members.push(`level ${level}${text}`);
        }
        for (const factor of Object.keys(DEFAULT_SCHEDULING.factors) as ScoreFactor[]) {
            const actual = scheduling.factors[factor];
            const standard = DEFAULT_SCHEDULING.factors[factor];
            if (actual.weight !== standard.weight || actual.curve !== standard.curve) {
                members.push(`factor ${factor} ${printNumber(actual.weight)}${actual.curve !== standard.curve ? ` ${actual.curve}` : ''}`);
            }
        }
        if (scheduling.spillover !== DEFAULT_SCHEDULING.spillover || scheduling.spilloverThreshold !== DEFAULT_SCHEDULING.spilloverThreshold) {
            members.push(`spillover ${scheduling.spillover}${scheduling.spilloverThreshold !== DEFAULT_SCHEDULING.spilloverThreshold ? ` threshold ${printNumber(scheduling.spilloverThreshold)}` : ''}`);
        }
        return members;
    }

    private recoveryRule(rule: RecoveryRule): string {
        const action = rule.then;
        let text: string;
        switch (action.action) {
            case 'reassign':
                text = action.timeoutFactor === DEFAULT_REASSIGN_TIMEOUT_FACTOR ? 'reassign' : `reassign timeout x ${printNumber(action.timeoutFactor)}`;
                break;
            case 'retry':
                text = `retry after ${formatDuration(action.delayMs)}${action.attempts !== DEFAULT_RECOVERY_RETRY_ATTEMPTS ? ` attempts ${printNumber(action.attempts)}` : ''}`;
                break;
            case 'modify':
                text = `modify ${this.literal(action.modifications)}`;
                break;
            case 'escalate':
                text = `escalate ${action.severity}${action.notify.length > 0 ? ` notify ${this.names(action.notify, 'notification name')}` : ''}`;
                break;
        }
        return `on ${this.names(rule.on, 'error kind')} ${text}`;
    }

    // -----------------------------------------------------------------------------------------
    // Phases, streams, tasks

    /**
     * Tasks in model order; a phase is written whole where its first task appears, and a phase
     * without tasks where the model lists it, so that compiling keeps the order of both lists.
     */
    private elements(): void {
        const written = new Set<string>();
        const phases = new Map(this.model.phases.map(phase => [phase.name, phase]));
        const hasTasks = new Set(this.model.tasks.flatMap(task => task.phase === undefined ? [] : [task.phase]));
        let next = 0;
        const writeEmptyPhasesBefore = (limit: number) => {
            for (; next < limit; next++) {
                const phase = this.model.phases[next];
                if (!hasTasks.has(phase.name) && !written.has(phase.name)) {
                    written.add(phase.name);
                    this.phase(phase);
                }
            }
        };
        for (const task of this.model.tasks) {
            if (task.phase === undefined) {
                this.task(task);
            } else if (!written.has(task.phase)) {
                const phase = phases.get(task.phase);
                if (!phase) throw new GenerateError(`Task ${task.id} is in phase ${task.phase}, which the model does not define; add it to phases.`);
                writeEmptyPhasesBefore(this.model.phases.indexOf(phase));
                written.add(task.phase);
                this.phase(phase);
            }
        }
        writeEmptyPhasesBefore(this.model.phases.length);
    }

    private phase(phase: PhaseDef): void {
        const tasks = new Map(this.model.tasks.map(task => [task.id, task]));
        let header = `phase ${this.name(phase.name, 'phase name')}`;
        if (phase.mode === 'sequential') header += ' sequential';
        if (phase.after.length > 0) header += ` after ${this.names(phase.after, 'phase name')}`;
        this.line(`${header} {`);
        this.depth++;
        // Streams and direct tasks interleave as their tasks do in the model's declaration order.
        const position = new Map(this.model.tasks.map((task, index) => [task.id, index]));
        const order = [
            ...phase.tasks.map(id => ({ at: position.get(id) ?? Infinity, write: () => this.task(this.taskNamed(tasks, id)) })),
            ...phase.streams.map(stream => ({
                at: stream.tasks.length > 0 ? position.get(stream.tasks[0]) ?? Infinity : Infinity,
                write: () => {
                    const streamHeader = `stream ${this.name(stream.name, 'stream name')}${stream.mode === 'sequential' ? ' sequential' : ''}`;
                    this.line(`${streamHeader} {`);
                    this.depth++;
                    stream.tasks.forEach(id => this.task(this.taskNamed(tasks, id)));
                    this.depth--;
                    this.line('}');
                }
            }))
        ].sort((a, b) => a.at - b.at);
        for (const element of order) element.write();
        this.depth--;
        this.line('}');
    }

    private taskNamed(tasks: Map<string, TaskDef>, id: string): TaskDef {
        const task = tasks.get(id);
        if (!task) throw new GenerateError(`A phase lists task ${id}, which the model does not define; add it to tasks or remove it from the phase.`);
        return task;
    }

    private task(task: TaskDef): void {
        const type = this.model.types[task.type] ?? BUILTIN_TASK_TYPES[task.type];
        if (!type) throw new GenerateError(`Task ${task.id} has type ${task.type}, which is neither built in nor in the model's types; add it to types.`);
        let header = `${task.kind} ${this.name(task.id, 'task id')}: ${this.name(task.type, 'task type')}`;
        if (task.description !== undefined) header += ` ${quoteString(task.description)}`;
        if (task.declaredDependencies.length > 0) header += ` after ${this.names(task.declaredDependencies, 'task id')}`;
        const members: string[] = [];
        if (task.priority !== DEFAULT_PRIORITY) members.push(`priority ${task.priority}`);
        if (task.deadline !== undefined) members.push(`deadline ${task.deadline}`);
        if (task.startAt !== undefined) members.push(`start ${task.startAt}`);
        if (task.timeoutMs !== type.timeoutMs) {
            if (task.timeoutMs === undefined) throw new GenerateError(`Task ${task.id} has no timeout although its type ${type.name} has one; .flow cannot remove a type's timeout. Give the task a timeout.`);
            members.push(`timeout ${formatDuration(task.timeoutMs)}`);
        }
        const retry = this.retryMembers(this.model.policies.retry, task.retry);
        if (retry.length === 1 && retry[0].startsWith('attempts ')) members.push(`retry ${retry[0].slice('attempts '.length)}`);
        else if (retry.length > 0) members.push(`retry { ${retry.join(' ')} }`);
        if (task.tags.length > 0) members.push(`tags ${this.names(task.tags, 'tag')}`);
        if (Object.keys(task.metadata).length > 0) members.push(`metadata ${this.literal(task.metadata)}`);
        if (task.condition) {
            const text = task.condition.text.trim() || printExpression(task.condition.expression);
            members.push(`${task.condition.action === 'skip' ? 'skip ' : ''}when ${text}`);
        }
        if (task.trigger !== DEFAULT_TRIGGER) members.push(`trigger ${task.trigger}`);
        const derivedPool = type.pool ?? this.model.pools.find(pool => pool.types.includes(type.name))?.name;
        if (task.pool !== derivedPool) {
            if (task.pool === undefined) throw new GenerateError(`Task ${task.id} is in no pool although pool ${derivedPool} takes its type; .flow cannot take a task out of it.`);
            members.push(`pool ${this.name(task.pool, 'pool name')}`);
        }
        if (task.agent !== undefined) members.push(`agent ${this.name(task.agent, 'agent name')}`);
        if (task.preferredAgents.length > 0) members.push(`prefer ${this.names(task.preferredAgents, 'agent name')}`);
        const ownRequires = task.requires.filter(capability => !type.requires.includes(capability));
        if (ownRequires.length > 0) members.push(`requires ${this.names(ownRequires, 'capability')}`);
        if (task.businessValue !== undefined) members.push(`value ${printNumber(task.businessValue)}`);
        if (task.inputFile !== undefined) members.push(`input ${quoteString(task.inputFile)}`);
        if (task.outputDir !== undefined) members.push(`output ${quoteString(task.outputDir)}`);
        if (task.namespace !== undefined) members.push(`namespace ${quoteString(task.namespace)}`);
        const cache = this.cacheMember(task);
        if (cache) members.push(cache);
        if (Object.keys(task.inputs).length > 0) members.push(`inputs ${this.literal(task.inputs)}`);
        if (Object.keys(task.gates).length > 0) members.push(`gates ${this.literal(task.gates)}`);
        if (task.batch) {
            const batch = task.batch;
            if (batch.items !== undefined) members.push(`items ${this.literal(batch.items)}`);
            else if (batch.glob !== undefined) members.push(`items from ${quoteString(batch.glob)}`);
            if (batch.concurrency !== DEFAULT_BATCH_CONCURRENCY) members.push(`concurrency ${printNumber(batch.concurrency)}`);
            if (batch.aggregate !== 'list') members.push(`aggregate ${batch.aggregate}`);
            if (batch.onFailure !== 'stop') members.push(`on failure ${batch.onFailure}`);
        }
        if (task.run) members.push(`run ${this.runner(task.run)}`);
        this.block(header, members, task.kind === 'batch');
    }

    /** `cache ...` when the task's caching differs from what its type and the cache policy give it. */
    private cacheMember(task: TaskDef): string | undefined {
        const policy = this.model.policies.cache;
        const enabledByType = policy.types.includes(task.type);
        const ttl = task.cache.enabled ? task.cache.ttlMs : undefined;
        const ttlByPolicy = task.cache.enabled ? policy.ttlMs : undefined;
        if (task.cache.enabled === enabledByType && ttl === ttlByPolicy) return undefined;
        if (ttl === ttlByPolicy) return `cache ${task.cache.enabled}`;
        if (ttl === undefined) throw new GenerateError(`Task ${task.id} is cached without the cache policy's ttl, which .flow cannot write; give it a ttl.`);
        return `cache true ttl ${formatDuration(ttl)}`;
    }

    private marker(keyword: 'checkpoint' | 'milestone', marker: MarkerDef): void {
        let text = `${keyword} ${this.name(marker.name, `${keyword} name`)} after ${this.names(marker.after, 'task id')}`;
        if (marker.description !== undefined) text += ` ${quoteString(marker.description)}`;
        this.line(text);
    }

    private completion(): void {
        const completion = this.model.completion;
        const members: string[] = [];
        if (completion.criteria !== 'all_tasks_completed') members.push(`criteria ${completion.criteria}`);
        if (completion.require) members.push(`require ${printExpression(completion.require)}`);
        if (completion.notify.length > 0) members.push(`notify ${this.names(completion.notify, 'notification name')}`);
        if (completion.deliverables.length > 0) members.push(`deliverables ${this.names(completion.deliverables, 'deliverable')}`);
        if (members.length > 0) this.block('completion', members);
    }

    private recurrence(): void {
        const recurrence = this.model.recurrence;
        if (!recurrence) return;
        let text = recurrence.kind === 'daily' ? `repeat daily at ${quoteString(recurrence.time)}` : `repeat cron ${quoteString(recurrence.expression)}`;
        if (recurrence.timezone !== undefined) text += ` timezone ${quoteString(recurrence.timezone)}`;
        if (recurrence.start !== undefined) text += ` starting ${recurrence.start}`;
        this.line(text);
    }

    private onFailure(): void {
        const onFailure = this.model.onFailure;
        const members: string[] = [];
        for (const entry of onFailure.compensate) {
            const how = entry.run.kind === 'shell' ? quoteString(entry.run.command) : `run ${this.runner(entry.run)}`;
            members.push(`compensate ${this.name(entry.task, 'task id')} with ${how}`);
        }
        if (onFailure.notify.length > 0) members.push(`notify ${this.names(onFailure.notify, 'notification name')}`);
        if (onFailure.escalate !== undefined) {
            members.push(onFailure.escalate === DEFAULT_ESCALATION_SEVERITY ? 'escalate' : `escalate ${onFailure.escalate}`);
        }
        if (members.length > 0) this.block('on failure', members);
    }

    // -----------------------------------------------------------------------------------------
    // Runners and literals

    private runner(runner: RunnerDef): string {
        switch (runner.kind) {
            case 'shell': return `shell ${quoteString(runner.command)}`;
            case 'node': return `node ${quoteString(runner.module)}${runner.export !== undefined ? ` export ${this.name(runner.export, 'export name')}` : ''}`;
            case 'http': {
                const options: string[] = [];
                if (Object.keys(runner.headers).length > 0) options.push(`headers ${this.literal(runner.headers)}`);
                if (runner.body !== undefined) options.push(`body ${quoteString(runner.body)}`);
                if (runner.timeoutMs !== undefined) options.push(`timeout ${formatDuration(runner.timeoutMs)}`);
                const method = (runner.method || DEFAULT_HTTP_METHOD).toLowerCase();
                return `http ${method} ${quoteString(runner.url)}${options.length > 0 ? ` { ${options.join(' ')} }` : ''}`;
            }
            case 'vscode_task': return `vscode_task ${quoteString(runner.label)}`;
            case 'lm': {
                const options: string[] = [];
                if (runner.model !== undefined) options.push(`model ${quoteString(runner.model)}`);
                if (runner.system !== undefined) options.push(`system ${quoteString(runner.system)}`);
                return `lm ${quoteString(runner.prompt)}${options.length > 0 ? ` { ${options.join(' ')} }` : ''}`;
            }
            case 'sleep': return `sleep ${formatDuration(runner.ms)}`;
            case 'echo': return `echo ${this.literal(runner.value)}`;
            case 'fail': {
                let text = `fail ${quoteString(runner.message)}`;
                if (runner.errorKind !== undefined) text += ` kind ${this.name(runner.errorKind, 'error kind')}`;
                if (runner.exitCode !== undefined) text += ` exit ${printNumber(runner.exitCode)}`;
                return text;
            }
        }
    }

    /** A JSON value as a literal: on one line when short, else one entry per line, indented from `depth`. */
    private literal(value: Json): string {
        const inline = inlineLiteral(value);
        if (inline.length <= MAX_INLINE_LITERAL || value === null || typeof value !== 'object') return inline;
        const entries = Array.isArray(value)
            ? value.map(entry => this.literal(entry))
            : Object.entries(value).map(([key, entry]) => `${literalKey(key)}: ${this.literal(entry)}`);
        if (entries.length === 0) return inline;
        const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
        const body = entries.map(entry => entry.split('\n').map(part => INDENT + part).join('\n')).join(',\n');
        return `${open}\n${body}\n${close}`;
    }
}

function inlineLiteral(value: Json): string {
    if (Array.isArray(value)) return `[${value.map(inlineLiteral).join(', ')}]`;
    if (value !== null && typeof value === 'object') {
        const entries = Object.entries(value).map(([key, entry]) => `${literalKey(key)}: ${inlineLiteral(entry)}`);
        return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
    }
    if (typeof value === 'string') return quoteString(value);
    if (typeof value === 'number') return printNumber(value);
    return String(value);
}

/** An object key: bare when it is a name, quoted otherwise. */
function literalKey(key: string): string {
    return IDENTIFIER.test(key) && !RESERVED.has(key) ? key : quoteString(key);
}
