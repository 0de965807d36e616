import {
    type AstNode, type AstNodeDescription, AstUtils, CstUtils, GrammarAST, type IndexManager,
    isCompositeCstNode, type LangiumDocument, type LangiumDocuments, type ReferenceInfo, type Stream, URI
} from 'langium';
import {
    type CompletionAcceptor, type CompletionBacktrackingInformation, type CompletionContext,
    type CompletionProviderOptions, type CompletionValueItem, DefaultCompletionProvider, findNextFeatures,
    type NextFeature
} from 'langium/lsp';
import {
    type CancellationToken, type CompletionItem, CompletionItemKind, CompletionList, type CompletionParams
} from 'vscode-languageserver';
import type { IToken } from 'chevrotain';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { FlowServices } from '../flow-module.js';
import type { FlowTaskGraph } from '../workflow/flow-task-graph.js';
import * as ast from '../generated/ast.js';
import { docMarkdown } from './doc-comments.js';
import { describeBriefly, offeredCapabilities, paramTypeText, typeRequirements, visibleDeclarations, workflowAt } from './declarations.js';
import { workflowNames } from '../workflow/interpolation.js';

/** The members every task reference offers in expressions (`build.status == "completed"`). */
export const TASK_MEMBERS: ReadonlyArray<{ name: string; doc: string }> = [
    { name: 'result', doc: 'The result the task produced (JSON); read its fields as `result.field`.' },
    { name: 'status', doc: 'The final status of the task, as a string.' },
    { name: 'duration', doc: 'How long the task ran.' },
    { name: 'attempts', doc: 'How many attempts the task took.' }
];

/** Error kinds that the model retries by default (`RetryPolicy.on`). */
const DEFAULT_RETRYABLE_KINDS = ['timeout', 'agent_unavailable', 'resource_exhausted'];

const DURATION_UNITS: ReadonlyArray<{ unit: string; name: string }> = [
    { unit: 'ms', name: 'milliseconds' }, { unit: 's', name: 'seconds' }, { unit: 'm', name: 'minutes' },
    { unit: 'h', name: 'hours' }, { unit: 'd', name: 'days' }
];

/** A number that could still become a duration by typing a unit (`30`, `1h30`). */
const DURATION_PREFIX = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))*\d+(?:\.\d+)?$/;
const NAME_TOKEN = /^[_a-zA-Z]\w*$/;

/** Where a name is expected, as read from the tokens before the cursor. */
type NamePosition =
    | { kind: 'list'; keyword: string; listed: Set<string> }
    | { kind: 'member'; receiver: string }
    | { kind: 'other' };

/**
 * Completion that knows the context.
 *
 * Langium proposes the grammar's keywords and the scope's candidates for cross-references (so
 * `after` and `when` only see tasks and batches, `agent` only agents). Because keywords are soft
 * here, every keyword is also a `Name`; those keywords are dropped, and where a plain name is
 * expected the preceding tokens decide what fits: capabilities after `requires`, the members of
 * a task after `task.`, units after a number where a duration is expected, and nothing where a
 * new name is being declared.
 *
 * Cost: one lexing pass per request (shared with Langium's token backtracking) and one pass over
 * the scope's candidates, each checked in constant time, so 10,000 tasks stay fast.
 */
export class FlowCompletionProvider extends DefaultCompletionProvider {
    override readonly completionOptions: CompletionProviderOptions = { triggerCharacters: ['.'] };
    protected readonly indexManager: IndexManager;
    protected readonly documents: LangiumDocuments;
    protected readonly taskGraph: FlowTaskGraph;
    /** The tokens of the last text completion ran on: Langium's backtracking and ours share them. */
    private lexed: { text: string; tokens: IToken[] } | undefined;

    constructor(services: FlowServices) {
        super(services);
        this.indexManager = services.shared.workspace.IndexManager;
        this.documents = services.shared.workspace.LangiumDocuments;
        this.taskGraph = services.workflow.TaskGraph;
    }

    override async getCompletion(document: LangiumDocument, params: CompletionParams, cancelToken?: CancellationToken): Promise<CompletionList | undefined> {
        const interpolated = this.completionInInterpolation(document, document.textDocument.offsetAt(params.position));
        if (interpolated) return CompletionList.create(interpolated, false);
        return super.getCompletion(document, params, cancelToken);
    }

