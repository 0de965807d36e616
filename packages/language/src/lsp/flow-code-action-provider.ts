import { type AstNode, AstUtils, CstUtils, GrammarUtils, type IndexManager, type LangiumDocument, type MaybePromise } from 'langium';
import type { CodeActionProvider } from 'langium/lsp';
import {
    type CodeAction, CodeActionKind, type CodeActionParams, type Command, type Diagnostic, type Range, TextEdit
} from 'vscode-languageserver';
import type { FlowServices } from '../flow-module.js';
import * as ast from '../generated/ast.js';
import { IssueCodes } from '../validation/issue-codes.js';
import type { FlowTaskGraph } from '../workflow/flow-task-graph.js';
import { workflowNames } from '../workflow/interpolation.js';
import { offeredCapabilities, typeRequirements } from './declarations.js';

/** What a diagnostic's `data` may carry (see the validators); every field is optional. */
interface DiagnosticData {
    code?: string;
    suggestion?: string;
    refText?: string;
    containerType?: string;
    property?: string;
    task?: string;
    missing?: string;
    dependency?: string;
    agent?: string;
    capabilities?: string[];
    replacements?: string[];
}

/** Declarations a quick fix can create for an unknown reference, by the reference's container and property. */
const CREATABLE: Record<string, 'agent' | 'pool' | 'notification' | 'type'> = {
    'TaskAgent.agent': 'agent', 'TaskPrefer.agents': 'agent',
    'TaskPool.pool': 'pool', 'TypePool.pool': 'pool',
    'CompletionNotify.targets': 'notification', 'FailureNotify.targets': 'notification', 'EscalateAction.targets': 'notification',
    'Task.type': 'type', 'Batch.type': 'type'
};

/** Workflow members that declare something, after which a new declaration reads naturally. */
const DECLARATION_TYPES = new Set<string>([
    ast.Version.$type, ast.Title.$type, ast.Param.$type, ast.Agent.$type, ast.Pool.$type, ast.TaskType.$type, ast.Notification.$type
]);

/**
 * Quick fixes, keyed on the stable diagnostic codes and the data the validators attach (never on
 * message text):
 * - `flow/condition-not-upstream`: add the missing dependency (`after x` on the task, or `, x`
 *   appended to its `after` list), unless that would make a cycle;
 * - `flow/unknown-reference`: "Did you mean 'x'?", and for an unknown agent, pool, notification
 *   or task type, create it in the workflow (an agent with the capabilities the task requires);
 * - `flow/not-precedence`: either parenthesised reading the author probably meant;
 * - `flow/duplicate-dependency`: remove the repetition;
 * - `flow/no-capable-agent` on an assigned agent: add the missing capabilities to that agent.
 */
export class FlowCodeActionProvider implements CodeActionProvider {
    protected readonly taskGraph: FlowTaskGraph;
    protected readonly indexManager: IndexManager;

    constructor(services: FlowServices) {
        this.taskGraph = services.workflow.TaskGraph;
        this.indexManager = services.shared.workspace.IndexManager;
    }

    getCodeActions(document: LangiumDocument, params: CodeActionParams): MaybePromise<Array<Command | CodeAction> | undefined> {
        const actions: CodeAction[] = [];
        for (const diagnostic of params.context.diagnostics) {
            const data = (diagnostic.data ?? {}) as DiagnosticData;
            switch (data.code ?? diagnostic.code) {
                case IssueCodes.ConditionNotUpstream: actions.push(...this.addMissingDependency(document, diagnostic, data)); break;
                case IssueCodes.UnknownReference: actions.push(...this.fixUnknownReference(document, diagnostic, data)); break;
                case IssueCodes.NotPrecedence: actions.push(...this.parenthesize(document, diagnostic, data)); break;
                case IssueCodes.DuplicateDependency: actions.push(...this.removeDuplicateDependency(document, diagnostic)); break;
                case IssueCodes.NoCapableAgent: actions.push(...this.addCapabilities(document, diagnostic, data)); break;
            }
        }
        return actions;
    }

    // -----------------------------------------------------------------------------------------
    // Dependencies

    protected addMissingDependency(document: LangiumDocument, diagnostic: Diagnostic, data: DiagnosticData): CodeAction[] {
        if (!data.task || !data.missing) return [];
        const workflow = this.workflowAt(document, diagnostic.range);
        if (!workflow) return [];
        const names = workflowNames(workflow).tasks;
        const task = names.get(data.task);
        const missing = names.get(data.missing);
        if (!task || !missing || !task.$cstNode) return [];
        // Waiting for a task that already waits for this one would make a cycle.
        if (this.taskGraph.isUpstream(missing, task)) return [];
        const edit = this.appendDependency(document, task, data.missing);
        if (!edit) return [];
        return [quickFix(`Add 'after ${data.missing}' to '${data.task}'`, document, [edit], diagnostic, true)];
    }

