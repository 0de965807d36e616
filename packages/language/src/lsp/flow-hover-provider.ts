import { type AstNode, AstUtils, CstUtils, GrammarAST, type IndexManager, isJSDoc, type LangiumDocument, parseJSDoc } from 'langium';
import { AstNodeHoverProvider } from 'langium/lsp';
import type { Hover, HoverParams } from 'vscode-languageserver';
import {
    DEFAULT_AGENT_CONCURRENCY, DEFAULT_AGENT_WEIGHT, DEFAULT_BATCH_CONCURRENCY, DEFAULT_PRIORITY, DEFAULT_RETRY
} from '@flow/model';
import type { FlowServices } from '../flow-module.js';
import * as ast from '../generated/ast.js';
import type { FlowTaskGraph, Dependency } from '../workflow/flow-task-graph.js';
import { expressionText, interpolationNodeRange } from '../workflow/interpolation.js';
import { TASK_MEMBERS } from './flow-completion-provider.js';
import { isBuiltinDeclaration, offeredCapabilities, paramTypeText, typeRequirements, visibleDeclarations } from './declarations.js';
import { docMarkdown } from './doc-comments.js';
import type { FlowInterpolationIndex } from './flow-interpolation-index.js';

/** How many names a hover lists before it says how many more there are. */
const MAX_LISTED = 8;

const ORIGIN_LABELS: Record<Dependency['origin'], string> = { declared: 'after', phase: 'phase order', stream: 'stream order' };

/**
 * Hover on any declaration or reference, also inside `when` expressions and `{{...}}`
 * interpolations: the declaration as written, its doc comment, and for tasks and batches the
 * settings that take effect (the type's defaults merged with the task's own, the retry policy it
 * inherits, priority, pool, agent and the tasks it waits for, from the cached task graph).
 * Each hover costs work proportional to the hovered element, never to the document.
 */
export class FlowHoverProvider extends AstNodeHoverProvider {
    protected readonly interpolations: FlowInterpolationIndex;
    protected readonly taskGraph: FlowTaskGraph;
    protected readonly indexManager: IndexManager;

    constructor(services: FlowServices) {
        super(services);
        this.interpolations = services.lsp.InterpolationIndex;
        this.taskGraph = services.workflow.TaskGraph;
        this.indexManager = services.shared.workspace.IndexManager;
    }

    override async getHoverContent(document: LangiumDocument, params: HoverParams): Promise<Hover | undefined> {
        const offset = document.textDocument.offsetAt(params.position);
        const interpolated = this.interpolations.nameAt(document, offset);
        if (interpolated) {
            const content = interpolated.target ? await this.getAstNodeHoverContent(interpolated.target) : undefined;
            return content ? markdown(content) : undefined;
        }
        const member = this.memberAt(document, offset);
        if (member) return markdown(member);
        return super.getHoverContent(document, params);
    }

    /** The documentation of a task member (`result`, `status`, ...) read in an expression or interpolation. */
    protected memberAt(document: LangiumDocument, offset: number): string | undefined {
        let access: ast.MemberAccess | undefined;
        const placed = this.interpolations.interpolationAt(document, offset);
        if (placed?.interpolation.expression) {
            for (const node of AstUtils.streamAst(placed.interpolation.expression)) {
                if (!ast.isMemberAccess(node)) continue;
                const range = interpolationNodeRange(placed.interpolation, node, 'member');
                if (range.offset <= offset && offset <= range.offset + range.length) access = node;
            }
        } else {
            const root = document.parseResult.value.$cstNode;
            const leaf = root && CstUtils.findLeafNodeAtOffset(root, offset);
            if (leaf && ast.isMemberAccess(leaf.astNode) && !leaf.hidden && leaf.text === leaf.astNode.member) access = leaf.astNode;
        }
        if (!access || !ast.isTaskRef(access.receiver)) return undefined;
        const member = TASK_MEMBERS.find(candidate => candidate.name === access.member);
        return member ? `\`${access.receiver.task?.$refText ?? '?'}.${member.name}\`: ${member.doc}` : undefined;
    }