    /**
     * Inside `{{...}}` in a string, the grammar sees one string token, so the candidates come
     * from the text before the cursor: parameters after `param.`, a task's members after
     * `task.`, and otherwise `param`, `item` (in a batch) and the tasks upstream of the task
     * that holds the string, the only ones it may read. Undefined outside an interpolation.
     */
    protected completionInInterpolation(document: LangiumDocument, offset: number): CompletionItem[] | undefined {
        const root = document.parseResult.value.$cstNode;
        const leaf = root && CstUtils.findLeafNodeAtOffset(root, offset);
        if (!leaf || leaf.tokenType.name !== 'STRING' || offset <= leaf.offset || offset >= leaf.end) return undefined;
        const before = leaf.text.substring(0, offset - leaf.offset);
        const open = before.lastIndexOf('{{');
        if (open < 0 || before.indexOf('}}', open) >= 0) return undefined;
        const expression = before.substring(open + 2);
        const word = /[_a-zA-Z]\w*$/.exec(expression)?.[0] ?? '';
        const range = { start: document.textDocument.positionAt(offset - word.length), end: document.textDocument.positionAt(offset) };
        const item = (label: string, kind: CompletionItemKind, detail: string, documentation?: string): CompletionItem =>
            ({ label, kind, detail, textEdit: { range, newText: label }, ...(documentation ? { documentation: { kind: 'markdown', value: documentation } } : {}) });
        const workflow = AstUtils.getContainerOfType(leaf.astNode, ast.isWorkflow);
        const task = AstUtils.getContainerOfType(leaf.astNode, (node): node is ast.Schedulable => ast.isTask(node) || ast.isBatch(node));
        const receiver = /(?:^|[^\w.])([_a-zA-Z]\w*)\s*\.\s*[_a-zA-Z]?\w*$/.exec(expression)?.[1];
        if (receiver === 'param') {
            return workflow ? [...workflowNames(workflow).params.values()].map(param =>
                item(param.name, CompletionItemKind.Variable, `param · ${paramTypeText(param.type)}`, docMarkdown(param))) : [];
        }
        if (receiver === 'item') return [];
        if (receiver) return TASK_MEMBERS.map(member => item(member.name, CompletionItemKind.Property, 'Task member', member.doc));
        if (/\.\s*[_a-zA-Z]?\w*$/.test(expression)) return [];
        const items = [item('param', CompletionItemKind.Keyword, 'A workflow parameter: param.name')];
        if (ast.isBatch(task)) items.push(item('item', CompletionItemKind.Keyword, 'The current item of the batch'));
        if (task) {
            for (const upstream of this.taskGraph.upstream(task)) {
                if (upstream.name) items.push(item(upstream.name, CompletionItemKind.Function, describeBriefly(upstream) ?? 'task', docMarkdown(upstream)));
            }
        }
        return items;
    }

    protected override findFeaturesAt(document: TextDocument, offset: number): NextFeature[] {
        return this.findFeaturesAfterShortPrefix(document, offset) ?? super.findFeaturesAt(document, offset);
    }

    /**
     * Langium finds the grammar features at the cursor by parsing all the text before it, several
     * times per request: at 10,000 tasks that alone costs hundreds of milliseconds. The members
     * of a workflow, phase or stream are independent of each other, so when the text before the
     * member at the cursor parsed without errors, the headers of its enclosing blocks followed by
     * the member's own text up to the cursor leave the parser in the same state.
     */
    protected findFeaturesAfterShortPrefix(textDocument: TextDocument, offset: number): NextFeature[] | undefined {
        const prefix = this.shortPrefix(textDocument, offset);
        if (prefix === undefined) return undefined;
        const result = this.completionParser.parse(prefix);
        if (result.tokenIndex === 0) return undefined;
        const leftoverTokens = result.tokens.slice(result.tokenIndex);
        return findNextFeatures([result.elementStack.map(feature => ({ feature }))], leftoverTokens);
    }

