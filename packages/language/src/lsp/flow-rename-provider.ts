import { type AstNode, CstUtils, type LangiumDocument, type MaybePromise } from 'langium';
import { DefaultRenameProvider } from 'langium/lsp';
import {
    ErrorCodes, type PrepareRenameParams, type Range, type RenameParams, ResponseError, TextEdit, type WorkspaceEdit
} from 'vscode-languageserver';
import type { FlowServices } from '../flow-module.js';
import { isBuiltinDeclaration } from './declarations.js';
import type { FlowInterpolationIndex } from './flow-interpolation-index.js';

const NAME = /^[_a-zA-Z]\w*$/;
/** Words that cannot be names (see the grammar's `Name` rule). */
const RESERVED = new Set(['and', 'or', 'not', 'true', 'false', 'null', 'param']);

/**
 * Rename across files, from a declaration, a reference or a name inside a `{{...}}`
 * interpolation. Every occurrence comes from {@link FlowReferences}, so `after`, `when`,
 * checkpoints, `compensate` and interpolations are all rewritten. A new name that the language
 * would not read as a name is refused with a message, and so is renaming a built-in type.
 */
export class FlowRenameProvider extends DefaultRenameProvider {
    protected readonly interpolations: FlowInterpolationIndex;

    constructor(services: FlowServices) {
        super(services);
        this.interpolations = services.lsp.InterpolationIndex;
    }

    override async rename(document: LangiumDocument, params: RenameParams): Promise<WorkspaceEdit | undefined> {
        const target = this.targetAt(document, document.textDocument.offsetAt(params.position));
        if (!target) return undefined;
        const problem = this.renameProblem(target, params.newName);
        if (problem) throw new ResponseError(ErrorCodes.InvalidParams, problem);
        const changes: Record<string, TextEdit[]> = {};
        for (const reference of this.references.findReferences(target, { includeDeclaration: true })) {
            (changes[reference.sourceUri.toString()] ??= []).push(TextEdit.replace(reference.segment.range, params.newName));
        }
        return { changes };
    }

    override prepareRename(document: LangiumDocument, params: PrepareRenameParams): MaybePromise<Range | undefined> {
        const offset = document.textDocument.offsetAt(params.position);
        const name = this.interpolations.nameAt(document, offset);
        if (name) {
            if (!name.target) return undefined;
            return { start: document.textDocument.positionAt(name.offset), end: document.textDocument.positionAt(name.offset + name.length) };
        }
        const target = this.targetAt(document, offset);
        if (!target || this.isBuiltin(target)) return undefined;
        return super.prepareRename(document, params);
    }

    /** The declaration named at an offset: by its own name, a reference, or an interpolation. */
    protected targetAt(document: LangiumDocument, offset: number): AstNode | undefined {
        const name = this.interpolations.nameAt(document, offset);
        if (name) return name.target;
        const root = document.parseResult.value.$cstNode;
        const leaf = root && CstUtils.findDeclarationNodeAtOffset(root, offset, this.grammarConfig.nameRegexp);
        return leaf ? this.references.findDeclarations(leaf)[0] : undefined;
    }

    protected renameProblem(target: AstNode, newName: string): string | undefined {
        if (this.isBuiltin(target)) {
            return 'Built-in task types cannot be renamed; declare a type of your own with `type name { ... }` instead.';
        }
        if (!NAME.test(newName)) {
            return `'${newName}' is not a name: use letters, digits and '_', not starting with a digit.`;
        }
        if (RESERVED.has(newName)) {
            return `'${newName}' is a reserved word (and, or, not, true, false, null, param); choose another name.`;
        }
        return undefined;
    }

    protected isBuiltin(node: AstNode): boolean {
        return isBuiltinDeclaration(node);
    }
}
