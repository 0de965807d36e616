import { type LangiumDocument, type MaybePromise } from 'langium';
import { DefaultDefinitionProvider } from 'langium/lsp';
import { type DefinitionParams, LocationLink } from 'vscode-languageserver';
import type { FlowServices } from '../flow-module.js';
import type { FlowInterpolationIndex } from './flow-interpolation-index.js';

/** Go to definition, also from a name inside a `{{...}}` interpolation. */
export class FlowDefinitionProvider extends DefaultDefinitionProvider {
    protected readonly interpolations: FlowInterpolationIndex;

    constructor(services: FlowServices) {
        super(services);
        this.interpolations = services.lsp.InterpolationIndex;
    }

    override getDefinition(document: LangiumDocument, params: DefinitionParams): MaybePromise<LocationLink[] | undefined> {
        const name = this.interpolations.nameAt(document, document.textDocument.offsetAt(params.position));
        if (!name) return super.getDefinition(document, params);
        const target = name.target;
        const targetCst = target?.$cstNode;
        const nameNode = target && this.nameProvider.getNameNode(target);
        if (!targetCst || !nameNode) return undefined;
        const origin = {
            start: document.textDocument.positionAt(name.offset),
            end: document.textDocument.positionAt(name.offset + name.length)
        };
        return [LocationLink.create(document.textDocument.uri, targetCst.range, nameNode.range, origin)];
    }
}
