import {
    AstUtils, type AstNode, type AstNodeLocator, Cancellation, GrammarUtils, type IndexManager, interruptAndCheck,
    type LangiumDocuments, type ValidationAcceptor, type ValidationChecks, WorkspaceCache
} from 'langium';
import { Cron } from 'croner';
import type { DiagnosticRelatedInformation, Location, Range } from 'vscode-languageserver-types';
import type { FlowServices } from '../flow-module.js';
import * as ast from '../generated/ast.js';
import type { FlowTaskGraph, CycleEdge, EdgeSource } from '../workflow/flow-task-graph.js';
import {
    expressionSpan, findInterpolatedStrings, interpolationNodeRange, workflowNames, type Interpolation
} from '../workflow/interpolation.js';
import { checkExpression, describeType, literalType, paramType, type ExpressionContext } from './expression-checker.js';
import { IssueCodes, type IssueCode } from './issue-codes.js';
import { closestName } from './suggestions.js';
import { durationToMs, formatDuration, parseDateTime } from './values.js';

type CancellationToken = Cancellation.CancellationToken;

/** A named declaration (every declaration of the language has a `name`). */
type Named = AstNode & { name?: string };

/** Reports a problem inside an interpolation, at a node of its expression (or a property of it). */
type InterpolationReport = (
    severity: 'error' | 'warning', message: string, code: IssueCode, at: AstNode | undefined,
    data?: Record<string, unknown>, property?: string
) => void;

/** An agent as far as capability checks care. */
interface AgentOffer {
    name: string;
    capabilities: ReadonlySet<string>;
}

/** Registers the Flow checks with Langium's validation registry. */
export function registerValidationChecks(services: FlowServices): void {
    const registry = services.validation.ValidationRegistry;
    const validator = services.validation.FlowValidator;
    const checks: ValidationChecks<ast.FlowAstType> = {
        FlowFile: [validator.rootNamesMustBeUnique, validator.interpolationsMustBeValid],
        Workflow: [
            validator.workflowNamesMustBeUnique, validator.dependenciesMustNotFormCycle,
            validator.tasksMustHaveCapableAgent, validator.templateInstantiationMustMatch
        ],
        Task: [validator.conditionMustReferenceUpstreamTask, validator.deadlineMustLeaveTimeToRun, validator.dependenciesMustNotRepeat],
        Batch: [
            validator.conditionMustReferenceUpstreamTask, validator.deadlineMustLeaveTimeToRun, validator.dependenciesMustNotRepeat,
            validator.batchMustHaveItems
        ],
        TaskCondition: validator.conditionMustBeWellTyped,
        CompletionRequire: validator.conditionMustBeWellTyped,
        Param: validator.paramDefaultMustMatchType,
        TaskDeadline: validator.dateTimeMustExist,
        TaskStart: validator.dateTimeMustExist,
        DateTimeLiteral: validator.dateTimeMustExist,
        Recurrence: [validator.dateTimeMustExist, validator.recurrenceMustBeValid],
        TaskTimeout: validator.durationMustBePositive,
        TypeTimeout: validator.durationMustBePositive,
        TimeoutPolicy: validator.durationMustBePositive,
        HttpTimeout: validator.durationMustBePositive,
        BreakerRecovery: validator.durationMustBePositive,
        CacheTtl: validator.durationMustBePositive,
        TaskCache: validator.durationMustBePositive,
        ScheduleAging: [validator.durationMustBePositive, validator.valueMustBeInRange],
        ScheduleLevel: [validator.durationMustBePositive, validator.valueMustBeInRange],
        AgentConcurrency: validator.valueMustBeInRange,
        PoolConcurrency: validator.valueMustBeInRange,
        BatchConcurrency: validator.valueMustBeInRange,
        RetryAttempts: validator.valueMustBeInRange,
        TaskRetry: validator.valueMustBeInRange,
        RetryAfterAction: validator.valueMustBeInRange,
        RetryJitter: validator.valueMustBeInRange,
        RetryExitCodes: validator.valueMustBeInRange,
        RetryBackoff: validator.valueMustBeInRange,
        BreakerFailures: validator.valueMustBeInRange,
        BreakerProbes: validator.valueMustBeInRange,
        FailoverNotify: validator.valueMustBeInRange,
        AgentWeight: validator.valueMustBeInRange,
        ScheduleFactor: validator.valueMustBeInRange,
        ScheduleSpillover: validator.valueMustBeInRange,
        FailRunner: validator.valueMustBeInRange,
        CacheSize: validator.valueMustBeInRange,
        CacheEntries: validator.valueMustBeInRange,
        ReassignAction: validator.valueMustBeInRange
    };
    registry.register(checks, validator);
}

