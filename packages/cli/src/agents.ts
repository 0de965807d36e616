import { compileWorkspaceDeclarations } from '@flow/language';
import type { AgentDef, WorkflowModel } from '@flow/model';
import { CliError, ExitCode } from './cli-error.js';
import { formatDiagnostic } from './diagnostics.js';
import { loadWorkspace, targetDiagnostics } from './workspace-loader.js';

/**
 * The root-level agents of `files` (`flowctl run --agents`) and of the workspace around them,
 * compiled as a workflow there would see them.
 */
export async function loadAgents(workspaceDir: string, files: readonly string[]): Promise<AgentDef[]> {
    const workspace = await loadWorkspace(workspaceDir, files);
    const problems = [...workspace.targets].flatMap(([file, target]) => targetDiagnostics(file, target))
        .filter(diagnostic => diagnostic.severity === 'error');
    if (problems.length > 0) {
        throw new CliError(`the agents file has errors:\n${problems.map(formatDiagnostic).join('\n')}`, ExitCode.Problems);
    }
    return compileWorkspaceDeclarations(workspace.services.Flow).agents;
}

/**
 * Adds agents to a model. An agent of the model wins over a given one of the same name unless
 * it cannot run anything (a seed JSON's `assignTo` names an agent without saying what it does).
 */
export function mergeAgents(model: WorkflowModel, agents: readonly AgentDef[]): WorkflowModel {
    const merged = [...model.agents];
    for (const agent of agents) {
        const index = merged.findIndex(existing => existing.name === agent.name);
        if (index < 0) merged.push(agent);
        else if (merged[index].run === undefined) merged[index] = agent;
    }
    return { ...model, agents: merged };
}
