import type { LangiumDocument, MaybePromise } from 'langium';
import { DefaultReferencesProvider } from 'langium/lsp';
import { Location, type ReferenceParams } from 'vscode-languageserver';
import type { FlowServices } from '../flow-module.js';
import type { FlowInterpolationIndex } from './flow-interpolation-index.js';

/** Find references, also asked from a name inside a `{{...}}` interpolation. */
export class FlowReferencesProvider extends DefaultReferencesProvider {
    protected readonly interpolations: FlowInterpolationIndex;

    constructor(services: FlowServices) {
        super(services);
        this.interpolations = services.lsp.InterpolationIndex;
    }

    override findReferences(document: LangiumDocument, params: ReferenceParams): MaybePromise<Location[]> {
        const name = this.interpolations.nameAt(document, document.textDocument.offsetAt(params.position));
        if (!name) return super.findReferences(document, params);
        if (!name.target) return [];
        return this.references.findReferences(name.target, { includeDeclaration: params.context.includeDeclaration })
            .map(reference => Location.create(reference.sourceUri.toString(), reference.segment.range))
            .toArray();
    }
}