    protected shortPrefix(textDocument: TextDocument, offset: number): string | undefined {
        const document = this.documents.getDocument(URI.parse(textDocument.uri));
        const root = document?.parseResult.value.$cstNode;
        if (!document || document.textDocument !== textDocument || !root || offset <= 0) return undefined;
        const leaf = CstUtils.findLeafNodeBeforeOffset(root, offset - 1);
        const member = leaf && blockMemberOf(leaf.astNode);
        const memberStart = member?.$cstNode?.offset;
        if (!member || memberStart === undefined || memberStart >= offset) return undefined;
        const { lexerErrors, parserErrors } = document.parseResult;
        if (lexerErrors.some(error => error.offset < memberStart)
            || parserErrors.some(error => !(error.token.startOffset >= memberStart))) {
            return undefined;
        }
        const text = textDocument.getText();
        const headers: string[] = [];
        for (let block = member.$container; block && !ast.isFlowFile(block); block = block.$container) {
            const header = blockHeaderEnd(block);
            if (header === undefined) return undefined;
            headers.unshift(text.substring(header.start, header.end));
        }
        headers.push(text.substring(memberStart, offset));
        return headers.join(' ');
    }

    protected override completionFor(context: CompletionContext, next: NextFeature, acceptor: CompletionAcceptor) {
        const feature = next.feature;
        if (GrammarAST.isRuleCall(feature) && GrammarAST.isTerminalRule(feature.rule.ref)) {
            if (feature.rule.ref.name === 'ID' && isInNameRule(feature)) {
                return this.completionForName(context, acceptor);
            }
            if (feature.rule.ref.name === 'DURATION' && !expectsTerminal(context, 'NUMBER')) {
                return this.completionForDuration(context, acceptor);
            }
            return;
        }
        return super.completionFor(context, next, acceptor);
    }

    protected override completionForKeyword(context: CompletionContext, keyword: GrammarAST.Keyword, acceptor: CompletionAcceptor) {
        const rule = AstUtils.getContainerOfType(keyword, GrammarAST.isParserRule);
        if (rule?.name === 'PriorityLevel' && this.filterKeyword(context, keyword)) {
            // Priority levels in order of urgency, not alphabetically.
            const rank = ['urgent', 'high', 'normal', 'low'].indexOf(keyword.value);
            acceptor(context, {
                label: keyword.value, kind: CompletionItemKind.EnumMember, detail: 'Priority level',
                sortText: `0${rank}`
            });
            return;
        }
        return super.completionForKeyword(context, keyword, acceptor);
    }

    // ---------------------------------------------------------------------------------------
    // Names

    protected completionForName(context: CompletionContext, acceptor: CompletionAcceptor): void {
        const position = this.namePositionBefore(context);
        if (position.kind === 'member') {
            if (position.receiver === 'item') return;
            for (const member of TASK_MEMBERS) {
                acceptor(context, {
                    label: member.name, kind: CompletionItemKind.Property, detail: 'Task member',
                    documentation: { kind: 'markdown', value: member.doc }, sortText: '0'
                });
            }
        } else if (position.kind === 'list') {
            const workflow = workflowAt(context.document, context.node, context.offset);
            let candidates: Map<string, string> | undefined;
            if (position.keyword === 'requires') {
                candidates = this.offeredCapabilities(workflow);
            } else if (position.keyword === 'capabilities') {
                candidates = this.requiredCapabilities(workflow);
            } else if (position.keyword === 'on' && this.isInRetryBlock(context)) {
                candidates = new Map(DEFAULT_RETRYABLE_KINDS.map(kind => [kind, 'Retryable error kind']));
            }
            for (const [name, detail] of candidates ?? []) {
                if (position.listed.has(name)) continue;
                acceptor(context, { label: name, kind: CompletionItemKind.EnumMember, detail, sortText: '0' });
            }
        }
        // Anywhere else a new name is being declared, or a free label (tags, checks) is written.
    }

    /** Capabilities that agents of the workflow and root-level agents of the workspace offer. */
    protected offeredCapabilities(workflow: ast.Workflow | undefined): Map<string, string> {
        const offeredBy = new Map<string, string[]>();
        for (const agent of visibleDeclarations<ast.Agent>(workflow, ast.Agent.$type, this.indexManager)) {
            for (const capability of offeredCapabilities(agent)) {
                let agents = offeredBy.get(capability);
                if (!agents) offeredBy.set(capability, agents = []);
                agents.push(agent.name);
            }
        }
        return new Map([...offeredBy].map(([capability, agents]) => [capability, `Offered by ${agents.join(', ')}`]));
    }

