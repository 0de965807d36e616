import * as path from 'node:path';
import type { Command } from 'commander';
import { GenerateError, modelToFlow } from '@flow/language';
import { CliError, ExitCode } from '../cli-error.js';
import { countProblems, formatDiagnostic } from '../diagnostics.js';
import { displayPath } from '../input-files.js';
import { loadWorkflowModel } from '../load-model.js';
import { writeOutputFile } from '../output-file.js';

interface ConvertOptions {
    /** Where to write the .flow text; `-` for standard output. */
    output?: string;
    /** Replace an existing output file. */
    force?: boolean;
    /** Folder whose `.flow` files supply the agents, pools and types the JSON names. */
    workspace?: string;
}

export function registerConvert(program: Command): void {
    program
        .command('convert')
        .description('Convert a seed .json workflow to an equivalent, formatted .flow file.')
        .argument('<file.json>', 'a seed JSON workflow (flat tasks, phases with streams, task type configurations, ...)')
        .option('-o, --output <file.flow>', 'where to write the .flow file; - for standard output (default: beside the JSON, with .flow)')
        .option('-f, --force', 'replace the output file if it exists')
        .option('--workspace <dir>', 'folder whose .flow files declare the agents, pools, types and notifications the JSON uses ' +
            '(default: the current directory if the file is inside it, else the file\'s folder); ' +
            'declarations found there are not copied into the output')
        .addHelpText('after', `
Compiling the .flow file gives the same workflow model as importing the JSON (flowctl compile
shows both). Settings that have no effect in Flow, and keys Flow honours without a setting of
its own, are reported as warnings and notes on standard error; errors stop the conversion.
An existing output file is never replaced without --force.

Exit status: 0 converted, 1 the JSON has errors, 2 the command could not run.

Examples:
  flowctl convert examples/seed/product-launch.json          writes examples/seed/product-launch.flow
  flowctl convert launch.json -o workflows/launch.flow
  flowctl convert launch.json -o - | less                    print instead of writing
  flowctl convert launch.json --force                        replace launch.flow`)
        .action(async (file: string, options: ConvertOptions) => {
            process.exitCode = await convert(file, options);
        });
}

async function convert(file: string, options: ConvertOptions): Promise<number> {
    if (!file.endsWith('.json')) {
        throw new CliError(`${file}: flowctl convert reads a seed .json workflow` +
            (file.endsWith('.flow') ? '; this is already a .flow file (flowctl compile shows its model).' : '.'));
    }
    const loaded = await loadWorkflowModel(file, { workspace: options.workspace });
    for (const diagnostic of loaded.diagnostics) process.stderr.write(formatDiagnostic(diagnostic) + '\n');
    if (!loaded.model) {
        const { errors } = countProblems(loaded.diagnostics);
        process.stderr.write(`${displayPath(loaded.file)}: ${errors} error${errors === 1 ? '' : 's'}; nothing converted.\n`);
        return ExitCode.Problems;
    }
    let text: string;
    try {
        text = modelToFlow(loaded.model, { workspace: loaded.workspace });
    } catch (error) {
        if (!(error instanceof GenerateError)) throw error;
        throw new CliError(`${displayPath(loaded.file)}: cannot be written as .flow: ${error.message}`, ExitCode.Problems);
    }
    if (options.output === '-') {
        process.stdout.write(text);
        return ExitCode.Ok;
    }
    const output = path.resolve(options.output ?? loaded.file.replace(/\.json$/, '.flow'));
    await writeOutputFile(output, text, options.force === true);
    process.stderr.write(`Wrote ${displayPath(output)} (workflow ${loaded.model.name}, ${loaded.model.tasks.length} task${loaded.model.tasks.length === 1 ? '' : 's'}).\n`);
    return ExitCode.Ok;
}
