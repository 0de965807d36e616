import { rmSync } from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { parseDuration } from '@flow/model';
import { CliError } from '../cli-error.js';
import { displayPath } from '../input-files.js';
import { openStore, storeQuery } from '../run-store.js';
import { resolveStateDir } from '../state-dir.js';

interface GcOptions {
    keepRuns?: string;
    olderThan?: string;
    stateDir?: string;
}

export function registerGc(program: Command): void {
    program
        .command('gc')
        .description('Remove old finished runs (their events, checkpoints and logs) from the state directory.')
        .option('--keep-runs <n>', 'keep the n most recently started runs')
        .option('--older-than <duration>', 'remove finished runs that started longer ago than this (such as 30d or 12h)')
        .option('--state-dir <dir>', 'the state directory (default: $FLOW_STATE_DIR, else .flow/ here)')
        .addHelpText('after', `
Running runs are never removed. Without gc, every writer keeps the state directory within a
bound of its own: the newest 200 runs (set FLOW_KEEP_RUNS to change it).

Examples:
  flowctl gc --keep-runs 20
  flowctl gc --older-than 30d`)
        .action(async (options: GcOptions) => {
            let keepRuns: number | undefined;
            let olderThanMs: number | undefined;
            if (options.keepRuns !== undefined) {
                keepRuns = Number(options.keepRuns);
                if (!Number.isInteger(keepRuns) || keepRuns < 0) throw new CliError(`--keep-runs ${options.keepRuns}: give a whole number.`);
            }
            if (options.olderThan !== undefined) {
                try {
                    olderThanMs = parseDuration(options.olderThan);
                } catch {
                    throw new CliError(`--older-than ${options.olderThan}: give a duration such as 30d, 12h or 90m.`);
                }
            }
            if (keepRuns === undefined && olderThanMs === undefined) {
                throw new CliError('say what to remove: --keep-runs N, --older-than DURATION, or both.');
            }
            const stateDir = resolveStateDir(options.stateDir, process.cwd());
            const store = await openStore(stateDir);
            try {
                const { removedRuns } = storeQuery(() => store.gc({ keepRuns, olderThanMs }));
                // Attempt logs are written beside the store, one folder per run.
                for (const runId of removedRuns) rmSync(path.join(stateDir, 'logs', runId), { recursive: true, force: true });
                process.stdout.write(`removed ${removedRuns.length} run${removedRuns.length === 1 ? '' : 's'} from ${displayPath(stateDir)}` +
                    (removedRuns.length > 0 ? `: ${removedRuns.map(id => id.slice(0, 8)).join(', ')}` : '') + '\n');
            } finally {
                await store.close();
            }
        });
}