/** What each kind of declaration is called in messages. */
const KIND_NAMES: Record<string, string> = {
    Task: 'task', Batch: 'batch', Checkpoint: 'checkpoint', Milestone: 'milestone', Phase: 'phase', Stream: 'stream',
    Param: 'parameter', Agent: 'agent', Pool: 'pool', TaskType: 'task type', Notification: 'notification',
    Workflow: 'workflow', Argument: 'argument'
};

/** Number ranges: the property checked, the rule, and how the rule reads in a message. */
interface RangeRule {
    property: string;
    label: string;
    valid(value: number): boolean;
    expectation: string;
}

const atLeastOneInteger = (property: string, label: string): RangeRule => ({
    property, label, valid: value => Number.isInteger(value) && value >= 1, expectation: 'a whole number of at least 1'
});
const positive = (property: string, label: string): RangeRule => ({
    property, label, valid: value => value > 0, expectation: 'greater than 0'
});
const fraction = (property: string, label: string): RangeRule => ({
    property, label, valid: value => value >= 0 && value <= 1, expectation: 'between 0 and 1'
});
const exitCode = (property: string, label: string): RangeRule => ({
    property, label, valid: value => Number.isInteger(value) && value >= 0 && value <= 255,
    expectation: 'a whole number from 0 to 255'
});

const RANGE_RULES: Record<string, RangeRule[]> = {
    AgentConcurrency: [atLeastOneInteger('value', 'An agent\'s concurrency')],
    PoolConcurrency: [atLeastOneInteger('value', 'A pool\'s concurrency')],
    BatchConcurrency: [atLeastOneInteger('value', 'A batch\'s concurrency')],
    RetryAttempts: [atLeastOneInteger('value', 'The number of attempts')],
    TaskRetry: [atLeastOneInteger('attempts', 'The number of attempts')],
    RetryAfterAction: [atLeastOneInteger('attempts', 'The number of attempts')],
    RetryJitter: [fraction('value', 'Jitter')],
    RetryExitCodes: [exitCode('codes', 'An exit code')],
    BreakerFailures: [atLeastOneInteger('value', 'The failure count that opens the breaker')],
    BreakerProbes: [atLeastOneInteger('value', 'The number of probes')],
    FailoverNotify: [atLeastOneInteger('value', 'The failover count')],
    AgentWeight: [positive('value', 'An agent\'s weight')],
    ScheduleAging: [{ property: 'factor', label: 'The aging factor', valid: value => value >= 1, expectation: 'at least 1 (1 means no aging)' }],
    ScheduleLevel: [positive('weight', 'A priority level\'s weight')],
    ScheduleFactor: [fraction('weight', 'A score factor\'s weight')],
    ScheduleSpillover: [fraction('threshold', 'The spillover threshold')],
    FailRunner: [exitCode('exitCode', 'An exit code')],
    CacheSize: [positive('value', 'The cache size')],
    CacheEntries: [atLeastOneInteger('value', 'The number of cache entries')],
    ReassignAction: [positive('timeoutFactor', 'The timeout factor')]
};

/** Durations that must be longer than zero, by node type: property and what it is. */
const POSITIVE_DURATIONS: Record<string, [property: string, label: string]> = {
    TaskTimeout: ['value', 'A timeout'],
    TypeTimeout: ['value', 'A timeout'],
    TimeoutPolicy: ['value', 'A workflow timeout'],
    HttpTimeout: ['value', 'A request timeout'],
    BreakerRecovery: ['value', 'The breaker\'s recovery time'],
    CacheTtl: ['value', 'A cache time to live'],
    TaskCache: ['ttl', 'A cache time to live'],
    ScheduleAging: ['interval', 'The aging interval'],
    ScheduleLevel: ['sla', 'An SLA']
};

/**
 * The Flow checks. Each is named after the rule it enforces and reports with a stable code from
 * {@link IssueCodes}. Whole-graph questions go to the task graph service. Checks never throw on
 * partial trees: every reference and property may be missing while the user types.
 */
export class FlowValidator {
    protected readonly taskGraph: FlowTaskGraph;
    protected readonly indexManager: IndexManager;
    protected readonly documents: LangiumDocuments;
    protected readonly locator: AstNodeLocator;
    protected readonly services: FlowServices;
    /** Root-level agents of the whole workspace, rebuilt whenever any document changes. */
    protected readonly workspaceAgents: WorkspaceCache<string, AgentOffer[]>;

    constructor(services: FlowServices) {
        this.services = services;
        this.taskGraph = services.workflow.TaskGraph;
        this.indexManager = services.shared.workspace.IndexManager;
        this.documents = services.shared.workspace.LangiumDocuments;
        this.locator = services.workspace.AstNodeLocator;
        this.workspaceAgents = new WorkspaceCache(services.shared);
    }

    // -----------------------------------------------------------------------------------------
    // Names