    /**
     * A keyword that opens a construct (`phase`, `retry`, `checkpoint`) shows the doc comment of
     * its grammar rule, the language reference for that construct.
     */
    protected override getKeywordHoverContent(node: AstNode): Hover | undefined {
        if (!GrammarAST.isKeyword(node)) return undefined;
        const rule = AstUtils.getContainerOfType(node, GrammarAST.isParserRule);
        const comment = (rule as { $comment?: string } | undefined)?.$comment;
        if (!rule || !comment || !isJSDoc(comment) || !leadingKeywords(rule).includes(node)) return undefined;
        const content = parseJSDoc(comment).toMarkdown().trim();
        return content ? markdown(content) : undefined;
    }

    override getAstNodeHoverContent(node: AstNode): string | undefined {
        const sections: string[] = [];
        const signature = this.signature(node);
        if (signature) sections.push('```flow\n' + signature + '\n```');
        const doc = docMarkdown(node);
        if (doc) sections.push(doc);
        const facts = this.facts(node);
        if (facts.length > 0) sections.push(facts.map(fact => `- ${fact}`).join('\n'));
        return sections.length > 0 ? sections.join('\n\n') : undefined;
    }

    /** The declaration's header as written, normalised to one line. */
    protected signature(node: AstNode): string | undefined {
        if (ast.isTask(node) || ast.isBatch(node)) {
            const kind = ast.isBatch(node) ? 'batch' : 'task';
            const description = node.description !== undefined ? ` ${JSON.stringify(node.description)}` : '';
            return `${kind} ${node.name}: ${node.type?.$refText ?? '?'}${description}`;
        }
        if (ast.isParam(node)) {
            const defaultText = node.default?.$cstNode ? ` = ${node.default.$cstNode.text}` : '';
            return `param ${node.name}: ${paramTypeText(node.type)}${defaultText}`;
        }
        if (ast.isAgent(node)) return `agent ${node.name}`;
        if (ast.isPool(node)) return `pool ${node.name}`;
        if (ast.isTaskType(node)) return `type ${node.name}`;
        if (ast.isNotification(node)) return `notification ${node.name}`;
        if (ast.isPhase(node)) {
            const mode = node.mode ? ` ${node.mode}` : '';
            const after = (node.after ?? []).length > 0 ? ` after ${node.after.map(ref => ref.$refText).join(', ')}` : '';
            return `phase ${node.name}${mode}${after}`;
        }
        if (ast.isStream(node)) return `stream ${node.name}${node.mode ? ` ${node.mode}` : ''}`;
        if (ast.isCheckpoint(node) || ast.isMilestone(node)) {
            const kind = ast.isCheckpoint(node) ? 'checkpoint' : 'milestone';
            return `${kind} ${node.name} after ${(node.after ?? []).map(ref => ref.$refText).join(', ')}`;
        }
        if (ast.isWorkflow(node)) return `${node.template ? 'template ' : ''}workflow ${node.name}`;
        if (ast.isCapability(node)) return `capability ${node.name}`;
        return undefined;
    }

    protected facts(node: AstNode): string[] {
        if (ast.isTask(node) || ast.isBatch(node)) return this.taskFacts(node);
        if (ast.isAgent(node)) return this.agentFacts(node);
        if (ast.isPool(node)) return this.poolFacts(node);
        if (ast.isTaskType(node)) return this.typeFacts(node);
        if (ast.isNotification(node)) return this.notificationFacts(node);
        if (ast.isPhase(node) || ast.isStream(node)) return this.groupFacts(node);
        if (ast.isCapability(node)) return this.capabilityFacts(node);
        if (ast.isWorkflow(node)) return this.workflowFacts(node);
        return [];
    }

    // -----------------------------------------------------------------------------------------
    // Tasks and batches

