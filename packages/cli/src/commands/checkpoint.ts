import type { Command } from 'commander';
import { StoreError } from '@flow/store';
import { requestCheckpoint } from '../checkpoint-requests.js';
import { CliError } from '../cli-error.js';
import { findRun, openStore, storeQuery } from '../run-store.js';
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
On a run that is still going, the process running it records the checkpoint (its tasks that
have ended so far). Resume from it with \`flowctl resume <run> --from-checkpoint <name>\`.

Examples:
  flowctl checkpoint 3f2a --name after_data_collection --description "Checkpoint after data collection phase"`)
        .action(async (runId: string, options: CheckpointOptions) => {
            if (!/^[A-Za-z_][\w-]*$/.test(options.name) || /^\d+$/.test(options.name)) {
                throw new CliError(`--name ${options.name}: use letters, digits, _ and -, starting with a letter or _ (numbers are checkpoint ids).`);
            }
            const stateDir = resolveStateDir(options.stateDir, process.cwd());
            const checkpoint = await nameCheckpoint(stateDir, runId, options);
            process.stdout.write(`checkpoint ${checkpoint.id} of run ${checkpoint.runId} is named ${options.name}` +
                (checkpoint.task ? ` (after ${checkpoint.task})` : '') + '\n');
        });
}

async function nameCheckpoint(stateDir: string, runId: string, options: CheckpointOptions) {
    const reader = await openStore(stateDir, { readOnly: true });
    let run;
    try {
        run = findRun(reader, runId);
    } finally {
        await reader.close();
    }
    let writer;
    try {
        // A running run's writer holds the lock: then ask it; if it is gone, the lock is free.
        writer = await openStore(stateDir, { lockWaitMs: run.status === 'running' ? 0 : undefined });
    } catch (error) {
        if (run.status !== 'running' || !(error instanceof CliError || error instanceof StoreError)) throw error;
        return requestCheckpoint(stateDir, run.runId, { name: options.name, description: options.description });
    }
    try {
        return storeQuery(() => writer.checkpoint(run.runId, options.name, options.description));
    } finally {
        await writer.close();
    }
}
