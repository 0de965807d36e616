import {
    AstUtils, type AstNode, type AstNodeDescription, type AstNodeDescriptionProvider, DocumentCache,
    type IndexManager, MapScope, type ReferenceInfo, type Scope, EMPTY_SCOPE, WorkspaceCache,
    type AstReflection, type LangiumDocument
} from 'langium';
import type { FlowServices } from '../flow-module.js';
import * as ast from '../generated/ast.js';

/** The kinds of names a workflow declares, each looked up in a hash map of its own. */
const LOCAL_KINDS = [
    ast.Task.$type, ast.Batch.$type, ast.Phase.$type, ast.Param.$type, ast.Agent.$type, ast.Pool.$type,
    ast.TaskType.$type, ast.Notification.$type
] as const;

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
    /** Per document: per workflow, per kind, the local scope (without its outer scope). */
    protected readonly localScopes: DocumentCache<ast.Workflow, Map<string, AstNodeDescription[]>>;
    protected readonly globalScopes: WorkspaceCache<string, Scope>;

    constructor(services: FlowServices) {
        this.reflection = services.shared.AstReflection;
        this.descriptions = services.workspace.AstNodeDescriptionProvider;
        this.indexManager = services.shared.workspace.IndexManager;
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
        const local = this.localDescriptions(workflow, referenceType);
        return local.length === 0 ? global : new MapScope(local, global);
    }

    /** The parameters of the template a workflow instantiates with `from`. */
    protected templateParameterScope(argument: ast.Argument): Scope {
        const base = argument.$container.base?.ref;
        if (!base) return EMPTY_SCOPE;
        const params = base.members.filter(ast.isParam);
        return new MapScope(params.map(p => this.descriptions.createDescription(p, p.name)));
    }

    protected localDescriptions(workflow: ast.Workflow, referenceType: string): AstNodeDescription[] {
        const document = AstUtils.getDocument(workflow);
        const byKind = this.localScopes.get(document.uri, workflow, () => this.collectWorkflowNames(workflow, document));
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
