import { AstUtils, type AstNode, DocumentCache, type LangiumDocument } from 'langium';
import type { FlowServices } from '../flow-module.js';
import * as ast from '../generated/ast.js';
import {
    findInterpolatedStrings, interpolationNodeRange, workflowNames, type Interpolation
} from '../workflow/interpolation.js';

/** A name read inside a `{{...}}` interpolation: `topic` of `{{param.topic}}`, `build` of `{{build.result.path}}`. */
export interface InterpolatedName {
    /** Offset of the name in the document. */
    offset: number;
    length: number;
    name: string;
    kind: 'param' | 'task';
    /** The declaration it names in its workflow, or undefined when nothing of that name is declared there. */
    target?: ast.Param | ast.Schedulable;
    /** The node whose string holds the interpolation. */
    holder: AstNode;
}

/** An interpolation with where it stands. */
export interface PlacedInterpolation {
    interpolation: Interpolation;
    holder: AstNode;
    workflow?: ast.Workflow;
}

/** Every interpolation of one document, and the names they read. */
export interface DocumentInterpolations {
    /** In document order. */
    interpolations: PlacedInterpolation[];
    /** In document order. */
    names: InterpolatedName[];
    /** The names that resolve, by declaration. */
    byTarget: Map<AstNode, InterpolatedName[]>;
}

/**
 * The interpolations of each document and the declarations they name, computed once per
 * document version. Interpolated expressions are parsed from string contents and never linked
 * by Langium, so references, rename, hover, definition and highlighting ask here instead.
 */
export class FlowInterpolationIndex {
    private readonly services: FlowServices;
    private readonly cache: DocumentCache<string, DocumentInterpolations>;

    constructor(services: FlowServices) {
        this.services = services;
        this.cache = new DocumentCache(services.shared);
    }

    of(document: LangiumDocument): DocumentInterpolations {
        return this.cache.get(document.uri, 'interpolations', () => this.collect(document));
    }

    /** The interpolated name at an offset of a document (the end of the name counts). */
    nameAt(document: LangiumDocument, offset: number): InterpolatedName | undefined {
        const names = this.of(document).names;
        const index = lastStartingAtOrBefore(names, name => name.offset, offset);
        const name = names[index];
        return name && offset <= name.offset + name.length ? name : undefined;
    }

    /** The interpolation whose expression text spans an offset. */
    interpolationAt(document: LangiumDocument, offset: number): PlacedInterpolation | undefined {
        const placed = this.of(document).interpolations;
        const index = lastStartingAtOrBefore(placed, entry => entry.interpolation.offset, offset);
        const entry = placed[index];
        return entry && offset <= entry.interpolation.offset + entry.interpolation.length ? entry : undefined;
    }

    /** Where a parameter or task is read in interpolations of its own document. */
    occurrencesOf(target: AstNode): InterpolatedName[] {
        if (!ast.isParam(target) && !ast.isTask(target) && !ast.isBatch(target)) return [];
        const document = AstUtils.findRootNode(target).$document;
        return document ? this.of(document).byTarget.get(target) ?? [] : [];
    }

    protected collect(document: LangiumDocument): DocumentInterpolations {
        const result: DocumentInterpolations = { interpolations: [], names: [], byTarget: new Map() };
        const root = document.parseResult.value;
        if (!root) return result;
        for (const string of findInterpolatedStrings(root, this.services)) {
            const workflow = AstUtils.getContainerOfType(string.node, ast.isWorkflow);
            const names = workflow ? workflowNames(workflow) : undefined;
            for (const interpolation of string.interpolations) {
                result.interpolations.push({ interpolation, holder: string.node, workflow });
                if (!interpolation.expression) continue;
                for (const node of AstUtils.streamAst(interpolation.expression)) {
                    let found: InterpolatedName | undefined;
                    if (ast.isParamRef(node) && node.param?.$refText) {
                        const name = node.param.$refText;
                        found = { ...interpolationNodeRange(interpolation, node, 'param'), name, kind: 'param', target: names?.params.get(name), holder: string.node };
                    } else if (ast.isTaskRef(node) && node.task?.$refText) {
                        const name = node.task.$refText;
                        found = { ...interpolationNodeRange(interpolation, node, 'task'), name, kind: 'task', target: names?.tasks.get(name), holder: string.node };
                    }
                    if (!found) continue;
                    result.names.push(found);
                    if (found.target) {
                        let list = result.byTarget.get(found.target);
                        if (!list) result.byTarget.set(found.target, list = []);
                        list.push(found);
                    }
                }
            }
        }
        result.names.sort((a, b) => a.offset - b.offset);
        return result;
    }
}

/** The index of the last item whose start is at or before the offset, or -1 (items sorted by start). */
function lastStartingAtOrBefore<T>(items: readonly T[], start: (item: T) => number, offset: number): number {
    let low = 0;
    let high = items.length;
    while (low < high) {
        const middle = (low + high) >>> 1;
        if (start(items[middle]) <= offset) low = middle + 1;
        else high = middle;
    }
    return low - 1;
}
