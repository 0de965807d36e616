import { AstUtils, type AstNode, type IndexManager, type LangiumDocument, URI } from 'langium';
import { BUILTIN_URI } from '../builtins.js';
import * as ast from '../generated/ast.js';

/**
 * Declarations a workflow can use: its own, then the workspace's root-level ones (from the
 * index, so other files count). Own declarations shadow root-level ones of the same name, as in
 * the scope provider.
 */
export function visibleDeclarations<T extends ast.Agent | ast.Pool | ast.TaskType>(
    workflow: ast.Workflow | undefined, type: T['$type'], indexManager: IndexManager
): T[] {
    const result: T[] = [];
    const names = new Set<string>();
    for (const member of workflow?.members ?? []) {
        if (member.$type === type && member.name) {
            result.push(member as T);
            names.add(member.name);
        }
    }
    for (const description of indexManager.allElements(type)) {
        const node = description.node as T | undefined;
        if (node && !names.has(description.name)) {
            result.push(node);
            names.add(description.name);
        }
    }
    return result;
}

/** The workflow that contains a node, or the one whose text spans the offset when the AST is broken. */
export function workflowAt(document: LangiumDocument, node: AstNode | undefined, offset: number): ast.Workflow | undefined {
    const container = node ? AstUtils.getContainerOfType(node, ast.isWorkflow) : undefined;
    if (container) return container;
    const root = document.parseResult.value;
    if (!ast.isFlowFile(root)) return undefined;
    return root.elements.find((element): element is ast.Workflow =>
        ast.isWorkflow(element) && !!element.$cstNode && element.$cstNode.offset <= offset && offset <= element.$cstNode.end);
}

/** Capabilities an agent offers. */
export function offeredCapabilities(agent: ast.Agent): string[] {
    return (agent.members ?? []).filter(ast.isAgentCapabilities).flatMap(m => m.capabilities.map(c => c.name)).filter(Boolean);
}

/** Capabilities a task type requires. */
export function typeRequirements(type: ast.TaskType): string[] {
    return (type.members ?? []).filter(ast.isTypeRequires).flatMap(m => m.capabilities.map(c => c.name)).filter(Boolean);
}

/** A one-line detail for a completion item or an outline entry. */
export function describeBriefly(node: AstNode): string | undefined {
    if (ast.isTask(node) || ast.isBatch(node)) {
        const type = node.type?.$refText;
        const kind = ast.isBatch(node) ? 'batch' : 'task';
        return type ? `${kind} · ${type}` : kind;
    }
    if (ast.isAgent(node)) {
        const capabilities = offeredCapabilities(node);
        return capabilities.length > 0 ? `agent · ${capabilities.join(', ')}` : 'agent';
    }
    if (ast.isPool(node)) {
        const concurrency = node.members.find(ast.isPoolConcurrency)?.value;
        return concurrency !== undefined ? `pool · concurrency ${concurrency}` : 'pool';
    }
    if (ast.isTaskType(node)) return 'task type';
    if (ast.isParam(node)) return `param · ${paramTypeText(node.type)}`;
    if (ast.isPhase(node)) return 'phase';
    if (ast.isNotification(node)) return 'notification';
    return undefined;
}

export function paramTypeText(type: ast.ParamType | undefined): string {
    if (ast.isPrimitiveType(type)) return type.primitive ?? '?';
    if (ast.isEnumType(type)) return type.values.map(value => JSON.stringify(value)).join(' | ');
    return '?';
}

const BUILTIN_DOCUMENT = URI.parse(BUILTIN_URI).toString();

/** Whether a declaration comes from the built-in library (the built-in task types). */
export function isBuiltinDeclaration(node: AstNode): boolean {
    return AstUtils.findRootNode(node).$document?.uri.toString() === BUILTIN_DOCUMENT;
}
