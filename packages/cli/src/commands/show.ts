import type { Command } from 'commander';
import Table from 'cli-table3';
import type { Json } from '@flow/model';
import { findRun, openStore, storeQuery } from '../run-store.js';
import { formatDuration } from '../run-view.js';
import { resolveStateDir } from '../state-dir.js';

interface ShowOptions {
    at?: string;
    json?: boolean;
    stateDir?: string;
}

/** A checkpoint given on the command line: a number is an id, anything else a name. */
export function checkpointArgument(text: string): string | number {
    return /^\d+$/.test(text) ? Number(text) : text;
}

export function registerShow(program: Command): void {
    program
        .command('show')
        .description('Show a run: each task\'s status, result and attempts, now or at a checkpoint.')
        .argument('<run>', 'the run id (or a unique prefix of it)')
        .option('--at <checkpoint>', 'the state at this checkpoint (its name, or its number from `flowctl checkpoints`)')
        .option('--json', 'print the state as one JSON document')
        .option('--state-dir <dir>', 'the state directory (default: $FLOW_STATE_DIR, else .flow/ here)')
        .addHelpText('after', `
Examples:
  flowctl show 3f2a
  flowctl show 3f2a --at after_collection
  flowctl show 3f2a --at 4 --json`)
        .action(async (runId: string, options: ShowOptions) => {
            process.exitCode = await show(runId, options);
        });
}

async function show(runId: string, options: ShowOptions): Promise<number> {
    const store = await openStore(resolveStateDir(options.stateDir, process.cwd()), { readOnly: true });
    try {
        const run = findRun(store, runId);
        const state = storeQuery(() => store.stateAt(run.runId, options.at === undefined ? undefined : checkpointArgument(options.at)));
        if (options.json) {
            process.stdout.write(JSON.stringify({ run, state }, null, 2) + '\n');
            return 0;
        }
        const at = state.at ? `at checkpoint ${state.at.id}${state.at.name ? ` (${state.at.name})` : ''}, after ${state.at.task ?? 'the start'}` : 'before any task ended';
        process.stdout.write(`${run.workflow} · run ${run.runId} · ${run.status} · ${at}\n`);
        const table = new Table({ head: ['task', 'status', 'attempts', 'duration', 'agent', 'result'], style: { head: [], border: [] } });
        for (const task of Object.values(state.tasks)) {
            table.push([
                task.id + (task.demo ? ' (demo)' : ''), task.status + (task.fromCache ? ' (cache)' : '') + (task.reused ? ' (reused)' : ''), String(task.attempts),
                formatDuration(task.durationMs), task.agent ?? '-',
                preview(task.result ?? (task.error ? task.error.message : task.reason ?? ''))
            ]);
        }
        process.stdout.write(table.toString() + '\n');
        return 0;
    } finally {
        await store.close();
    }
}

/** A result in one short line. */
export function preview(value: Json | undefined): string {
    const text = typeof value === 'string' ? value : JSON.stringify(value ?? null);
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
