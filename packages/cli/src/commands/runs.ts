import type { Command } from 'commander';
import Table from 'cli-table3';
import type { RunStatusInStore } from '@flow/store';
import { CliError } from '../cli-error.js';
import { displayPath } from '../input-files.js';
import { openStore } from '../run-store.js';
import { formatDuration } from '../run-view.js';
import { resolveStateDir } from '../state-dir.js';

const STATUSES: readonly RunStatusInStore[] = ['running', 'completed', 'failed', 'cancelled', 'interrupted'];

interface RunsOptions {
    workflow?: string;
    status?: string;
    limit?: string;
    json?: boolean;
    stateDir?: string;
}

export function registerRuns(program: Command): void {
    program
        .command('runs')
        .description('List the runs in the state directory, newest first.')
        .option('--workflow <name>', 'only runs of this workflow')
        .option('--status <status>', `only runs with this status (${STATUSES.join(', ')})`)
        .option('--limit <n>', 'at most n runs', '50')
        .option('--json', 'print the runs as one JSON document')
        .option('--state-dir <dir>', 'the state directory (default: $FLOW_STATE_DIR, else .flow/ here)')
        .addHelpText('after', `
A run killed while it was going shows as interrupted; \`flowctl resume <run>\` continues it.

Examples:
  flowctl runs
  flowctl runs --workflow ProductLaunch --status failed
  flowctl runs --json | jq '.[0].runId'`)
        .action(async (options: RunsOptions) => {
            process.exitCode = await listRuns(options);
        });
}

async function listRuns(options: RunsOptions): Promise<number> {
    if (options.status !== undefined && !STATUSES.includes(options.status as RunStatusInStore)) {
        throw new CliError(`--status ${options.status}: give one of ${STATUSES.join(', ')}.`);
    }
    const limit = Number(options.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new CliError(`--limit ${options.limit}: give a whole number of at least 1.`);
    const stateDir = resolveStateDir(options.stateDir, process.cwd());
    const store = await openStore(stateDir, { readOnly: true });
    try {
        const runs = store.runs({ workflow: options.workflow, status: options.status as RunStatusInStore | undefined, limit });
        if (options.json) {
            process.stdout.write(JSON.stringify(runs, null, 2) + '\n');
            return 0;
        }
        if (runs.length === 0) {
            process.stdout.write(`no runs in ${displayPath(stateDir)}${options.workflow || options.status ? ' match' : ''}; \`flowctl run <file>\` makes one.\n`);
            return 0;
        }
        const table = new Table({ head: ['run', 'workflow', 'status', 'started', 'duration', 'tasks', 'from'], style: { head: [], border: [] } });
        for (const run of runs) {
            const { completed, failed, skipped, total } = run.tasks;
            table.push([
                run.runId.slice(0, 8), run.workflow + (run.scope !== undefined ? ` (${run.scope})` : ''), run.status, new Date(run.startedAt).toISOString().replace('T', ' ').slice(0, 19),
                formatDuration(run.durationMs), `${completed}/${total} ok${failed ? `, ${failed} failed` : ''}${skipped ? `, ${skipped} skipped` : ''}`,
                run.parent ? `${run.parent.mode} of ${run.parent.runId.slice(0, 8)}${run.parent.checkpoint !== undefined ? ` @ ${run.parent.checkpoint}` : ''}` : ''
            ]);
        }
        process.stdout.write(table.toString() + '\n');
        return 0;
    } finally {
        await store.close();
    }
}