    rootNamesMustBeUnique = (file: ast.FlowFile, accept: ValidationAcceptor): void => {
        const elements = file.elements ?? [];
        this.reportDuplicates(elements.filter(ast.isWorkflow), 'in this file', accept);
        for (const kind of [ast.isAgent, ast.isPool, ast.isTaskType, ast.isNotification]) {
            this.reportDuplicates((elements as AstNode[]).filter(kind) as Named[], 'at the top level of this file', accept);
        }
    };

    workflowNamesMustBeUnique = async (workflow: ast.Workflow, accept: ValidationAcceptor, cancelToken: CancellationToken): Promise<void> => {
        const elements: Named[] = [];
        const phases: Named[] = [];
        const byKind = new Map<string, Named[]>();
        for (const member of workflow.members ?? []) {
            if (ast.isPhase(member)) {
                phases.push(member);
                const streams: Named[] = [];
                for (const phaseMember of member.members ?? []) {
                    if (ast.isStream(phaseMember)) {
                        streams.push(phaseMember);
                        elements.push(...phaseMember.elements ?? []);
                    } else {
                        elements.push(phaseMember);
                    }
                }
                this.reportDuplicates(streams, `in phase '${member.name}'`, accept);
            } else if (ast.isTask(member) || ast.isBatch(member) || ast.isCheckpoint(member) || ast.isMilestone(member)) {
                elements.push(member);
            } else if (ast.isParam(member) || ast.isAgent(member) || ast.isPool(member) || ast.isTaskType(member) || ast.isNotification(member)) {
                let list = byKind.get(member.$type);
                if (!list) byKind.set(member.$type, list = []);
                list.push(member);
            }
        }
        await interruptAndCheck(cancelToken);
        // Tasks, batches, checkpoints and milestones share one namespace: phases and streams only group.
        this.reportDuplicates(elements, 'in this workflow', accept);
        this.reportDuplicates(phases, 'in this workflow', accept);
        for (const list of byKind.values()) this.reportDuplicates(list, 'in this workflow', accept);
    };

    protected reportDuplicates(nodes: Named[], where: string, accept: ValidationAcceptor): void {
        const first = new Map<string, Named>();
        for (const node of nodes) {
            const name = node.name;
            if (name === undefined || name === '') continue;
            const earlier = first.get(name);
            if (!earlier) {
                first.set(name, node);
                continue;
            }
            const kind = KIND_NAMES[earlier.$type] ?? 'declaration';
            const line = (earlier.$cstNode?.range.start.line ?? 0) + 1;
            accept('error', `Duplicate name '${name}': ${withArticle(kind)} named '${name}' is already declared ${where} (line ${line}). Rename one of them.`, {
                node, property: 'name', code: IssueCodes.DuplicateName, data: { code: IssueCodes.DuplicateName, name },
                relatedInformation: this.related(earlier, 'name', `the first '${name}'`)
            });
        }
    }

    // -----------------------------------------------------------------------------------------
    // Dependencies

    dependenciesMustNotFormCycle = async (workflow: ast.Workflow, accept: ValidationAcceptor, cancelToken: CancellationToken): Promise<void> => {
        const cycles = this.taskGraph.cycles(workflow);
        const reported: EdgeSource[] = [];
        for (const cycle of cycles) {
            await interruptAndCheck(cancelToken);
            const shownPath = abbreviatePath(cycle.path);
            const message = `Dependency cycle: ${shownPath.join(' -> ')}. Remove one of these dependencies.`;
            cycle.edges.forEach((edge, position) => {
                const source = edge.source;
                if (reported.some(known => known.node === source.node && known.property === source.property && known.index === source.index)) {
                    return;
                }
                reported.push(source);
                // The neighbouring edges of the cycle, not all of them: a cycle may be thousands long.
                const relatedInformation = nearby(cycle.edges, position, MAX_RELATED_EDGES)
                    .flatMap(other => this.related(other.source.node, other.source.property, describeEdge(other), other.source.index));
                accept('error', message, {
                    node: source.node, property: source.property, index: source.index, code: IssueCodes.DependencyCycle,
                    data: { code: IssueCodes.DependencyCycle, cycle: shownPath }, relatedInformation
                });
            });
        }
    };

    conditionMustReferenceUpstreamTask = (task: ast.Schedulable, accept: ValidationAcceptor): void => {
        const graph = this.taskGraph.graphOfTask(task);
        if (!graph) return;
        for (const member of task.members ?? []) {
            if (!ast.isTaskCondition(member) || !member.condition) continue;
            for (const node of AstUtils.streamAst(member.condition)) {
                if (!ast.isTaskRef(node)) continue;
                const referenced = node.task?.ref;
                if (!referenced) continue;
                const problem = this.upstreamProblem(task, referenced, 'its condition', graph.isUpstream(task, referenced));
                if (problem) accept('error', problem.message, { node, code: IssueCodes.ConditionNotUpstream, data: problem.data });
            }
        }
    };

