import { type AstNode, type Cancellation, CstUtils, GrammarAST, interruptAndCheck, isLeafCstNode, type LangiumDocument } from 'langium';
import { AbstractSemanticTokenProvider, type SemanticTokenAcceptor } from 'langium/lsp';
import { SemanticTokenModifiers, SemanticTokenTypes } from 'vscode-languageserver';
import type { FlowServices } from '../flow-module.js';
import * as ast from '../generated/ast.js';
import { isBuiltinDeclaration } from './declarations.js';
import type { FlowInterpolationIndex, PlacedInterpolation } from './flow-interpolation-index.js';

const declaration = SemanticTokenModifiers.declaration;

/** The token type of each kind of declaration, for its name and for every reference to it. */
const DECLARATION_TYPES: Record<string, SemanticTokenTypes> = {
    [ast.Workflow.$type]: SemanticTokenTypes.namespace,
    [ast.Phase.$type]: SemanticTokenTypes.namespace,
    [ast.Stream.$type]: SemanticTokenTypes.namespace,
    [ast.Task.$type]: SemanticTokenTypes.function,
    [ast.Batch.$type]: SemanticTokenTypes.function,
    [ast.Checkpoint.$type]: SemanticTokenTypes.event,
    [ast.Milestone.$type]: SemanticTokenTypes.event,
    [ast.Notification.$type]: SemanticTokenTypes.event,
    [ast.Agent.$type]: SemanticTokenTypes.class,
    [ast.Pool.$type]: SemanticTokenTypes.struct,
    [ast.TaskType.$type]: SemanticTokenTypes.type,
    [ast.Param.$type]: SemanticTokenTypes.parameter,
    [ast.Capability.$type]: SemanticTokenTypes.enumMember
};

/**
 * Semantic highlighting. The TextMate grammar colours keywords, strings and numbers by their
 * spelling; this provider says what each name *is* (task, agent, pool, type, parameter, phase,
 * capability), so a task called `run` is coloured as a task, not as the keyword. Durations and
 * date-times are numbers, and the parts of `{{...}}` interpolations inside strings are coloured
 * like the same expression outside a string.
 */
export class FlowSemanticTokenProvider extends AbstractSemanticTokenProvider {
    protected readonly interpolations: FlowInterpolationIndex;

    constructor(services: FlowServices) {
        super(services);
        this.interpolations = services.lsp.InterpolationIndex;
    }

    protected override async computeHighlighting(
        document: LangiumDocument, acceptor: SemanticTokenAcceptor, cancelToken: Cancellation.CancellationToken
    ): Promise<void> {
        await super.computeHighlighting(document, acceptor, cancelToken);
        const root = document.parseResult.value.$cstNode;
        if (root) {
            // Durations and date-times are single tokens wherever they stand.
            let visited = 0;
            for (const leaf of CstUtils.flattenCst(root)) {
                if (++visited % 1000 === 0) await interruptAndCheck(cancelToken);
                const tokenType = leaf.tokenType.name;
                if (tokenType === 'DURATION' || tokenType === 'DATETIME') acceptor({ cst: leaf, type: SemanticTokenTypes.number });
            }
        }
        for (const placed of this.interpolations.of(document).interpolations) {
            await interruptAndCheck(cancelToken);
            this.highlightInterpolation(document, placed, acceptor);
        }
    }