    protected taskFacts(task: ast.Schedulable): string[] {
        const facts: string[] = [];
        const members = task.members ?? [];
        const type = task.type?.ref;
        const typeName = task.type?.$refText;
        const fromType = typeName ? ` *(type ${typeName})*` : '';
        if (type) {
            const description = (type.members ?? []).find(ast.isTypeDescription)?.value ?? firstLine(docMarkdown(type));
            facts.push(`**Type** \`${type.name}\`${description ? `: ${description}` : ''}${this.isBuiltin(type) ? ' *(built in)*' : ''}`);
        }

        const ownTimeout = members.filter(ast.isTaskTimeout).at(-1)?.value;
        const typeTimeout = (type?.members ?? []).filter(ast.isTypeTimeout).at(-1)?.value;
        if (ownTimeout) facts.push(`**Timeout** ${ownTimeout}${typeTimeout ? ` *(overrides ${typeTimeout} of type ${typeName})*` : ''}`);
        else if (typeTimeout) facts.push(`**Timeout** ${typeTimeout}${fromType}`);

        const typeRequires = type ? typeRequirements(type) : [];
        const ownRequires = members.filter(ast.isTaskRequires).flatMap(member => member.capabilities.map(capability => capability.name));
        const extra = ownRequires.filter(capability => !typeRequires.includes(capability));
        if (typeRequires.length > 0 || extra.length > 0) {
            const parts: string[] = [];
            if (typeRequires.length > 0) parts.push(`${typeRequires.join(', ')}${fromType}`);
            if (extra.length > 0) parts.push(`${extra.join(', ')} *(own)*`);
            facts.push(`**Requires** ${parts.join(', ')}`);
        }
        const output = (type?.members ?? []).filter(ast.isTypeOutput).at(-1)?.format;
        if (output) facts.push(`**Output** ${output}${fromType}`);
        const checks = (type?.members ?? []).filter(ast.isTypeChecks).flatMap(member => member.checks);
        if (checks.length > 0) facts.push(`**Checks** ${checks.join(', ')}${fromType}`);

        facts.push(`**Retry** ${this.effectiveRetry(task)}`);
        const priority = members.filter(ast.isTaskPriority).at(-1)?.level;
        facts.push(`**Priority** ${priority ?? `${DEFAULT_PRIORITY} *(default)*`}`);
        const deadline = members.filter(ast.isTaskDeadline).at(-1)?.value;
        if (deadline) facts.push(`**Deadline** ${deadline}`);

        const pool = this.effectivePool(task, type);
        if (pool) facts.push(`**Pool** ${pool}`);
        const agent = members.filter(ast.isTaskAgent).at(-1)?.agent?.$refText;
        const preferred = members.filter(ast.isTaskPrefer).flatMap(member => member.agents.map(ref => ref.$refText));
        if (agent) facts.push(`**Agent** ${agent}`);
        if (preferred.length > 0) facts.push(`**Prefers** ${preferred.join(', ')}`);
        if (members.some(ast.isTaskRun)) facts.push('**Runs** its own command');

        if (ast.isBatch(task)) {
            const items = members.find(ast.isBatchItems);
            if (items?.items) facts.push(`**Items** ${items.items.values.length}`);
            else if (items?.glob !== undefined) facts.push(`**Items** files matching ${JSON.stringify(items.glob)}`);
            const concurrency = members.filter(ast.isBatchConcurrency).at(-1)?.value;
            facts.push(`**Concurrency** ${concurrency ?? `${DEFAULT_BATCH_CONCURRENCY} *(default)*`}`);
        }

        const conditions = members.filter(ast.isTaskCondition);
        for (const condition of conditions) {
            const text = condition.condition ? expressionText(condition.condition) : undefined;
            if (text) facts.push(`**${condition.skip ? 'Skipped when' : 'Runs when'}** \`${text}\``);
        }
        facts.push(`**Waits for** ${this.upstream(task)}`);
        return facts;
    }

    /** The retry policy in effect, as the compiler merges it: the task's over the workflow's over the default. */
    protected effectiveRetry(task: ast.Schedulable): string {
        const workflow = AstUtils.getContainerOfType(task, ast.isWorkflow);
        const policies = (workflow?.members ?? []).filter(ast.isRetryPolicy);
        const overrides = (task.members ?? []).filter(ast.isTaskRetry);
        const retry = { attempts: DEFAULT_RETRY.attempts, backoff: DEFAULT_RETRY.backoff as string, base: '1s', max: undefined as string | undefined, on: [...DEFAULT_RETRY.on] };
        const apply = (members: readonly ast.RetryMember[]) => {
            for (const member of members) {
                if (ast.isRetryAttempts(member)) retry.attempts = member.value;
                else if (ast.isRetryBackoff(member)) {
                    retry.backoff = member.kind;
                    if (member.base) retry.base = member.base;
                    if (member.max) retry.max = member.max;
                } else if (ast.isRetryOn(member)) retry.on = [...new Set(member.kinds)];
            }
        };
        for (const policy of policies) apply(policy.members ?? []);
        for (const override of overrides) {
            if (override.attempts !== undefined) retry.attempts = override.attempts;
            else apply(override.members ?? []);
        }
        const source = overrides.length > 0 ? 'own' : policies.length > 0 ? 'workflow' : 'default';
        if (retry.attempts <= 1) return `none (1 attempt) *(${source})*`;
        const max = retry.max ? `, at most ${retry.max}` : '';
        return `${retry.attempts} attempts, ${retry.backoff} backoff from ${retry.base}${max}, on ${retry.on.join(', ')} *(${source})*`;
    }

