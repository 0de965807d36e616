import * as path from 'node:path';
import { GenerateError, modelToFlow } from '@flow/language';
import { CliError } from '@flow/cli/src/cli-error.js';
import type { CliDiagnostic } from '@flow/cli/src/diagnostics.js';
import { loadWorkflowModel } from '@flow/cli/src/load-model.js';
import type { WorkflowProblem } from './compile-workflow.js';

export type ConvertOutcome =
    /** `notes`: settings the importer could not carry over or that Flow honours its own way. */
    | { kind: 'converted'; text: string; workflow: string; tasks: number; notes: WorkflowProblem[] }
    | { kind: 'problems'; problems: WorkflowProblem[] }
    | { kind: 'failed'; message: string };

/**
 * A seed `.json` workflow as `.flow` text, as `flowctl convert` makes it: imported with the
 * agents, pools, types and notifications the workspace's `.flow` files declare (which the
 * output then refers to rather than copies), and written out in Flow's one layout.
 */
export async function convertSeedJson(file: string, workspaceDir: string): Promise<ConvertOutcome> {
    try {
        const loaded = await loadWorkflowModel(file, { workspace: workspaceDir });
        const problems = loaded.diagnostics.map(diagnostic => problemOf(diagnostic, file));
        if (!loaded.model) return { kind: 'problems', problems: problems.filter((_, index) => loaded.diagnostics[index].severity === 'error') };
        return {
            kind: 'converted', text: modelToFlow(loaded.model, { workspace: loaded.workspace }),
            workflow: loaded.model.name, tasks: loaded.model.tasks.length, notes: problems
        };
    } catch (error) {
        if (error instanceof CliError) return { kind: 'failed', message: error.message };
        if (error instanceof GenerateError) return { kind: 'failed', message: `${path.basename(file)} cannot be written as .flow: ${error.message}` };
        throw error;
    }
}

function problemOf(diagnostic: CliDiagnostic, file: string): WorkflowProblem {
    return { file, line: diagnostic.range.start.line, column: diagnostic.range.start.column, message: diagnostic.message, code: diagnostic.code };
}
