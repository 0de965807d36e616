import { DefaultScopeComputation, type LangiumDocument, type LocalSymbols, MultiMap, type AstNodeDescription, type AstNode } from 'langium';

/**
 * Exports the root-level declarations of a file (workflows and templates, agents, pools, task
 * types, notifications) to the workspace, as Langium's default does. Local symbols are not
 * precomputed: {@link FlowScopeProvider} builds hashed scopes per workflow on demand, so the
 * default per-container streams (linear lookups, quadratic overall) are never used.
 */
export class FlowScopeComputation extends DefaultScopeComputation {
    override async collectLocalSymbols(_document: LangiumDocument): Promise<LocalSymbols> {
        return new MultiMap<AstNode, AstNodeDescription>();
    }
}