    /** The pool in effect: the task's own, else its type's, else a pool that lists its type. */
    protected effectivePool(task: ast.Schedulable, type: ast.TaskType | undefined): string | undefined {
        const own = (task.members ?? []).filter(ast.isTaskPool).at(-1)?.pool?.$refText;
        if (own) return own;
        const ofType = (type?.members ?? []).filter(ast.isTypePool).at(-1)?.pool?.$refText;
        if (ofType) return `${ofType} *(type ${type!.name})*`;
        if (!type) return undefined;
        const workflow = AstUtils.getContainerOfType(task, ast.isWorkflow);
        const listing = visibleDeclarations<ast.Pool>(workflow, ast.Pool.$type, this.indexManager)
            .find(pool => (pool.members ?? []).some(member => ast.isPoolTypes(member) && member.types.some(ref => ref.$refText === type.name)));
        return listing ? `${listing.name} *(lists type ${type.name})*` : undefined;
    }

    /** The tasks this one directly waits for, with why (written `after`, phase or stream order). */
    protected upstream(task: ast.Schedulable): string {
        const graph = this.taskGraph.graphOfTask(task);
        const dependencies = graph?.dependenciesOf(task) ?? [];
        if (dependencies.length === 0) return 'nothing: it can start first';
        const listed = dependencies.slice(0, MAX_LISTED).map(dependency => `${dependency.name} *(${ORIGIN_LABELS[dependency.origin]})*`);
        const more = dependencies.length > MAX_LISTED ? `, and ${dependencies.length - MAX_LISTED} more` : '';
        const all = graph!.upstream(task).length;
        const transitive = all > dependencies.length ? `; ${all} upstream in all` : '';
        return `${listed.join(', ')}${more}${transitive}`;
    }

    // -----------------------------------------------------------------------------------------
    // Other declarations

    protected agentFacts(agent: ast.Agent): string[] {
        const capabilities = offeredCapabilities(agent);
        const concurrency = (agent.members ?? []).filter(ast.isAgentConcurrency).at(-1)?.value;
        const weight = (agent.members ?? []).filter(ast.isAgentWeight).at(-1)?.value;
        const runner = (agent.members ?? []).filter(ast.isAgentRun).at(-1)?.runner;
        return [
            `**Capabilities** ${capabilities.length > 0 ? capabilities.join(', ') : 'none'}`,
            `**Concurrency** ${concurrency ?? `${DEFAULT_AGENT_CONCURRENCY} *(default)*`}`,
            `**Weight** ${weight ?? `${DEFAULT_AGENT_WEIGHT} *(default)*`}`,
            `**Runs** ${runner ? describeRunner(runner) : 'nothing of its own: each task brings its `run`'}`
        ];
    }

    protected poolFacts(pool: ast.Pool): string[] {
        const facts: string[] = [];
        const concurrency = (pool.members ?? []).filter(ast.isPoolConcurrency).at(-1)?.value;
        if (concurrency !== undefined) facts.push(`**Concurrency** ${concurrency}`);
        const priority = (pool.members ?? []).filter(ast.isPoolPriority).at(-1)?.level;
        if (priority) facts.push(`**Priority** ${priority}`);
        const types = (pool.members ?? []).filter(ast.isPoolTypes).flatMap(member => member.types.map(ref => ref.$refText));
        if (types.length > 0) facts.push(`**Types** ${types.join(', ')}`);
        return facts;
    }

    protected typeFacts(type: ast.TaskType): string[] {
        const facts: string[] = [];
        if (this.isBuiltin(type)) facts.push('**Built in**');
        const description = (type.members ?? []).find(ast.isTypeDescription)?.value;
        if (description && !docMarkdown(type)) facts.push(description);
        const timeout = (type.members ?? []).filter(ast.isTypeTimeout).at(-1)?.value;
        if (timeout) facts.push(`**Timeout** ${timeout}`);
        const requires = typeRequirements(type);
        if (requires.length > 0) facts.push(`**Requires** ${requires.join(', ')}`);
        const output = (type.members ?? []).filter(ast.isTypeOutput).at(-1)?.format;
        if (output) facts.push(`**Output** ${output}`);
        const checks = (type.members ?? []).filter(ast.isTypeChecks).flatMap(member => member.checks);
        if (checks.length > 0) facts.push(`**Checks** ${checks.join(', ')}`);
        const pool = (type.members ?? []).filter(ast.isTypePool).at(-1)?.pool?.$refText;
        if (pool) facts.push(`**Pool** ${pool}`);
        return facts;
    }