    /** Capabilities that the visible task types and the workflow's tasks require. */
    protected requiredCapabilities(workflow: ast.Workflow | undefined): Map<string, string> {
        const result = new Map<string, string>();
        for (const type of visibleDeclarations<ast.TaskType>(workflow, ast.TaskType.$type, this.indexManager)) {
            for (const capability of typeRequirements(type)) {
                if (!result.has(capability)) result.set(capability, `Required by type ${type.name}`);
            }
        }
        if (workflow) {
            for (const node of AstUtils.streamAllContents(workflow)) {
                if (ast.isTaskRequires(node)) {
                    for (const capability of node.capabilities) {
                        if (capability.name && !result.has(capability.name)) result.set(capability.name, 'Required by a task');
                    }
                }
            }
        }
        return result;
    }

    protected isInRetryBlock(context: CompletionContext): boolean {
        const node = context.node;
        return !!node && !!AstUtils.getContainerOfType(node, n => ast.isRetryPolicy(n) || ast.isTaskRetry(n));
    }

    /**
     * Reads the tokens before the name being completed: `requires a, b, <|>` is a list after
     * `requires` that already holds `a` and `b`; `build.<|>` is a member of `build`.
     */
    protected namePositionBefore(context: CompletionContext): NamePosition {
        const tokens = this.tokensOf(context.textDocument.getText());
        let index = lastTokenBefore(tokens, context.tokenOffset);
        if (index < 0) return { kind: 'other' };
        if (tokens[index].image === '.') {
            const receiver = tokens[index - 1];
            const beforeReceiver = tokens[index - 2];
            if (receiver && NAME_TOKEN.test(receiver.image) && receiver.image !== 'param' && beforeReceiver?.image !== '.') {
                return { kind: 'member', receiver: receiver.image };
            }
            return { kind: 'other' };
        }
        const listed = new Set<string>();
        while (index >= 2 && tokens[index].image === ',' && NAME_TOKEN.test(tokens[index - 1].image)) {
            listed.add(tokens[index - 1].image);
            index -= 2;
        }
        return { kind: 'list', keyword: tokens[index].image, listed };
    }

    // ---------------------------------------------------------------------------------------
    // Durations

    protected completionForDuration(context: CompletionContext, acceptor: CompletionAcceptor): void {
        const typed = context.textDocument.getText().substring(context.tokenOffset, context.offset);
        if (typed.length === 0) {
            for (const [index, example] of ['30s', '5m', '1h'].entries()) {
                acceptor(context, { label: example, kind: CompletionItemKind.Unit, detail: 'Duration', sortText: `0${index}` });
            }
            return;
        }
        if (!DURATION_PREFIX.test(typed)) return;
        for (const [index, { unit, name }] of DURATION_UNITS.entries()) {
            acceptor(context, {
                label: typed + unit, kind: CompletionItemKind.Unit, detail: `${typed} ${name}`, sortText: `0${index}`
            });
        }
    }

    // ---------------------------------------------------------------------------------------
    // Cross-references

    /**
     * The scope already limits candidates to the reference's type; here a task or batch is kept
     * out of its own `after` list and its own condition, and names already listed are dropped.
     */
    protected override getReferenceCandidates(refInfo: ReferenceInfo, context: CompletionContext): Stream<AstNodeDescription> {
        const candidates = super.getReferenceCandidates(refInfo, context);
        const excluded = this.excludedCandidates(refInfo, context);
        return excluded.size === 0 ? candidates : candidates.filter(candidate => !excluded.has(candidate.name));
    }

    protected excludedCandidates(refInfo: ReferenceInfo, context: CompletionContext): Set<string> {
        const excluded = new Set<string>();
        const container = refInfo.container;
        const isAfterList = refInfo.property === 'after';
        if (!isAfterList && !ast.isTaskRef(container)) return excluded;
        const owner = AstUtils.getContainerOfType(container, (n): n is ast.Task | ast.Batch | ast.Phase | ast.Checkpoint | ast.Milestone =>
            ast.isTask(n) || ast.isBatch(n) || ast.isPhase(n) || ast.isCheckpoint(n) || ast.isMilestone(n));
        if (!owner) return excluded;
        if (owner.name && !ast.isCheckpoint(owner) && !ast.isMilestone(owner)) excluded.add(owner.name);
        if (isAfterList) {
            const lists: Array<ReadonlyArray<{ $refText: string; $refNode?: { offset: number; end: number } }>> = [owner.after];
            if (ast.isTask(owner) || ast.isBatch(owner)) {
                for (const member of owner.members) {
                    if (ast.isTaskAfter(member)) lists.push(member.after);
                }
            }
            for (const list of lists) {
                for (const reference of list) {
                    // The reference being typed is not "already listed".
                    const node = reference.$refNode;
                    const atCursor = node && node.offset <= context.offset && context.tokenOffset <= node.end;
                    if (!atCursor && reference.$refText) excluded.add(reference.$refText);
                }
            }
        }
        return excluded;
    }