    /** Why a task may not read another one's outcome, or undefined when it may. */
    protected upstreamProblem(task: ast.Schedulable, referenced: ast.Schedulable, where: string, upstream: boolean):
        { message: string; data: Record<string, unknown> } | undefined {
        if (referenced === task) {
            return {
                message: `'${task.name}' reads its own outcome in ${where}, which is decided before it runs.`,
                data: { code: IssueCodes.ConditionNotUpstream, task: task.name }
            };
        }
        if (upstream) return undefined;
        return {
            message: `'${task.name}' reads '${referenced.name}' in ${where}, but '${referenced.name}' is not upstream of '${task.name}', so it may not have finished. Add 'after ${referenced.name}'.`,
            data: { code: IssueCodes.ConditionNotUpstream, task: task.name, missing: referenced.name }
        };
    }

    dependenciesMustNotRepeat = (task: ast.Schedulable, accept: ValidationAcceptor): void => {
        const seen = new Set<ast.Schedulable>();
        const visit = (node: AstNode, references: ast.Task['after'] | undefined) => {
            (references ?? []).forEach((reference, index) => {
                const target = reference?.ref;
                if (!target) return;
                if (seen.has(target)) {
                    accept('warning', `'${task.name}' already waits for '${target.name}'; remove the repeated dependency.`, {
                        node, property: 'after', index, code: IssueCodes.DuplicateDependency,
                        data: { code: IssueCodes.DuplicateDependency, task: task.name, dependency: target.name }
                    });
                }
                seen.add(target);
            });
        };
        visit(task, task.after);
        for (const member of task.members ?? []) {
            if (ast.isTaskAfter(member)) visit(member, member.after);
        }
    };

    // -----------------------------------------------------------------------------------------
    // Agents and capabilities

    tasksMustHaveCapableAgent = async (workflow: ast.Workflow, accept: ValidationAcceptor, cancelToken: CancellationToken): Promise<void> => {
        const graph = this.taskGraph.graphOf(workflow);
        const offers = [...this.localAgents(workflow), ...this.rootAgents()];
        const verdicts = new Map<string, boolean>();
        for (const task of graph.tasks) {
            await interruptAndCheck(cancelToken);
            if ((task.members ?? []).some(ast.isTaskRun)) continue;
            const required = requiredCapabilities(task);
            if (required.length === 0) continue;
            const assignment = (task.members ?? []).filter(ast.isTaskAgent).at(-1);
            const assigned = assignment?.agent?.ref;
            if (assignment && assigned) {
                const offered = capabilitiesOf(assigned);
                const missing = required.filter(capability => !offered.has(capability));
                if (missing.length > 0) {
                    accept('error', `Agent '${assigned.name}' lacks ${listWords(missing)}, which task '${task.name}' requires, so it could never run it. Add ${missing.length === 1 ? 'it' : 'them'} to the agent's capabilities or assign another agent.`, {
                        node: assignment, property: 'agent', code: IssueCodes.NoCapableAgent,
                        data: { code: IssueCodes.NoCapableAgent, capabilities: missing, agent: assigned.name, task: task.name }
                    });
                }
                continue;
            }
            const key = required.join(',');
            let capable = verdicts.get(key);
            if (capable === undefined) {
                capable = offers.some(offer => required.every(capability => offer.capabilities.has(capability)));
                verdicts.set(key, capable);
            }
            if (!capable) {
                accept('error', `No agent offers every capability that ${KIND_NAMES[task.$type]} '${task.name}' requires (${required.join(', ')}), so it could never run. Declare an agent with 'capabilities ${required.join(', ')}', or give the ${KIND_NAMES[task.$type]} its own 'run'.`, {
                    node: task, property: 'name', code: IssueCodes.NoCapableAgent,
                    data: { code: IssueCodes.NoCapableAgent, capabilities: required, task: task.name }
                });
            }
        }
    };

    protected localAgents(workflow: ast.Workflow): AgentOffer[] {
        return (workflow.members ?? []).filter(ast.isAgent).map(agent => ({ name: agent.name, capabilities: capabilitiesOf(agent) }));
    }

    /** Agents declared at the top level of any document of the workspace. */
    protected rootAgents(): AgentOffer[] {
        return this.workspaceAgents.get('agents', () => {
            const offers: AgentOffer[] = [];
            for (const description of this.indexManager.allElements(ast.Agent.$type)) {
                let node = description.node;
                if (!node) {
                    const document = this.documents.getDocument(description.documentUri);
                    node = document ? this.locator.getAstNode(document.parseResult.value, description.path) : undefined;
                }
                if (ast.isAgent(node)) offers.push({ name: node.name, capabilities: capabilitiesOf(node) });
            }
            return offers;
        });
    }

    // -----------------------------------------------------------------------------------------
    // Expressions and conditions

