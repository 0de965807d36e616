import { type AstNode, CstUtils, GrammarUtils, isLeafCstNode } from 'langium';
import type { FlowServices } from '../flow-module.js';
import * as ast from '../generated/ast.js';

/**
 * `{{...}}` interpolations inside strings (`"./research.sh {{param.topic}}"`). Their text is
 * parsed with the real expression grammar, so they are checked, hovered and compiled like any
 * other expression instead of being left opaque.
 */
export interface Interpolation {
    /** Offset of the inner expression text (without braces and surrounding blanks) in the document. */
    offset: number;
    /** Length of the inner expression text. */
    length: number;
    /** The inner expression text, as written. */
    text: string;
    /** The parsed expression; its CST offsets are relative to {@link offset}. Absent when empty. */
    expression?: ast.Expression;
    /** What is wrong with the text, if it does not parse. */
    syntaxErrors: string[];
}

/** A string of the document with its interpolations: the node and property that hold it. */
export interface InterpolatedString {
    node: AstNode;
    property: string;
    interpolations: Interpolation[];
}

/** The interpolations in the STRING value(s) of a node's property. */
export function findInterpolations(node: AstNode, property: string, services: FlowServices): Interpolation[] {
    return GrammarUtils.findNodesForProperty(node.$cstNode, property)
        .filter(cst => cst.text.startsWith('"'))
        .flatMap(cst => scanInterpolations(cst.text, cst.offset, services));
}

/**
 * Every string under `root` that holds at least one `{{`, with the node and property it belongs
 * to. Object keys and enum values are names, not text, and are left out.
 */
export function findInterpolatedStrings(root: AstNode, services: FlowServices): InterpolatedString[] {
    const result: InterpolatedString[] = [];
    if (!root.$cstNode) return result;
    for (const cst of CstUtils.streamCst(root.$cstNode)) {
        if (!isLeafCstNode(cst) || cst.tokenType.name !== 'STRING' || !cst.text.includes('{{')) continue;
        const property = GrammarUtils.findAssignment(cst)?.feature;
        const node = cst.astNode;
        if (!property || (ast.isObjectEntry(node) && property === 'key') || ast.isEnumType(node)) continue;
        result.push({ node, property, interpolations: scanInterpolations(cst.text, cst.offset, services) });
    }
    return result;
}

/**
 * Finds the interpolations in the raw text of a STRING token (quotes included) that starts at
 * `tokenOffset` in the document.
 */
export function scanInterpolations(raw: string, tokenOffset: number, services: FlowServices): Interpolation[] {
    const result: Interpolation[] = [];
    const contentEnd = raw.endsWith('"') && raw.length > 1 ? raw.length - 1 : raw.length;
    let position = raw.indexOf('{{');
    while (position >= 0 && position < contentEnd) {
        const innerStart = position + 2;
        const close = raw.indexOf('}}', innerStart);
        const innerEnd = close >= 0 && close < contentEnd ? close : contentEnd;
        const inner = raw.substring(innerStart, innerEnd);
        const leading = inner.length - inner.trimStart().length;
        const text = inner.trim();
        const offset = tokenOffset + innerStart + leading;
        if (innerEnd === contentEnd && close !== innerEnd) {
            result.push({ offset: tokenOffset + position, length: innerEnd - position, text: raw.substring(position, innerEnd),
                syntaxErrors: ["'{{' is not closed: end the interpolation with '}}'"] });
            break;
        }
        if (text.length === 0) {
            result.push({ offset: tokenOffset + position, length: innerEnd + 2 - position, text,
                syntaxErrors: ['the interpolation is empty: write an expression such as {{param.name}}'] });
        } else {
            result.push(parseInterpolation(text, offset, services));
        }
        position = raw.indexOf('{{', innerEnd + 2);
    }
    return result;
}

