import type { Command } from 'commander';
import { ExitCode } from '../cli-error.js';
import { collectInputs, displayPath } from '../input-files.js';
import {
    countProblems, formatDiagnostic, summaryLine, type CliDiagnostic
} from '../diagnostics.js';
import { compileWorkspaceDeclarations } from '@flow/language';
import { loadWorkspace, resolveWorkspaceDir, targetDiagnostics, type LoadedWorkspace } from '../workspace-loader.js';
import { loadSeedWorkflow } from '../seed-files.js';

interface ValidateOptions {
    /** Print one JSON document instead of lines. */
    json?: boolean;
    /** Folder whose `.flow` files are loaded for cross-file references. */
    workspace?: string;
}

/** The document `flowctl validate --json` prints. */
export interface ValidateReport {
    /** Every file checked, relative to the current directory. */
    files: string[];
    diagnostics: CliDiagnostic[];
    errors: number;
    warnings: number;
}

export function registerValidate(program: Command): void {
    program
        .command('validate')
        .description('Check .flow workflows (and seed .json workflows) and print their problems.')
        .argument('<paths...>', '.flow files, directories (searched recursively) or seed .json workflows')
        .option('--json', 'print one JSON document with every diagnostic instead of lines')
        .option('--workspace <dir>', 'folder whose .flow files are loaded so that references to other files resolve ' +
            '(default: the current directory if every path is inside it, else the folder of the first path)')
        .addHelpText('after', `
Each problem is printed as
  file:line:column: error|warning: message [flow/code]
followed by a summary line. Only the given files are reported; the other .flow files of the
workspace are loaded so that agents, types, pools and templates declared there resolve.

Exit status: 0 no errors (warnings allowed), 1 errors found, 2 the command could not run.

Examples:
  flowctl validate examples/product-launch.flow
  flowctl validate examples                      every .flow file under examples/
  flowctl validate --json workflows/ > report.json
  flowctl validate seed/product_launch.json      check that a seed JSON workflow imports
  flowctl validate --workspace shared/ app.flow  resolve agents declared under shared/`)
        .action(async (paths: string[], options: ValidateOptions) => {
            process.exitCode = await validate(paths, options);
        });
}

async function validate(paths: string[], options: ValidateOptions): Promise<number> {
    const inputs = await collectInputs(paths);
    const diagnostics: CliDiagnostic[] = [];
    const files: string[] = [];

    let workspace: LoadedWorkspace | undefined;
    if (inputs.flowFiles.length > 0) {
        const workspaceDir = await resolveWorkspaceDir(options.workspace, paths);
        workspace = await loadWorkspace(workspaceDir, inputs.flowFiles);
        for (const [file, target] of workspace.targets) {
            files.push(displayPath(file));
            diagnostics.push(...targetDiagnostics(file, target));
        }
    }
    if (inputs.jsonFiles.length > 0) {
        // Seed files name agents and notification targets that the workspace's .flow files declare.
        workspace ??= await loadWorkspace(await resolveWorkspaceDir(options.workspace, paths), []);
        const declarations = compileWorkspaceDeclarations(workspace.services.Flow);
        for (const file of inputs.jsonFiles) {
            files.push(displayPath(file));
            diagnostics.push(...(await loadSeedWorkflow(file, declarations)).diagnostics);
        }
    }

    const { errors, warnings } = countProblems(diagnostics);
    if (options.json) {
        const report: ValidateReport = { files, diagnostics, errors, warnings };
        process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    } else {
        for (const diagnostic of diagnostics) process.stdout.write(formatDiagnostic(diagnostic) + '\n');
        process.stdout.write(summaryLine(files.length, diagnostics) + '\n');
    }
    return errors > 0 ? ExitCode.Problems : ExitCode.Ok;
}
