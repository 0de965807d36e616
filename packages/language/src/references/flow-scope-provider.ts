import {
    AstUtils, type AstNode, type AstNodeDescription, type AstNodeDescriptionProvider, DocumentCache,
    type IndexManager, MapScope, type ReferenceInfo, type Scope, EMPTY_SCOPE, WorkspaceCache,
    type AstReflection, type LangiumDocument, type Stream
} from 'langium';
import type { FlowServices } from '../flow-module.js';
import * as ast from '../generated/ast.js';

/** The kinds of names a workflow declares, each looked up in a hash map of its own. */
const LOCAL_KINDS = [
    ast.Task.$type, ast.Batch.$type, ast.Phase.$type, ast.Param.$type, ast.Agent.$type, ast.Pool.$type,
    ast.TaskType.$type, ast.Notification.$type
] as const;

/** A local scope over an outer one, without copying either: the local name wins. */
class LayeredScope implements Scope {
    constructor(private readonly local: MapScope, private readonly outer: Scope) {}

    getElement(name: string): AstNodeDescription | undefined {
        return this.local.elements.get(name) ?? this.outer.getElement(name);
    }

    getElements(name: string): Stream<AstNodeDescription> {
        return this.local.getElements(name).concat(this.outer.getElements(name));
    }

    getAllElements(): Stream<AstNodeDescription> {
        return this.local.getAllElements().concat(this.outer.getAllElements());
    }
}

/**
 * Hashed scopes, cached per document.
 *
 * Task, batch and phase names are visible across their whole workflow (phases and streams
 * group, they do not hide names); a workflow's own agents, pools, types, notifications and
 * parameters shadow the workspace's root-level declarations, which come from the index. Every
 * lookup is a hash-map hit, so linking is linear in the number of references (Langium's default
 * scans a stream per reference and is quadratic in the names of one container).
 */
export class FlowScopeProvider {
    protected readonly reflection: AstReflection;
    protected readonly descriptions: AstNodeDescriptionProvider;
    protected readonly indexManager: IndexManager;
    /** Per document: per workflow, its declarations by kind. */
    protected readonly localNames: DocumentCache<ast.Workflow, Map<string, AstNodeDescription[]>>;
    /**
     * Per document: per workflow and reference type, the local scope, built once rather than per
     * reference. The global scope is layered under it at lookup time, because it changes with
     * other documents and this cache is cleared only when this document changes.
     */
    protected readonly localScopes: DocumentCache<string, MapScope | undefined>;
    protected readonly globalScopes: WorkspaceCache<string, Scope>;

    constructor(services: FlowServices) {
        this.reflection = services.shared.AstReflection;
        this.descriptions = services.workspace.AstNodeDescriptionProvider;
        this.indexManager = services.shared.workspace.IndexManager;
        this.localNames = new DocumentCache(services.shared);
        this.localScopes = new DocumentCache(services.shared);
        this.globalScopes = new WorkspaceCache(services.shared);
    }

    getScope(context: ReferenceInfo): Scope {
        const referenceType = this.reflection.getReferenceType(context);
        if (ast.isArgument(context.container)) {
            return this.templateParameterScope(context.container);
        }
        const global = this.globalScope(referenceType);
        const workflow = AstUtils.getContainerOfType(context.container, ast.isWorkflow);
        if (!workflow) return global;
        const document = AstUtils.getDocument(workflow);
        const key = `${workflow.$cstNode?.offset ?? 0}:${referenceType}`;
        const local = this.localScopes.get(document.uri, key, () => {
            const descriptions = this.localDescriptions(workflow, document, referenceType);
            return descriptions.length === 0 ? undefined : new MapScope(descriptions);
        });
        return local ? new LayeredScope(local, global) : global;
    }

    /** The parameters of the template a workflow instantiates with `from`. */
    protected templateParameterScope(argument: ast.Argument): Scope {
        const base = argument.$container.base?.ref;
        if (!base) return EMPTY_SCOPE;
        // A parameter still being typed has no name yet, and a description needs one.
        const params = base.members.filter(ast.isParam).filter(param => !!param.name);
        return new MapScope(params.map(p => this.descriptions.createDescription(p, p.name)));
    }

    protected localDescriptions(workflow: ast.Workflow, document: LangiumDocument, referenceType: string): AstNodeDescription[] {
        const byKind = this.localNames.get(document.uri, workflow, () => this.collectWorkflowNames(workflow, document));
        const result: AstNodeDescription[] = [];
        for (const kind of LOCAL_KINDS) {
            if (this.reflection.isSubtype(kind, referenceType)) {
                const found = byKind.get(kind);
                if (found) result.push(...found);
            }
        }
        return result;
    }

    protected collectWorkflowNames(workflow: ast.Workflow, document: LangiumDocument): Map<string, AstNodeDescription[]> {
        const byKind = new Map<string, AstNodeDescription[]>();
        const add = (node: AstNode & { name?: string }) => {
            if (!node.name) return;
            let list = byKind.get(node.$type);
            if (!list) byKind.set(node.$type, list = []);
            list.push(this.descriptions.createDescription(node, node.name, document));
        };
        // Walk only the structural containers: expressions and literals hold no declarations.
        const visit = (members: readonly AstNode[]) => {
            for (const member of members) {
                if (ast.isPhase(member)) {
                    add(member);
                    visit(member.members);
                } else if (ast.isStream(member)) {
                    visit(member.elements);
                } else if (LOCAL_KINDS.includes(member.$type as typeof LOCAL_KINDS[number])) {
                    add(member as AstNode & { name?: string });
                }
            }
        };
        visit(workflow.members);
        return byKind;
    }

    protected globalScope(referenceType: string): Scope {
        return this.globalScopes.get(referenceType, () =>
            new MapScope(this.indexManager.allElements(referenceType)));
    }
}
