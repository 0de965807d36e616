import {
    type AstNode, AstUtils, type AstNodeLocator, DefaultReferences, type FindReferencesOptions, type ReferenceDescription,
    type Stream, UriUtils
} from 'langium';
import type { FlowServices } from '../flow-module.js';
import type { FlowInterpolationIndex, InterpolatedName } from './flow-interpolation-index.js';

/**
 * Langium's references plus the names read in `{{...}}` interpolations, which are not Langium
 * references (they live inside string tokens). Find references, rename and document highlights
 * all go through {@link findReferences}, so renaming a task also rewrites `{{build.result.x}}`.
 */
export class FlowReferences extends DefaultReferences {
    protected readonly interpolations: FlowInterpolationIndex;
    protected readonly locator: AstNodeLocator;

    constructor(services: FlowServices) {
        super(services);
        this.interpolations = services.lsp.InterpolationIndex;
        this.locator = services.workspace.AstNodeLocator;
    }

    override findReferences(targetNode: AstNode, options: FindReferencesOptions): Stream<ReferenceDescription> {
        const references = super.findReferences(targetNode, options);
        const occurrences = this.interpolations.occurrencesOf(targetNode);
        if (occurrences.length === 0) return references;
        const document = AstUtils.getDocument(targetNode);
        if (options.documentUri && !UriUtils.equals(document.uri, options.documentUri)) return references;
        const targetPath = this.locator.getAstNodePath(targetNode);
        return references.concat(occurrences.map(occurrence => this.describe(occurrence, document.uri, targetPath)));
    }

    protected describe(occurrence: InterpolatedName, uri: ReferenceDescription['sourceUri'], targetPath: string): ReferenceDescription {
        const textDocument = AstUtils.getDocument(occurrence.holder).textDocument;
        const end = occurrence.offset + occurrence.length;
        return {
            sourceUri: uri,
            sourcePath: this.locator.getAstNodePath(occurrence.holder),
            targetUri: uri,
            targetPath,
            segment: {
                offset: occurrence.offset, length: occurrence.length, end,
                range: { start: textDocument.positionAt(occurrence.offset), end: textDocument.positionAt(end) }
            },
            local: true
        };
    }
}
