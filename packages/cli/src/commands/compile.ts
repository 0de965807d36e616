import * as path from 'node:path';
import type { Command } from 'commander';
import { ExitCode } from '../cli-error.js';
import { countProblems, formatDiagnostic } from '../diagnostics.js';
import { displayPath } from '../input-files.js';
import { loadWorkflowModel } from '../load-model.js';
import { writeOutputFile } from '../output-file.js';

interface CompileOptions {
    /** Where to write the model; standard output when absent. */
    output?: string;
    /** Which workflow of a file that declares several. */
    workflow?: string;
    /** Folder whose `.flow` files are loaded for cross-file references. */
    workspace?: string;
}

export function registerCompile(program: Command): void {
    program
        .command('compile')
        .description('Compile a .flow workflow (or import a seed .json workflow) to the JSON workflow model.')
        .argument('<file>', 'a .flow file or a seed .json workflow')
        .option('-o, --output <model.json>', 'write the model to this file (replacing it) instead of standard output; - is standard output')
        .option('--workflow <name>', 'the workflow to compile, when the file declares several (a template too)')
        .option('--workspace <dir>', 'folder whose .flow files are loaded so that references to other files resolve ' +
            '(default: the current directory if the file is inside it, else the file\'s folder)')
        .addHelpText('after', `
The model is the JSON the engine runs: every effective value resolved (type defaults, inherited
policies, dependencies implied by phases and streams), described by the JSON Schema
packages/model/schema/workflow-model.schema.json. Warnings are printed to standard error; with
errors, they are printed as flowctl validate prints them and no model is written.

Exit status: 0 model written, 1 the workflow has errors, 2 the command could not run.

Examples:
  flowctl compile examples/product-launch.flow
  flowctl compile examples/product-launch.flow -o product-launch.model.json
  flowctl compile examples/daily-report.flow --workflow WeekdayDigest
  flowctl compile examples/seed/product-launch.json    the model a seed JSON workflow imports to`)
        .action(async (file: string, options: CompileOptions) => {
            process.exitCode = await compile(file, options);
        });
}

async function compile(file: string, options: CompileOptions): Promise<number> {
    const loaded = await loadWorkflowModel(file, { workspace: options.workspace, workflow: options.workflow, allowTemplate: true });
    for (const diagnostic of loaded.diagnostics) process.stderr.write(formatDiagnostic(diagnostic) + '\n');
    if (!loaded.model) {
        const { errors } = countProblems(loaded.diagnostics);
        process.stderr.write(`${displayPath(loaded.file)}: ${errors} error${errors === 1 ? '' : 's'}; no model written.\n`);
        return ExitCode.Problems;
    }
    const json = JSON.stringify(loaded.model, null, 2) + '\n';
    if (options.output === undefined || options.output === '-') {
        process.stdout.write(json);
    } else {
        const output = path.resolve(options.output);
        await writeOutputFile(output, json, true);
        process.stderr.write(`Wrote ${displayPath(output)} (workflow ${loaded.model.name}, ${loaded.model.tasks.length} task${loaded.model.tasks.length === 1 ? '' : 's'}).\n`);
    }
    return ExitCode.Ok;
}
