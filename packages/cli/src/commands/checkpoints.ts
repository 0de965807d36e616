import type { Command } from 'commander';
import Table from 'cli-table3';
import { findRun, openStore, storeQuery } from '../run-store.js';
import { resolveStateDir } from '../state-dir.js';

interface CheckpointsOptions {
    json?: boolean;
    stateDir?: string;
}

export function registerCheckpoints(program: Command): void {
    program
        .command('checkpoints')
        .description('List a run\'s checkpoints: one after every task that ended, named ones marked.')
        .argument('<run>', 'the run id (or a unique prefix of it)')
        .option('--json', 'print the checkpoints as one JSON document')
        .option('--state-dir <dir>', 'the state directory (default: $FLOW_STATE_DIR, else .flow/ here)')
        .addHelpText('after', `
Names come from the workflow (\`checkpoint name after task\`) and from \`flowctl checkpoint\`.
Give a checkpoint's name or number to \`show --at\`, \`diff\` and \`resume --from-checkpoint\`.

Examples:
  flowctl checkpoints 3f2a
  flowctl checkpoints 3f2a --json`)
        .action(async (runId: string, options: CheckpointsOptions) => {
            const store = await openStore(resolveStateDir(options.stateDir, process.cwd()), { readOnly: true });
            try {
                const run = findRun(store, runId);
                const checkpoints = storeQuery(() => store.checkpoints(run.runId));
                if (options.json) {
                    process.stdout.write(JSON.stringify(checkpoints, null, 2) + '\n');
                    return;
                }
                if (checkpoints.length === 0) {
                    process.stdout.write(`run ${run.runId} has no checkpoint yet: no task has ended.\n`);
                    return;
                }
                const table = new Table({ head: ['#', 'name', 'after task', 'time', 'description'], style: { head: [], border: [] } });
                for (const checkpoint of checkpoints) {
                    table.push([String(checkpoint.id), checkpoint.name ?? '', checkpoint.task ?? '', new Date(checkpoint.time).toISOString(), checkpoint.description ?? '']);
                }
                process.stdout.write(table.toString() + '\n');
            } finally {
                await store.close();
            }
        });
}
