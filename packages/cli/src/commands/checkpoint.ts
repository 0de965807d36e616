import type { Command } from 'commander';
import { checkpointNameProblem } from '../checkpoint-name.js';
import { CliError } from '../cli-error.js';
import { findRun, openWriterOrReader, storeQuery } from '../run-store.js';
import { resolveStateDir } from '../state-dir.js';

interface CheckpointOptions {
    name: string;
    description?: string;
    stateDir?: string;
}

export function registerCheckpoint(program: Command): void {
    program
        .command('checkpoint')
        .description('Name the latest checkpoint of a running or finished run, to resume from it later.')
        .argument('<run>', 'the run id (or a unique prefix of it)')
        .requiredOption('--name <name>', 'the checkpoint\'s name')
        .option('--description <text>', 'what the checkpoint marks')
        .option('--state-dir <dir>', 'the state directory (default: $FLOW_STATE_DIR, else .flow/ here)')
        .addHelpText('after', `
On a run that is still going, the process running it records the checkpoint (the tasks that
have ended so far) within a second. Resume from it with \`flowctl resume <run> --from-checkpoint <name>\`.

Examples:
  flowctl checkpoint 3f2a --name after_data_collection --description "Checkpoint after data collection phase"`)
        .action(async (runId: string, options: CheckpointOptions) => {
            const problem = checkpointNameProblem(options.name);
            if (problem) throw new CliError(`--name ${options.name}: ${problem}`);
            const stateDir = resolveStateDir(options.stateDir, process.cwd());
            const checkpoint = await nameCheckpoint(stateDir, runId, options);
            process.stdout.write(`checkpoint ${checkpoint.id} of run ${checkpoint.runId} is named ${options.name}` +
                (checkpoint.task ? ` (after ${checkpoint.task})` : '') + '\n');
        });
}

/**
 * The writer records the checkpoint itself; while a run is going its process holds the lock, so
 * the name goes through a read-only store's inbox, which that process takes in (within a second)
 * and every store opened after sees.
 */
async function nameCheckpoint(stateDir: string, runId: string, options: CheckpointOptions) {
    const store = await openWriterOrReader(stateDir);
    try {
        const run = findRun(store, runId);
        return storeQuery(() => store.checkpoint(run.runId, options.name, options.description));
    } finally {
        await store.close();
    }
}