    conditionMustBeWellTyped = (holder: ast.TaskCondition | ast.CompletionRequire, accept: ValidationAcceptor): void => {
        const condition = holder.condition;
        if (!condition) return;
        const batch = AstUtils.getContainerOfType(holder, ast.isBatch);
        const textDocument = AstUtils.getDocument(holder).textDocument;
        const context: ExpressionContext = {
            resolveParam: ref => ref.param?.ref,
            resolveTask: ref => ref.task?.ref,
            inBatch: batch !== undefined,
            report: (severity, message, node, code, data) => {
                const span = expressionSpan(node);
                const range = span
                    ? { start: textDocument.positionAt(span.offset), end: textDocument.positionAt(span.offset + span.length) }
                    : undefined;
                accept(severity, message, { node, range, code, data: { code, ...data } });
            }
        };
        const type = checkExpression(condition, context);
        const what = ast.isTaskCondition(holder) ? 'A condition' : 'A completion requirement';
        if (type !== 'boolean' && type !== 'unknown' && type !== 'task') {
            accept('error', `${what} must be true or false, but this is ${describeType(type)}.`, {
                node: holder, property: 'condition', code: IssueCodes.TypeMismatch,
                data: { code: IssueCodes.TypeMismatch, expected: 'boolean', actual: type }
            });
        }
        const readsSomething = AstUtils.streamAst(condition).some(node => ast.isTaskRef(node) || ast.isParamRef(node) || ast.isItemRef(node));
        if (!readsSomething) {
            accept('warning', `${what} that reads no task, parameter or item has the same value on every run. Remove it, or make it depend on a task result, a parameter or the batch item.`, {
                node: holder, property: 'condition', code: IssueCodes.ConstantCondition, data: { code: IssueCodes.ConstantCondition }
            });
        }
    };

    interpolationsMustBeValid = async (file: ast.FlowFile, accept: ValidationAcceptor, cancelToken: CancellationToken): Promise<void> => {
        const document = AstUtils.getDocument(file);
        const textDocument = document.textDocument;
        const rangeOf = (offset: number, length: number): Range => ({
            start: textDocument.positionAt(offset), end: textDocument.positionAt(offset + length)
        });
        for (const string of findInterpolatedStrings(file, this.services)) {
            await interruptAndCheck(cancelToken);
            const workflow = AstUtils.getContainerOfType(string.node, ast.isWorkflow);
            const task = AstUtils.getContainerOfType(string.node, (node): node is ast.Schedulable => ast.isTask(node) || ast.isBatch(node));
            for (const interpolation of string.interpolations) {
                const report: InterpolationReport = (severity, message, code, at, data, property) => {
                    const { offset, length } = at ? interpolationNodeRange(interpolation, at, property) : interpolation;
                    accept(severity, message, { node: string.node, range: rangeOf(offset, length), code, data: { code, ...data } });
                };
                if (interpolation.syntaxErrors.length > 0 || !interpolation.expression) {
                    report('error', `Invalid interpolation: ${interpolation.syntaxErrors[0] ?? 'it holds no expression'}.`, IssueCodes.InvalidInterpolation, undefined);
                    continue;
                }
                this.checkInterpolation(interpolation, workflow, task, report);
            }
        }
    };

    protected checkInterpolation(
        interpolation: Interpolation, workflow: ast.Workflow | undefined, task: ast.Schedulable | undefined,
        report: InterpolationReport
    ): void {
        const expression = interpolation.expression!;
        const names = workflow ? workflowNames(workflow) : undefined;
        // Outside a workflow (a shared agent's command) names resolve per workflow at run time.
        if (names) {
            for (const node of AstUtils.streamAst(expression)) {
                if (ast.isParamRef(node)) {
                    const name = node.param?.$refText;
                    if (name !== undefined && !names.params.has(name)) {
                        const suggestion = closestName(name, names.params.keys());
                        report('error', `Unknown parameter '${name}'.${suggestion ? ` Did you mean '${suggestion}'?` : ''}`, IssueCodes.UnknownReference,
                            node, { refText: name, ...(suggestion ? { suggestion } : {}) }, 'param');
                    }
                } else if (ast.isTaskRef(node)) {
                    const name = node.task?.$refText;
                    if (name === undefined) continue;
                    const referenced = names.tasks.get(name);
                    if (!referenced) {
                        const suggestion = names.params.has(name) ? `param.${name}` : closestName(name, names.tasks.keys());
                        report('error', `Unknown task '${name}'.${suggestion ? ` Did you mean '${suggestion}'?` : ''}`, IssueCodes.UnknownReference,
                            node, { refText: name, ...(suggestion ? { suggestion } : {}) });
                    } else if (task) {
                        const graph = this.taskGraph.graphOfTask(task);
                        const problem = this.upstreamProblem(task, referenced, 'an interpolation', graph?.isUpstream(task, referenced) ?? false);
                        if (problem) report('error', problem.message, IssueCodes.ConditionNotUpstream, node, problem.data);
                    }
                }
            }
        }
        const insideBatch = ast.isBatch(task);
        const context: ExpressionContext = {
            resolveParam: ref => names?.params.get(ref.param?.$refText ?? ''),
            resolveTask: ref => names?.tasks.get(ref.task?.$refText ?? ''),
            inBatch: insideBatch,
            report: (severity, message, node, code, data) => report(severity, message, code, node, data)
        };
        checkExpression(expression, context);
    }