    /** `, name` after the last entry of an `after` list, or ` after name` after the task's header. */
    protected appendDependency(document: LangiumDocument, task: ast.Schedulable, name: string): TextEdit | undefined {
        const lists = [task.after ?? [], ...(task.members ?? []).filter(ast.isTaskAfter).map(member => member.after ?? [])];
        for (const list of lists) {
            const last = list.at(-1)?.$refNode;
            if (last) return TextEdit.insert(document.textDocument.positionAt(last.end), `, ${name}`);
        }
        const headerEnd = GrammarUtils.findNodeForProperty(task.$cstNode, 'description') ?? GrammarUtils.findNodeForProperty(task.$cstNode, 'type');
        if (!headerEnd) return undefined;
        return TextEdit.insert(document.textDocument.positionAt(headerEnd.end), ` after ${name}`);
    }

    protected removeDuplicateDependency(document: LangiumDocument, diagnostic: Diagnostic): CodeAction[] {
        const root = document.parseResult.value.$cstNode;
        const start = document.textDocument.offsetAt(diagnostic.range.start);
        const leaf = root && CstUtils.findLeafNodeAtOffset(root, start);
        const holder = leaf?.astNode;
        if (!ast.isTask(holder) && !ast.isBatch(holder) && !ast.isTaskAfter(holder)) return [];
        const list = holder.after ?? [];
        const index = list.findIndex(reference => reference.$refNode?.offset === start);
        const reference = list[index]?.$refNode;
        if (!reference) return [];
        let range: { start: number; end: number };
        if (list.length === 1 && ast.isTaskAfter(holder) && holder.$cstNode) {
            // The whole `after x` statement goes, with the blank before it.
            const text = document.textDocument.getText();
            let from = holder.$cstNode.offset;
            while (from > 0 && (text[from - 1] === ' ' || text[from - 1] === '\t')) from--;
            range = { start: from, end: holder.$cstNode.end };
        } else if (index > 0) {
            range = { start: list[index - 1].$refNode!.end, end: reference.end };
        } else {
            const next = list[index + 1]?.$refNode;
            if (!next) return [];
            range = { start: reference.offset, end: next.offset };
        }
        const edit = TextEdit.del({ start: document.textDocument.positionAt(range.start), end: document.textDocument.positionAt(range.end) });
        return [quickFix(`Remove the repeated dependency on '${reference.text}'`, document, [edit], diagnostic, true)];
    }

    // -----------------------------------------------------------------------------------------
    // Unknown names

    protected fixUnknownReference(document: LangiumDocument, diagnostic: Diagnostic, data: DiagnosticData): CodeAction[] {
        const actions: CodeAction[] = [];
        if (data.suggestion) {
            actions.push(quickFix(`Did you mean '${data.suggestion}'?`, document, [TextEdit.replace(diagnostic.range, data.suggestion)], diagnostic, true));
        }
        const kind = CREATABLE[`${data.containerType}.${data.property}`];
        if (kind && data.refText && /^[_a-zA-Z]\w*$/.test(data.refText)) {
            const create = this.createDeclaration(document, diagnostic, kind, data.refText);
            if (create) actions.push(quickFix(`Create ${kind} '${data.refText}'`, document, [create], diagnostic, false));
        }
        return actions;
    }

    /** Inserts a declaration skeleton into the workflow where the name is used (or above the root element). */
    protected createDeclaration(document: LangiumDocument, diagnostic: Diagnostic, kind: 'agent' | 'pool' | 'notification' | 'type', name: string): TextEdit | undefined {
        const node = this.nodeAt(document, diagnostic.range);
        if (!node) return undefined;
        const declaration = this.skeleton(kind, name, node);
        const workflow = AstUtils.getContainerOfType(node, ast.isWorkflow);
        const text = document.textDocument.getText();
        if (!workflow?.$cstNode) {
            const element = AstUtils.getContainerOfType(node, (n): n is AstNode => ast.isFlowFile(n.$container));
            if (!element?.$cstNode) return undefined;
            return TextEdit.insert(document.textDocument.positionAt(element.$cstNode.offset), `${declaration}\n\n`);
        }
        const members = workflow.members ?? [];
        const sameKind = members.filter(member => member.$type === kindType(kind)).at(-1);
        const anchor = sameKind ?? members.filter(member => DECLARATION_TYPES.has(member.$type)).at(-1);
        const indent = members[0]?.$cstNode ? indentationAt(text, members[0].$cstNode.offset) : indentationAt(text, workflow.$cstNode.offset) + '  ';
        if (anchor?.$cstNode) {
            return TextEdit.insert(document.textDocument.positionAt(anchor.$cstNode.end), `\n${indent}${declaration}`);
        }
        const open = GrammarUtils.findNodeForKeyword(workflow.$cstNode, '{');
        if (!open) return undefined;
        return TextEdit.insert(document.textDocument.positionAt(open.end), `\n${indent}${declaration}`);
    }