    protected override highlightElement(node: AstNode, acceptor: SemanticTokenAcceptor): void {
        const declared = DECLARATION_TYPES[node.$type];
        if (declared && 'name' in node) {
            acceptor({ node, property: 'name', type: declared, modifier: declaration });
        }
        if (ast.isTask(node) || ast.isBatch(node)) {
            const builtin = node.type?.ref && isBuiltinDeclaration(node.type.ref);
            acceptor({ node, property: 'type', type: SemanticTokenTypes.type, modifier: builtin ? SemanticTokenModifiers.defaultLibrary : undefined });
            acceptor({ node, property: 'after', type: SemanticTokenTypes.function });
        } else if (ast.isTaskAfter(node) || ast.isCheckpoint(node) || ast.isMilestone(node)) {
            acceptor({ node, property: 'after', type: SemanticTokenTypes.function });
        } else if (ast.isPhase(node)) {
            acceptor({ node, property: 'after', type: SemanticTokenTypes.namespace });
        } else if (ast.isTaskRef(node)) {
            acceptor({ node, property: 'task', type: SemanticTokenTypes.function });
        } else if (ast.isCompensate(node)) {
            acceptor({ node, property: 'task', type: SemanticTokenTypes.function });
        } else if (ast.isParamRef(node)) {
            acceptor({ node, property: 'param', type: SemanticTokenTypes.parameter });
        } else if (ast.isArgument(node)) {
            acceptor({ node, property: 'param', type: SemanticTokenTypes.parameter });
        } else if (ast.isMemberAccess(node)) {
            acceptor({ node, property: 'member', type: SemanticTokenTypes.property });
        } else if (ast.isItemRef(node)) {
            acceptor({ node, keyword: 'item', type: SemanticTokenTypes.variable, modifier: SemanticTokenModifiers.readonly });
        } else if (ast.isWorkflow(node)) {
            acceptor({ node, property: 'base', type: SemanticTokenTypes.namespace });
        } else if (ast.isTaskPool(node) || ast.isTypePool(node)) {
            acceptor({ node, property: 'pool', type: SemanticTokenTypes.struct });
        } else if (ast.isTaskAgent(node)) {
            acceptor({ node, property: 'agent', type: SemanticTokenTypes.class });
        } else if (ast.isTaskPrefer(node)) {
            acceptor({ node, property: 'agents', type: SemanticTokenTypes.class });
        } else if (ast.isPoolTypes(node) || ast.isCacheTypes(node)) {
            acceptor({ node, property: 'types', type: SemanticTokenTypes.type });
        } else if (ast.isCompletionNotify(node) || ast.isFailureNotify(node) || ast.isEscalateAction(node)) {
            acceptor({ node, property: 'targets', type: SemanticTokenTypes.event });
        } else if (ast.isRetryOn(node) || ast.isRecoveryRule(node)) {
            acceptor({ node, property: 'kinds', type: SemanticTokenTypes.enumMember });
        } else if (ast.isFailRunner(node)) {
            acceptor({ node, property: 'kind', type: SemanticTokenTypes.enumMember });
        } else if (ast.isTaskTags(node)) {
            acceptor({ node, property: 'tags', type: SemanticTokenTypes.variable });
        } else if (ast.isTypeChecks(node)) {
            acceptor({ node, property: 'checks', type: SemanticTokenTypes.variable });
        } else if (ast.isTypeTools(node)) {
            acceptor({ node, property: 'tools', type: SemanticTokenTypes.variable });
        } else if (ast.isTypePermissions(node)) {
            acceptor({ node, property: 'permissions', type: SemanticTokenTypes.variable });
        } else if (ast.isCompletionDeliverables(node)) {
            acceptor({ node, property: 'deliverables', type: SemanticTokenTypes.variable });
        } else if (ast.isTypeOutput(node)) {
            acceptor({ node, property: 'format', type: SemanticTokenTypes.variable });
        } else if (ast.isNodeRunner(node)) {
            acceptor({ node, property: 'exportName', type: SemanticTokenTypes.function });
        } else if (ast.isObjectEntry(node)) {
            const key = node.$cstNode && CstUtils.findLeafNodeAtOffset(node.$cstNode, node.$cstNode.offset);
            if (key && key.tokenType.name !== 'STRING') acceptor({ cst: key, type: SemanticTokenTypes.property });
        }
    }

    /** Colours the parts of one `{{...}}` interpolation, and its braces as operators. */
    protected highlightInterpolation(document: LangiumDocument, placed: PlacedInterpolation, acceptor: SemanticTokenAcceptor): void {
        const { interpolation } = placed;
        const text = document.textDocument.getText();
        const open = text.lastIndexOf('{{', interpolation.offset);
        const close = text.indexOf('}}', interpolation.offset + interpolation.length);
        if (open >= 0) this.acceptAt(document, open, 2, SemanticTokenTypes.operator, acceptor);
        if (close >= 0 && interpolation.expression) this.acceptAt(document, close, 2, SemanticTokenTypes.operator, acceptor);
        const cst = interpolation.expression?.$cstNode;
        if (!cst) return;
        for (const leaf of CstUtils.flattenCst(cst)) {
            if (!isLeafCstNode(leaf) || leaf.hidden) continue;
            const type = interpolatedTokenType(leaf.astNode, leaf.tokenType.name, GrammarAST.isKeyword(leaf.grammarSource) ? leaf.text : undefined);
            if (type) this.acceptAt(document, interpolation.offset + leaf.offset, leaf.length, type, acceptor);
        }
    }

    protected acceptAt(document: LangiumDocument, offset: number, length: number, type: string, acceptor: SemanticTokenAcceptor): void {
        const start = document.textDocument.positionAt(offset);
        acceptor({ line: start.line, char: start.character, length, type });
    }
}

/** The token type of one token of an interpolated expression. */
function interpolatedTokenType(node: AstNode, tokenType: string, keyword: string | undefined): string | undefined {
    if (ast.isParamRef(node)) return keyword === 'param' ? SemanticTokenTypes.keyword : keyword === '.' ? undefined : SemanticTokenTypes.parameter;
    if (ast.isTaskRef(node)) return SemanticTokenTypes.function;
    if (ast.isItemRef(node)) return SemanticTokenTypes.variable;
    if (ast.isMemberAccess(node)) return keyword === '.' ? undefined : SemanticTokenTypes.property;
    if (tokenType === 'NUMBER' || tokenType === 'DURATION' || tokenType === 'DATETIME') return SemanticTokenTypes.number;
    if (tokenType === 'STRING') return SemanticTokenTypes.string;
    if (keyword !== undefined) return /^[a-z]/.test(keyword) ? SemanticTokenTypes.keyword : SemanticTokenTypes.operator;
    return undefined;
}
