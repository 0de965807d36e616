import type { Command } from 'commander';
import type { TaskState } from '@flow/store';
import { findRun, openStore, storeQuery } from '../run-store.js';
import { resolveStateDir } from '../state-dir.js';
import { checkpointArgument, preview } from './show.js';

interface DiffOptions {
    json?: boolean;
    stateDir?: string;
}

export function registerDiff(program: Command): void {
    program
        .command('diff')
        .description('Show what changed in a run between two checkpoints.')
        .argument('<run>', 'the run id (or a unique prefix of it)')
        .argument('<from>', 'a checkpoint: its name, or its number from `flowctl checkpoints`')
        .argument('<to>', 'a later (or earlier) checkpoint')
        .option('--json', 'print the changes as one JSON document')
        .option('--state-dir <dir>', 'the state directory (default: $FLOW_STATE_DIR, else .flow/ here)')
        .addHelpText('after', `
Examples:
  flowctl diff 3f2a 1 5
  flowctl diff 3f2a after_collection after_launch`)
        .action(async (runId: string, from: string, to: string, options: DiffOptions) => {
            const store = await openStore(resolveStateDir(options.stateDir, process.cwd()), { readOnly: true });
            try {
                const run = findRun(store, runId);
                const changes = storeQuery(() => store.diff(run.runId, checkpointArgument(from), checkpointArgument(to)));
                if (options.json) {
                    process.stdout.write(JSON.stringify(changes, null, 2) + '\n');
                    return;
                }
                if (changes.length === 0) process.stdout.write(`no task changed between ${from} and ${to}.\n`);
                for (const change of changes) {
                    process.stdout.write(`${change.task}: ${describe(change.before)} -> ${describe(change.after)}\n`);
                }
            } finally {
                await store.close();
            }
        });
}

function describe(task: TaskState | undefined): string {
    if (!task) return '(absent)';
    const result = task.status === 'completed' ? ` ${preview(task.result)}` : task.error ? ` (${task.error.message})` : '';
    return `${task.status}${task.attempts > 0 ? `, ${task.attempts} attempt${task.attempts === 1 ? '' : 's'}` : ''}${result}`;
}