    // -----------------------------------------------------------------------------------------
    // Values: parameters, templates, date-times, durations, ranges

    paramDefaultMustMatchType = (param: ast.Param, accept: ValidationAcceptor): void => {
        if (!param.default) return;
        const problem = valueProblem(param.default, param);
        if (problem) {
            accept('error', `The default of parameter '${param.name}' ${problem}.`, {
                node: param, property: 'default', code: IssueCodes.TypeMismatch, data: { code: IssueCodes.TypeMismatch }
            });
        }
    };

    templateInstantiationMustMatch = (workflow: ast.Workflow, accept: ValidationAcceptor): void => {
        if (!workflow.base) return;
        const template = workflow.base.ref;
        if (!template) return;
        if (!template.template) {
            accept('error', `'${template.name}' is not a template: declare it as 'template workflow ${template.name}' to instantiate it with 'from'.`, {
                node: workflow, property: 'base', code: IssueCodes.NotATemplate, data: { code: IssueCodes.NotATemplate, template: template.name }
            });
            return;
        }
        const given = new Map<ast.Param, ast.Argument>();
        for (const argument of workflow.arguments ?? []) {
            const param = argument.param?.ref;
            if (!param) continue;
            const earlier = given.get(param);
            if (earlier) {
                accept('error', `Parameter '${param.name}' is given twice; remove one of the values.`, {
                    node: argument, property: 'param', code: IssueCodes.DuplicateName, data: { code: IssueCodes.DuplicateName, name: param.name },
                    relatedInformation: this.related(earlier, 'param', 'the first value')
                });
                continue;
            }
            given.set(param, argument);
            const problem = argument.value ? valueProblem(argument.value, param) : undefined;
            if (problem) {
                accept('error', `The value of parameter '${param.name}' ${problem}.`, {
                    node: argument, property: 'value', code: IssueCodes.TypeMismatch, data: { code: IssueCodes.TypeMismatch }
                });
            }
        }
        const missing = (template.members ?? []).filter(ast.isParam).filter(param => !param.default && !given.has(param)).map(param => param.name);
        if (missing.length > 0) {
            accept('error', `Template '${template.name}' needs a value for ${listWords(missing.map(name => `'${name}'`))}, which ${missing.length === 1 ? 'has' : 'have'} no default: add ${missing.map(name => `${name}: ...`).join(', ')} to the arguments.`, {
                node: workflow, property: 'base', code: IssueCodes.MissingArgument,
                data: { code: IssueCodes.MissingArgument, template: template.name, missing }
            });
        }
    };

    dateTimeMustExist = (node: ast.TaskDeadline | ast.TaskStart | ast.DateTimeLiteral | ast.Recurrence, accept: ValidationAcceptor): void => {
        const property = ast.isRecurrence(node) ? 'start' : 'value';
        const text = ast.isRecurrence(node) ? node.start : node.value;
        if (!text) return;
        const parsed = parseDateTime(text);
        if (!parsed.valid) {
            accept('error', `'${text}' is not a real date-time: ${parsed.problem}.`, {
                node, property, code: IssueCodes.InvalidDateTime, data: { code: IssueCodes.InvalidDateTime }
            });
        }
    };

    durationMustBePositive = (node: AstNode, accept: ValidationAcceptor): void => {
        const rule = POSITIVE_DURATIONS[node.$type];
        if (!rule) return;
        const [property, label] = rule;
        const text = (node as unknown as Record<string, unknown>)[property];
        if (typeof text !== 'string') return;
        if (durationToMs(text) === 0) {
            accept('error', `${label} of ${text} is not possible: use a duration longer than zero.`, {
                node, property, code: IssueCodes.InvalidDuration, data: { code: IssueCodes.InvalidDuration }
            });
        }
    };

    valueMustBeInRange = (node: AstNode, accept: ValidationAcceptor): void => {
        for (const rule of RANGE_RULES[node.$type] ?? []) {
            const value = (node as unknown as Record<string, unknown>)[rule.property];
            const values = Array.isArray(value) ? value : [value];
            values.forEach((entry, index) => {
                if (typeof entry !== 'number' || rule.valid(entry)) return;
                accept('error', `${rule.label} must be ${rule.expectation}, not ${entry}.`, {
                    node, property: rule.property, index: Array.isArray(value) ? index : undefined, code: IssueCodes.OutOfRange,
                    data: { code: IssueCodes.OutOfRange }
                });
            });
        }
        if (ast.isRetryBackoff(node) && node.base && node.max) {
            const base = durationToMs(node.base);
            const max = durationToMs(node.max);
            if (base !== undefined && max !== undefined && max < base) {
                accept('error', `The longest delay (max ${node.max}) must not be shorter than the base delay ${node.base}.`, {
                    node, property: 'max', code: IssueCodes.OutOfRange, data: { code: IssueCodes.OutOfRange }
                });
            }
        }
    };

