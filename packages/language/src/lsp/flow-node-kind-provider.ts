import type { AstNode, AstNodeDescription } from 'langium';
import { CompletionItemKind, SymbolKind } from 'vscode-languageserver';
import type { NodeKindProvider } from 'langium/lsp';
import * as ast from '../generated/ast.js';

/**
 * The symbol and completion-item kinds of Flow's declarations, shared by the outline, workspace
 * symbols and completion so that one element looks the same everywhere in the editor.
 */
export class FlowNodeKindProvider implements NodeKindProvider {
    getSymbolKind(node: AstNode | AstNodeDescription): SymbolKind {
        switch (typeOf(node)) {
            case ast.Workflow.$type: return SymbolKind.Module;
            case ast.Phase.$type: return SymbolKind.Namespace;
            case ast.Stream.$type: return SymbolKind.Package;
            case ast.Task.$type: return SymbolKind.Function;
            case ast.Batch.$type: return SymbolKind.Array;
            case ast.Checkpoint.$type:
            case ast.Milestone.$type:
            case ast.Notification.$type: return SymbolKind.Event;
            case ast.Agent.$type: return SymbolKind.Object;
            case ast.Pool.$type: return SymbolKind.Struct;
            case ast.TaskType.$type: return SymbolKind.Class;
            case ast.Param.$type: return SymbolKind.Variable;
            case ast.Capability.$type: return SymbolKind.EnumMember;
            default: return SymbolKind.Field;
        }
    }

    getCompletionItemKind(node: AstNode | AstNodeDescription): CompletionItemKind {
        switch (typeOf(node)) {
            case ast.Workflow.$type: return CompletionItemKind.Module;
            case ast.Phase.$type:
            case ast.Stream.$type: return CompletionItemKind.Folder;
            case ast.Task.$type:
            case ast.Batch.$type: return CompletionItemKind.Function;
            case ast.Checkpoint.$type:
            case ast.Milestone.$type:
            case ast.Notification.$type: return CompletionItemKind.Event;
            case ast.Agent.$type: return CompletionItemKind.Interface;
            case ast.Pool.$type: return CompletionItemKind.Struct;
            case ast.TaskType.$type: return CompletionItemKind.Class;
            case ast.Param.$type: return CompletionItemKind.Variable;
            case ast.Capability.$type: return CompletionItemKind.EnumMember;
            default: return CompletionItemKind.Reference;
        }
    }
}

function typeOf(node: AstNode | AstNodeDescription): string {
    return '$type' in node ? node.$type : node.type;
}