    protected skeleton(kind: 'agent' | 'pool' | 'notification' | 'type', name: string, usedAt: AstNode): string {
        if (kind === 'pool') return `pool ${name} { concurrency 1 }`;
        if (kind === 'notification') return `notification ${name} { on failed }`;
        if (kind === 'type') return `type ${name} {}`;
        const task = AstUtils.getContainerOfType(usedAt, (n): n is ast.Schedulable => ast.isTask(n) || ast.isBatch(n));
        const capabilities = task ? requiredCapabilities(task) : [];
        return capabilities.length > 0 ? `agent ${name} { capabilities ${capabilities.join(', ')} }` : `agent ${name} {}`;
    }

    // -----------------------------------------------------------------------------------------
    // Expressions and agents

    protected parenthesize(document: LangiumDocument, diagnostic: Diagnostic, data: DiagnosticData): CodeAction[] {
        return (data.replacements ?? []).map((replacement, index) =>
            quickFix(`Write '${replacement}'`, document, [TextEdit.replace(diagnostic.range, replacement)], diagnostic, index === 0));
    }

    /** For a task assigned to an agent that lacks capabilities: add them to the agent. */
    protected addCapabilities(document: LangiumDocument, diagnostic: Diagnostic, data: DiagnosticData): CodeAction[] {
        const missing = data.capabilities ?? [];
        if (!data.agent || missing.length === 0) return [];
        const assignment = this.nodeAt(document, diagnostic.range);
        const agent = ast.isTaskAgent(assignment) ? assignment.agent?.ref : undefined;
        const agentDocument = agent && AstUtils.findRootNode(agent).$document;
        if (!agent?.$cstNode || !agentDocument) return [];
        const textDocument = agentDocument.textDocument;
        const last = (agent.members ?? []).filter(ast.isAgentCapabilities).at(-1);
        const toAdd = missing.filter(capability => !offeredCapabilities(agent).includes(capability));
        if (toAdd.length === 0) return [];
        let edit: TextEdit;
        if (last?.$cstNode) {
            edit = TextEdit.insert(textDocument.positionAt(last.$cstNode.end), `, ${toAdd.join(', ')}`);
        } else {
            const open = GrammarUtils.findNodeForKeyword(agent.$cstNode, '{');
            if (!open) return [];
            edit = TextEdit.insert(textDocument.positionAt(open.end), ` capabilities ${toAdd.join(', ')}`);
        }
        return [{
            title: `Add ${toAdd.join(', ')} to agent '${agent.name}'`, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic],
            edit: { changes: { [textDocument.uri]: [edit] } }
        }];
    }

    // -----------------------------------------------------------------------------------------

    protected nodeAt(document: LangiumDocument, range: Range): AstNode | undefined {
        const root = document.parseResult.value.$cstNode;
        return root ? CstUtils.findLeafNodeAtOffset(root, document.textDocument.offsetAt(range.start))?.astNode : undefined;
    }

    protected workflowAt(document: LangiumDocument, range: Range): ast.Workflow | undefined {
        const node = this.nodeAt(document, range);
        return node ? AstUtils.getContainerOfType(node, ast.isWorkflow) : undefined;
    }
}

function quickFix(title: string, document: LangiumDocument, edits: TextEdit[], diagnostic: Diagnostic, isPreferred: boolean): CodeAction {
    return {
        title, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], isPreferred,
        edit: { changes: { [document.textDocument.uri]: edits } }
    };
}

function kindType(kind: 'agent' | 'pool' | 'notification' | 'type'): string {
    return { agent: ast.Agent.$type, pool: ast.Pool.$type, notification: ast.Notification.$type, type: ast.TaskType.$type }[kind];
}

/** The capabilities a task requires: its type's and its own. */
function requiredCapabilities(task: ast.Schedulable): string[] {
    const type = task.type?.ref;
    const own = (task.members ?? []).filter(ast.isTaskRequires).flatMap(member => member.capabilities.map(capability => capability.name));
    return [...new Set([...(type ? typeRequirements(type) : []), ...own])];
}

/** The blanks at the start of the line that holds an offset. */
function indentationAt(text: string, offset: number): string {
    const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
    return /^[ \t]*/.exec(text.substring(lineStart))![0];
}