    deadlineMustLeaveTimeToRun = (task: ast.Schedulable, accept: ValidationAcceptor): void => {
        const members = task.members ?? [];
        const deadline = members.filter(ast.isTaskDeadline).at(-1);
        if (!deadline?.value) return;
        const deadlineValue = parseDateTime(deadline.value);
        if (!deadlineValue.valid) return;
        const ownStart = members.filter(ast.isTaskStart).at(-1)?.value;
        const workflow = AstUtils.getContainerOfType(task, ast.isWorkflow);
        const startText = ownStart ?? workflow?.members.filter(ast.isRecurrence).find(recurrence => recurrence.start)?.start;
        if (!startText) return;
        const start = parseDateTime(startText);
        if (!start.valid) return;
        const startLabel = ownStart ? 'its start' : 'the workflow\'s first run';
        if (deadlineValue.epochMs < start.epochMs) {
            accept('error', `The deadline ${deadline.value} is before ${startLabel} (${startText}): the task would be late before it may begin.`, {
                node: deadline, property: 'value', code: IssueCodes.DeadlineBeforeStart, data: { code: IssueCodes.DeadlineBeforeStart }
            });
            return;
        }
        const timeoutText = members.filter(ast.isTaskTimeout).at(-1)?.value
            ?? (task.type?.ref?.members ?? []).filter(ast.isTypeTimeout).at(-1)?.value;
        const timeout = durationToMs(timeoutText);
        if (!timeout) return;
        const attempts = effectiveAttempts(task, workflow);
        const needed = timeout * attempts;
        const available = deadlineValue.epochMs - start.epochMs;
        if (needed > available) {
            accept('warning', `The deadline leaves ${formatDuration(available)} after ${startLabel}, but the task may need up to ${formatDuration(needed)} (timeout ${timeoutText}${attempts > 1 ? ` x ${attempts} attempts` : ''}). Move the deadline, or shorten the timeout or the attempts.`, {
                node: deadline, property: 'value', code: IssueCodes.DeadlineTooShort,
                data: { code: IssueCodes.DeadlineTooShort, neededMs: needed, availableMs: available }
            });
        }
    };

    recurrenceMustBeValid = (recurrence: ast.Recurrence, accept: ValidationAcceptor): void => {
        const report = (property: 'time' | 'cron' | 'timezone', message: string) =>
            accept('error', message, { node: recurrence, property, code: IssueCodes.InvalidSchedule, data: { code: IssueCodes.InvalidSchedule } });
        if (recurrence.daily && recurrence.time !== undefined && !/^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$/.test(recurrence.time)) {
            report('time', `'${recurrence.time}' is not a time of day: write it as HH:MM on a 24-hour clock, such as "09:00" or "17:30".`);
        }
        if (recurrence.cron !== undefined) {
            const problem = cronProblem(recurrence.cron);
            if (problem !== undefined) {
                report('cron', `'${recurrence.cron}' is not a cron expression (${problem}): write five fields (minute hour day-of-month month day-of-week), ` +
                    'such as "0 9 * * 1-5", or six with seconds first.');
            }
        }
        if (recurrence.timezone !== undefined && !isTimeZone(recurrence.timezone)) {
            report('timezone', `'${recurrence.timezone}' is not a time zone: use an IANA name such as "UTC" or "Europe/Berlin".`);
        }
    };

    batchMustHaveItems = (batch: ast.Batch, accept: ValidationAcceptor): void => {
        if ((batch.members ?? []).some(ast.isBatchItems)) return;
        accept('error', `Batch '${batch.name}' has no items, so it has nothing to run: add 'items [...]' or 'items from "glob"'.`, {
            node: batch, property: 'name', code: IssueCodes.MissingItems, data: { code: IssueCodes.MissingItems, batch: batch.name }
        });
    };

    // -----------------------------------------------------------------------------------------
    // Helpers

    /** Related information pointing at a node's property, for diagnostics that involve two places. */
    protected related(node: AstNode, property: string, message: string, index?: number): DiagnosticRelatedInformation[] {
        const location = locationOf(node, property, index);
        return location ? [{ location, message }] : [];
    }
}

/** Why croner (the engine's cron library) would refuse an expression, or undefined if it reads it. */
function cronProblem(expression: string): string | undefined {
    try {
        new Cron(expression.trim(), { paused: true, mode: '5-or-6-parts' });
        return undefined;
    } catch (error) {
        return (error as Error).message.replace(/^CronPattern: /, '');
    }
}