    protected override createReferenceCompletionItem(
        nodeDescription: AstNodeDescription, refInfo: ReferenceInfo, context: CompletionContext
    ): CompletionValueItem {
        const item = super.createReferenceCompletionItem(nodeDescription, refInfo, context);
        const node = nodeDescription.node;
        return { ...item, detail: node ? describeBriefly(node) ?? item.detail : item.detail };
    }

    protected override getReferenceDocumentation(nodeDescription: AstNodeDescription) {
        const markdown = nodeDescription.node && docMarkdown(nodeDescription.node);
        return markdown ? { kind: 'markdown' as const, value: markdown } : undefined;
    }

    // ---------------------------------------------------------------------------------------
    // Tokens

    protected override backtrackToAnyToken(text: string, offset: number): CompletionBacktrackingInformation {
        // Same answer as Langium's, by binary search over tokens lexed once per text.
        const tokens = this.tokensOf(text);
        let low = 0;
        let high = tokens.length;
        while (low < high) {
            const middle = (low + high) >>> 1;
            if (tokens[middle].endOffset! < offset) low = middle + 1;
            else high = middle;
        }
        const previous = tokens[low - 1];
        const previousInfo = {
            previousTokenStart: previous?.startOffset,
            previousTokenEnd: previous ? previous.endOffset! + 1 : undefined
        };
        const current = tokens[low];
        if (!current || current.startOffset >= offset) {
            return { nextTokenStart: offset, nextTokenEnd: offset, ...previousInfo };
        }
        return { nextTokenStart: current.startOffset, nextTokenEnd: current.endOffset! + 1, ...previousInfo };
    }

    protected tokensOf(text: string): IToken[] {
        if (this.lexed?.text !== text) {
            this.lexed = { text, tokens: this.lexer.tokenize(text).tokens };
        }
        return this.lexed.tokens;
    }
}

/** The index of the last token that ends at or before the offset, or -1. */
function lastTokenBefore(tokens: IToken[], offset: number): number {
    let low = 0;
    let high = tokens.length;
    while (low < high) {
        const middle = (low + high) >>> 1;
        if (tokens[middle].endOffset! + 1 <= offset) low = middle + 1;
        else high = middle;
    }
    return low - 1;
}

/** The innermost ancestor that is a member of a file, workflow, phase or stream. */
function blockMemberOf(node: AstNode): AstNode | undefined {
    for (let current: AstNode | undefined = node; current; current = current.$container) {
        const container = current.$container;
        if (ast.isFlowFile(container) || ast.isWorkflow(container) || ast.isPhase(container) || ast.isStream(container)) {
            return current;
        }
    }
    return undefined;
}

/** Where a workflow, phase or stream starts and where its opening brace ends. */
function blockHeaderEnd(block: AstNode): { start: number; end: number } | undefined {
    const cst = block.$cstNode;
    if (!cst) return undefined;
    const iterator = CstUtils.streamCst(cst).iterator();
    for (let next = iterator.next(); !next.done; next = iterator.next()) {
        const node = next.value;
        if (node.astNode !== block) {
            iterator.prune();
        } else if (!isCompositeCstNode(node) && node.text === '{' && GrammarAST.isKeyword(node.grammarSource)) {
            return { start: cst.offset, end: node.end };
        }
    }
    return undefined;
}

function isInNameRule(element: GrammarAST.AbstractElement): boolean {
    return AstUtils.getContainerOfType(element, GrammarAST.isParserRule)?.name === 'Name';
}

function expectsTerminal(context: CompletionContext, terminal: string): boolean {
    return context.features.some(next => GrammarAST.isRuleCall(next.feature) && next.feature.rule.ref?.name === terminal);
}
