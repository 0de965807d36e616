import * as path from 'node:path';
import type { WorkflowModel } from '@flow/model';
import { CompileError, ast, compileWorkflow, compileWorkspaceDeclarations, type WorkspaceDeclarations } from '@flow/language';
import { CliError } from './cli-error.js';
import { countProblems, type CliDiagnostic } from './diagnostics.js';
import { displayPath } from './input-files.js';
import { loadSeedWorkflow } from './seed-files.js';
import { loadWorkspace, resolveWorkspaceDir, targetDiagnostics } from './workspace-loader.js';

export interface LoadModelOptions {
    /** Folder whose `.flow` files are loaded for cross-file references. @default as `flowctl validate` chooses it */
    workspace?: string;
    /** Which workflow of a file with several. */
    workflow?: string;
    /**
     * Accept a template (its model has `template: true`), for commands that only show the
     * model; a template cannot run. @default false
     */
    allowTemplate?: boolean;
}

export interface LoadedModel {
    /** The file as given, made absolute. */
    file: string;
    model?: WorkflowModel;
    /** As `flowctl validate` prints them: errors, warnings and notes of the file. */
    diagnostics: CliDiagnostic[];
    /** For a seed .json: the workspace's declarations the model took (agents, pools, ...). */
    workspace?: WorkspaceDeclarations;
}

/**
 * Reads a .flow file (linked against its workspace's other .flow files, validated) or a seed
 * .json; diagnostics as validate prints them; model only when there are no errors. Throws
 * CliError for unreadable files/unknown types; with several workflows in a file and no
 * `workflow` option, a CliError listing their names. Templates are not runnable: a CliError
 * saying so and how to instantiate one.
 */
export async function loadWorkflowModel(file: string, options: LoadModelOptions = {}): Promise<LoadedModel> {
    const absolute = path.resolve(file);
    if (absolute.endsWith('.flow')) return loadFlowFile(absolute, options);
    if (absolute.endsWith('.json')) return loadJsonFile(absolute, options);
    throw new CliError(`${displayPath(absolute)}: unknown file type. This command reads a .flow workflow or a seed .json workflow.`);
}

async function loadFlowFile(file: string, options: LoadModelOptions): Promise<LoadedModel> {
    const workspace = await loadWorkspace(await resolveWorkspaceDir(options.workspace, [file]), [file]);
    const target = workspace.targets.get(file)!;
    const diagnostics = targetDiagnostics(file, target);
    if (countProblems(diagnostics).errors > 0 || !target.document) return { file, diagnostics };

    const workflows = (target.document.parseResult.value as ast.FlowFile).elements.filter(ast.isWorkflow);
    const workflow = chooseWorkflow(file, workflows, options);
    try {
        return { file, model: compileWorkflow(workflow, workspace.services.Flow), diagnostics };
    } catch (error) {
        // The validator accepted the file, so this is a rule only the compiler knows (or a bug).
        if (!(error instanceof CompileError)) throw error;
        const position = { line: error.source?.line ?? 1, column: error.source?.column ?? 1 };
        diagnostics.push({
            file: displayPath(error.source?.file ?? file), severity: 'error', code: 'flow/compile-error',
            message: error.problem, range: { start: position, end: position }
        });
        return { file, diagnostics };
    }
}

function chooseWorkflow(file: string, workflows: ast.Workflow[], options: LoadModelOptions): ast.Workflow {
    const shown = displayPath(file);
    const names = (list: ast.Workflow[]) => list.map(workflow => workflow.name).join(', ');
    if (options.workflow !== undefined) {
        const named = workflows.find(workflow => workflow.name === options.workflow);
        if (!named) {
            throw new CliError(workflows.length === 0
                ? `${shown}: --workflow ${options.workflow}: the file declares no workflow.`
                : `${shown}: --workflow ${options.workflow}: no workflow of that name here; the file declares ${names(workflows)}.`);
        }
        if (named.template && !options.allowTemplate) throw templateError(shown, named);
        return named;
    }
    const runnable = workflows.filter(workflow => !workflow.template);
    const candidates = runnable.length > 0 || !options.allowTemplate ? runnable : workflows;
    if (candidates.length === 1) return candidates[0];
    if (candidates.length > 1) {
        throw new CliError(`${shown}: the file declares ${candidates.length} workflows (${names(candidates)}); choose one with --workflow <name>.`);
    }
    if (workflows.length > 0) throw templateError(shown, workflows[0]);
    throw new CliError(`${shown}: the file declares no workflow, only shared declarations (agents, pools, types, notifications). ` +
        'Give a file with a `workflow Name { ... }`.');
}

function templateError(file: string, template: ast.Workflow): CliError {
    const parameter = template.members.find(ast.isParam);
    const example = parameter?.default?.$cstNode?.text
        ?? (parameter && ast.isEnumType(parameter.type) ? JSON.stringify(parameter.type.values[0]) : '...');
    const argument = parameter ? `${parameter.name}: ${example}` : '';
    return new CliError(`${file}: ${template.name} is a template, which is not run directly. Instantiate it in a workflow, ` +
        `e.g. \`workflow my_${template.name} from ${template.name}(${argument})\`, and choose that one with --workflow.`);
}

async function loadJsonFile(file: string, options: LoadModelOptions): Promise<LoadedModel> {
    // A seed file names agents and notification targets without defining them; the .flow files
    // around it supply them, as they do for a .flow workflow there.
    const loaded = await loadWorkspace(await resolveWorkspaceDir(options.workspace, [file]), []);
    const workspace = compileWorkspaceDeclarations(loaded.services.Flow);
    const seed = await loadSeedWorkflow(file, workspace);
    if (seed.model && options.workflow !== undefined && options.workflow !== seed.model.name) {
        throw new CliError(`${displayPath(file)}: --workflow ${options.workflow}: the file holds one workflow, ${seed.model.name}.`);
    }
    return { file, ...seed, workspace };
}