function locationOf(node: AstNode, property: string, index?: number): Location | undefined {
    const document = AstUtils.findRootNode(node).$document;
    const cst = GrammarUtils.findNodeForProperty(node.$cstNode, property, index) ?? node.$cstNode;
    if (!document || !cst) return undefined;
    return { uri: document.uri.toString(), range: cst.range };
}

/** How many names of a long cycle a message shows, and how many other edges it points at. */
const MAX_PATH_NAMES = 12;
const MAX_RELATED_EDGES = 8;

/** A long cycle path with its middle elided: `a -> b -> ... (9990 more) -> y -> z -> a`. */
function abbreviatePath(path: string[]): string[] {
    if (path.length <= MAX_PATH_NAMES) return path;
    const head = path.slice(0, MAX_PATH_NAMES / 2);
    const tail = path.slice(path.length - MAX_PATH_NAMES / 2 + 1);
    return [...head, `... (${path.length - head.length - tail.length} more)`, ...tail];
}

/** Up to `count` items around `position` (excluding it), nearest first in cyclic order. */
function nearby<T>(items: T[], position: number, count: number): T[] {
    const result: T[] = [];
    for (let distance = 1; result.length < count && distance <= items.length / 2; distance++) {
        const after = (position + distance) % items.length;
        const before = (position - distance + items.length) % items.length;
        result.push(items[after]);
        if (before !== after && result.length < count) result.push(items[before]);
    }
    return result;
}

/** What a written edge of a cycle says, for related information. */
function describeEdge(edge: CycleEdge): string {
    const { node, property, index } = edge.source;
    if (property === 'after') {
        const owner = ast.isTaskAfter(node) ? node.$container : node as Named;
        const references = (node as unknown as { after?: Array<{ $refText: string }> }).after ?? [];
        const target = references[index ?? 0]?.$refText ?? '?';
        return ast.isPhase(node) ? `phase ${owner.name} after ${target}` : `${owner.name} after ${target}`;
    }
    return `${KIND_NAMES[node.$type] ?? 'group'} ${(node as Named).name} is sequential`;
}

/** The capabilities a task needs: its type's `requires` and its own. */
export function requiredCapabilities(task: ast.Schedulable): string[] {
    const required = new Set<string>();
    for (const member of task.type?.ref?.members ?? []) {
        if (ast.isTypeRequires(member)) for (const capability of member.capabilities ?? []) if (capability.name) required.add(capability.name);
    }
    for (const member of task.members ?? []) {
        if (ast.isTaskRequires(member)) for (const capability of member.capabilities ?? []) if (capability.name) required.add(capability.name);
    }
    return [...required];
}

function capabilitiesOf(agent: ast.Agent): Set<string> {
    const offered = new Set<string>();
    for (const member of agent.members ?? []) {
        if (ast.isAgentCapabilities(member)) for (const capability of member.capabilities ?? []) if (capability.name) offered.add(capability.name);
    }
    return offered;
}

/** Total attempts of a task: its own retry setting, else the workflow's, else one. */
function effectiveAttempts(task: ast.Schedulable, workflow: ast.Workflow | undefined): number {
    for (const retry of (task.members ?? []).filter(ast.isTaskRetry).reverse()) {
        if (retry.attempts !== undefined) return retry.attempts;
        const attempts = (retry.members ?? []).filter(ast.isRetryAttempts).at(-1)?.value;
        if (attempts !== undefined) return attempts;
    }
    for (const policy of (workflow?.members ?? []).filter(ast.isRetryPolicy).reverse()) {
        const attempts = (policy.members ?? []).filter(ast.isRetryAttempts).at(-1)?.value;
        if (attempts !== undefined) return attempts;
    }
    return 1;
}

/** Why a literal does not fit a parameter's declared type, as the end of a sentence; undefined if it fits. */
function valueProblem(literal: ast.Literal, param: ast.Param): string | undefined {
    const actual = literalType(literal);
    if (actual === 'null') return undefined;
    if (ast.isEnumType(param.type)) {
        const values = param.type.values ?? [];
        const allowed = values.map(value => `"${value}"`).join(' | ');
        if (!ast.isStringLiteral(literal)) return `must be one of ${allowed}, but it is ${describeType(actual)}`;
        return values.includes(literal.value) ? undefined : `must be one of ${allowed}, not "${literal.value}"`;
    }
    const expected = paramType(param);
    if (expected === 'unknown' || expected === actual) return undefined;
    return `must be ${describeType(expected)}, but it is ${describeType(actual)}`;
}

function isTimeZone(name: string): boolean {
    try {
        new Intl.DateTimeFormat('en-US', { timeZone: name });
        return true;
    } catch {
        return false;
    }
}

/** `a task`, `an agent`. */
function withArticle(word: string): string {
    return `${/^[aeiou]/.test(word) ? 'an' : 'a'} ${word}`;
}

/** `a`, `a and b`, `a, b and c`. */
function listWords(words: string[]): string {
    return words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}
