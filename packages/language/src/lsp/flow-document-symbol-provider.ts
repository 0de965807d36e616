import type { AstNode, LangiumDocument } from 'langium';
import { DefaultDocumentSymbolProvider } from 'langium/lsp';
import type { DocumentSymbol } from 'vscode-languageserver';
import type { CstNode } from 'langium';
import * as ast from '../generated/ast.js';
import { describeBriefly } from './declarations.js';

/**
 * The outline: workflow > phase > stream > task, batch, checkpoint and milestone, with the
 * workflow's parameters, agents, pools, types and notifications beside its phases, and a short
 * detail on each (a task's type, an agent's capabilities). Only structural containers are
 * descended into, so expressions and literals (however deep) cost nothing.
 */
export class FlowDocumentSymbolProvider extends DefaultDocumentSymbolProvider {
    protected override createSymbol(
        document: LangiumDocument, astNode: AstNode, cstNode: CstNode, nameNode: CstNode, computedName?: string
    ): DocumentSymbol {
        const symbol = super.createSymbol(document, astNode, cstNode, nameNode, computedName);
        const detail = this.detailOf(astNode);
        return detail ? { ...symbol, detail } : symbol;
    }

    protected override getChildSymbols(document: LangiumDocument, astNode: AstNode): DocumentSymbol[] | undefined {
        const children = structuralChildren(astNode);
        const symbols = children.flatMap(child => this.getSymbol(document, child));
        return symbols.length > 0 ? symbols : undefined;
    }

    protected detailOf(node: AstNode): string | undefined {
        if (ast.isCheckpoint(node) || ast.isMilestone(node)) {
            const kind = ast.isCheckpoint(node) ? 'checkpoint' : 'milestone';
            const after = (node.after ?? []).map(reference => reference.$refText);
            return after.length > 0 ? `${kind} · after ${after.join(', ')}` : kind;
        }
        if (ast.isStream(node)) return node.mode ? `stream · ${node.mode}` : 'stream';
        if (ast.isPhase(node)) return ['phase', node.mode, (node.after ?? []).length > 0 ? `after ${node.after.map(ref => ref.$refText).join(', ')}` : undefined].filter(Boolean).join(' · ');
        if (ast.isWorkflow(node)) return node.template ? 'template' : node.base ? `from ${node.base.$refText}` : undefined;
        return describeBriefly(node);
    }
}

/** The children that can hold declarations shown in the outline. */
function structuralChildren(node: AstNode): readonly AstNode[] {
    if (ast.isFlowFile(node)) return node.elements ?? [];
    if (ast.isWorkflow(node)) return node.members ?? [];
    if (ast.isPhase(node)) return node.members ?? [];
    if (ast.isStream(node)) return node.elements ?? [];
    return [];
}