function parseInterpolation(text: string, offset: number, services: FlowServices): Interpolation {
    const parsed = services.parser.LangiumParser.parse<ast.Expression>(text, { rule: 'Expression' });
    const syntaxErrors: string[] = [];
    for (const error of parsed.lexerErrors) {
        syntaxErrors.push(`unexpected character '${text.substr(error.offset, Math.max(1, error.length))}'`);
    }
    for (const error of parsed.parserErrors) {
        const token = error.token;
        const atEnd = token.tokenType?.name === 'EOF' || Number.isNaN(token.startOffset);
        syntaxErrors.push(atEnd ? `'${text}' is not a complete expression` : `unexpected '${token.image}' in '${text}'`);
    }
    return {
        offset, length: text.length, text, syntaxErrors,
        expression: parsed.value
    };
}

/**
 * The offset and length of an expression node in the text it was parsed from. Langium gives every
 * operation of one infix expression the CST node of the whole expression, so the span of a binary
 * operation is taken from its leftmost and rightmost operands instead.
 */
export function expressionSpan(node: AstNode): { offset: number; length: number } | undefined {
    let first: AstNode | undefined = node;
    while (ast.isBinaryExpression(first)) first = first.left;
    let last: AstNode | undefined = node;
    while (ast.isBinaryExpression(last)) last = last.right;
    const start = first?.$cstNode;
    const end = last?.$cstNode;
    if (!start || !end) return node.$cstNode ? { offset: node.$cstNode.offset, length: node.$cstNode.length } : undefined;
    return { offset: start.offset, length: end.end - start.offset };
}

/** The source text of an expression node (see {@link expressionSpan}). */
export function expressionText(node: AstNode): string | undefined {
    const span = expressionSpan(node);
    const text = node.$cstNode?.root.fullText;
    return span && text !== undefined ? text.substring(span.offset, span.offset + span.length) : undefined;
}

/**
 * The document offset and length of a node of an interpolation's expression, or of one of its
 * properties (`param` of `param.x` is the name alone).
 */
export function interpolationNodeRange(interpolation: Interpolation, node: AstNode, property?: string): { offset: number; length: number } {
    const propertyNode = property ? GrammarUtils.findNodeForProperty(node.$cstNode, property) : undefined;
    const span = propertyNode ? { offset: propertyNode.offset, length: propertyNode.length } : expressionSpan(node);
    if (!span) return { offset: interpolation.offset, length: interpolation.length };
    return { offset: interpolation.offset + span.offset, length: span.length };
}

interface WorkflowNames {
    params: Map<string, ast.Param>;
    tasks: Map<string, ast.Schedulable>;
}

const namesByWorkflow = new WeakMap<ast.Workflow, WorkflowNames>();

/** Parameters and tasks (and batches) of a workflow by name; the first declaration wins. */
export function workflowNames(workflow: ast.Workflow): WorkflowNames {
    let names = namesByWorkflow.get(workflow);
    if (names) return names;
    names = { params: new Map(), tasks: new Map() };
    const addTask = (node: AstNode) => {
        if ((ast.isTask(node) || ast.isBatch(node)) && node.name !== undefined && !names!.tasks.has(node.name)) {
            names!.tasks.set(node.name, node);
        }
    };
    for (const member of workflow.members ?? []) {
        if (ast.isParam(member)) {
            if (member.name !== undefined && !names.params.has(member.name)) names.params.set(member.name, member);
        } else if (ast.isPhase(member)) {
            for (const phaseMember of member.members ?? []) {
                if (ast.isStream(phaseMember)) (phaseMember.elements ?? []).forEach(addTask);
                else addTask(phaseMember);
            }
        } else {
            addTask(member);
        }
    }
    namesByWorkflow.set(workflow, names);
    return names;
}

/**
 * Resolves a name read in an interpolation (`param.x`, a task, or a member access on one) to
 * its declaration in the workflow, by name: interpolated expressions are not linked by Langium.
 */
export function resolveInterpolatedName(workflow: ast.Workflow, expression: AstNode | undefined): ast.Param | ast.Schedulable | undefined {
    let current = expression;
    while (ast.isMemberAccess(current)) current = current.receiver;
    if (ast.isParamRef(current)) {
        const name = current.param?.$refText;
        return name === undefined ? undefined : workflowNames(workflow).params.get(name);
    }
    if (ast.isTaskRef(current)) {
        const name = current.task?.$refText;
        return name === undefined ? undefined : workflowNames(workflow).tasks.get(name);
    }
    return undefined;
}