    protected notificationFacts(notification: ast.Notification): string[] {
        const events = (notification.members ?? []).filter(ast.isNotificationOn).flatMap(member => member.events);
        const runner = (notification.members ?? []).filter(ast.isNotificationRun).at(-1)?.runner;
        const facts = [`**On** ${events.length > 0 ? events.join(', ') : 'every event it is named for'}`];
        if (runner) facts.push(`**Runs** ${describeRunner(runner)}`);
        return facts;
    }

    protected groupFacts(group: ast.Phase | ast.Stream): string[] {
        const elements = (ast.isPhase(group) ? group.members : group.elements) ?? [];
        const tasks = elements.filter(element => ast.isTask(element) || ast.isBatch(element)).length;
        const streams = elements.filter(ast.isStream).length;
        const facts = [`**Tasks** ${tasks}${streams > 0 ? ` directly, in ${streams} stream${streams === 1 ? '' : 's'} besides` : ''}`];
        facts.push(group.mode === 'sequential' ? '**Order** one after another, in order' : '**Order** side by side');
        return facts;
    }

    protected capabilityFacts(capability: ast.Capability): string[] {
        const workflow = AstUtils.getContainerOfType(capability, ast.isWorkflow);
        const offering = visibleDeclarations<ast.Agent>(workflow, ast.Agent.$type, this.indexManager)
            .filter(agent => offeredCapabilities(agent).includes(capability.name))
            .map(agent => agent.name);
        return [`**Offered by** ${offering.length > 0 ? offering.join(', ') : 'no agent'}`];
    }

    protected workflowFacts(workflow: ast.Workflow): string[] {
        const facts: string[] = [];
        const version = (workflow.members ?? []).find(ast.isVersion)?.value;
        if (version) facts.push(`**Version** ${version}`);
        if (workflow.base) facts.push(`**From** ${workflow.base.$refText}`);
        facts.push(`**Tasks** ${this.taskGraph.graphOf(workflow).tasks.length}`);
        return facts;
    }

    protected isBuiltin(node: AstNode): boolean {
        return isBuiltinDeclaration(node);
    }
}

function describeRunner(runner: ast.Runner): string {
    if (ast.isShellRunner(runner)) return `shell ${JSON.stringify(runner.command)}`;
    if (ast.isNodeRunner(runner)) return `node ${JSON.stringify(runner.module)}${runner.exportName ? ` export ${runner.exportName}` : ''}`;
    if (ast.isHttpRunner(runner)) return `http ${runner.method ?? 'get'} ${JSON.stringify(runner.url)}`;
    if (ast.isVscodeTaskRunner(runner)) return `VS Code task ${JSON.stringify(runner.label)}`;
    if (ast.isLmRunner(runner)) return 'a language model prompt';
    if (ast.isSleepRunner(runner)) return `sleep ${runner.duration} (built in, for demos)`;
    if (ast.isEchoRunner(runner)) return 'echo (built in, for demos)';
    if (ast.isFailRunner(runner)) return 'fail (built in, for tests)';
    return 'a runner';
}

/**
 * The keywords a rule starts with, before its first value (a `?=` flag such as `template` does
 * not end them): `template workflow`, `task`, `on failure`. Rules that are a choice between
 * statements have none, since their doc describes the choice, not one keyword.
 */
function leadingKeywords(rule: GrammarAST.ParserRule): GrammarAST.Keyword[] {
    if (GrammarAST.isAlternatives(rule.definition)) return [];
    const keywords: GrammarAST.Keyword[] = [];
    for (const element of AstUtils.streamAst(rule.definition)) {
        if (GrammarAST.isAssignment(element) && element.operator !== '?=') break;
        if (GrammarAST.isRuleCall(element) || GrammarAST.isCrossReference(element)) break;
        if (GrammarAST.isKeyword(element) && /^[a-z]/.test(element.value)) keywords.push(element);
    }
    return keywords;
}

function firstLine(text: string | undefined): string | undefined {
    return text?.split('\n')[0];
}

function markdown(value: string): Hover {
    return { contents: { kind: 'markdown', value } };
}
