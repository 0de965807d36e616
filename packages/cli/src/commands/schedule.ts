import type { Command } from 'commander';
import { nextOccurrences, RecurringSchedule, systemClock, WorkflowConfigError, type ScheduleEvent } from '@flow/engine';
import { CliError, ExitCode } from '../cli-error.js';
import { displayPath } from '../input-files.js';
import { collect } from '../run-params.js';
import { executeRun, prepareRun, type RunCommandOptions } from './run.js';

interface ScheduleOptions extends RunCommandOptions {
    maxRuns?: string;
    list?: string;
}

export function registerSchedule(program: Command): void {
    program
        .command('schedule')
        .description('Run a workflow at every occurrence of its `repeat` schedule, until stopped.')
        .argument('<file>', 'the .flow file whose workflow declares `repeat daily at ...` or `repeat cron ...`')
        .option('--param <name=value>', 'set a parameter for every run; repeat for several', collect, [])
        .option('--parameters <json>', 'set parameters from a JSON object')
        .option('--max-parallel <n>', 'run at most n task attempts at once')
        .option('--timeout <duration>', 'time limit of each run')
        .option('--no-cache', 'neither read nor store cached task results')
        .option('--json', 'write every run\'s events to stdout as NDJSON')
        .option('--agents <file.flow>', 'a .flow file whose root-level agents may run the tasks (repeatable)', collect, [])
        .option('--workflow <name>', 'which workflow to run when the file holds several')
        .option('--workspace <dir>', 'folder whose .flow files are loaded for shared agents, types and pools')
        .option('--state-dir <dir>', 'the state directory: runs, events, checkpoints, the results cache and logs (default: $FLOW_STATE_DIR, else .flow/ in the workspace)')
        .option('--max-runs <n>', 'stop after n runs (default: run until Ctrl-C)')
        .option('--list <n>', 'print the next n times the workflow is due, and run nothing')
        .addHelpText('after', `
The file is read again before every run, so edits take effect at the next occurrence; a run
refused for errors is reported and the schedule goes on. Runs never overlap: an occurrence that
passes while a run is still going is skipped, and said so. Ctrl-C stops the schedule (and
cancels a run in progress).

Examples:
  flowctl schedule examples/daily-report.flow
  flowctl schedule examples/daily-report.flow --list 5
  flowctl schedule examples/daily-report.flow --max-runs 1 --param region=eu`)
        .action(async (file: string, options: ScheduleOptions) => {
            process.exitCode = await schedule(file, options);
        });
}

async function schedule(file: string, options: ScheduleOptions): Promise<number> {
    const first = await prepareRun(file, options);
    if (typeof first === 'number') return first;
    const recurrence = first.model.recurrence;
    if (!recurrence) {
        throw new CliError(`${displayPath(file)}: workflow ${first.model.name} has no schedule. ` +
            'Add `repeat daily at "09:00"` or `repeat cron "0 9 * * 1-5"` to it, or use `flowctl run` to run it once.');
    }
    const say = (line: string) => process.stderr.write(`${line}\n`);
    const when = (ms: number) => `${new Date(ms).toISOString()}${recurrence.timezone ? ` (schedule time zone ${recurrence.timezone})` : ''}`;
    try {
        if (options.list !== undefined) {
            const count = Number(options.list);
            if (!Number.isInteger(count) || count < 1) throw new CliError(`--list ${options.list}: give a whole number of at least 1.`);
            for (const time of nextOccurrences(recurrence, systemClock.now(), count)) process.stdout.write(`${new Date(time).toISOString()}\n`);
            return ExitCode.Ok;
        }
        const maxRuns = options.maxRuns === undefined ? Infinity : Number(options.maxRuns);
        if (!(maxRuns >= 1) || (maxRuns !== Infinity && !Number.isInteger(maxRuns))) {
            throw new CliError(`--max-runs ${options.maxRuns}: give a whole number of at least 1.`);
        }
        let failures = 0;
        const recurring = new RecurringSchedule(recurrence, {
            clock: systemClock,
            maxRuns,
            onEvent: (event: ScheduleEvent) => {
                if (event.type === 'schedule.next') say(`schedule: next run of ${first.model.name} at ${when(event.at)}`);
                if (event.type === 'schedule.occurrence_skipped') say(`schedule: skipped the run due at ${when(event.occurrence)}: ${event.reason}`);
                if (event.type === 'schedule.run_finished') say(`schedule: run ${event.run} ${event.ok ? 'completed' : 'did not complete'}`);
            },
            run: async (_occurrence, runNumber) => {
                say(`schedule: run ${runNumber} of ${first.model.name}`);
                // Read the file again: the workflow may have changed since the last run.
                const prepared = runNumber === 1 ? first : await prepareRun(file, options).catch((error: unknown) => {
                    say(`schedule: run ${runNumber} refused: ${(error as Error).message}`);
                    return ExitCode.Problems;
                });
                const status = typeof prepared === 'number' ? prepared : await executeRun(prepared, options).catch((error: unknown) => {
                    // One run that cannot run (the store is locked, say) must not end the schedule.
                    say(`schedule: run ${runNumber} failed to run: ${(error as Error).message}`);
                    return ExitCode.Problems;
                });
                if (status !== ExitCode.Ok) failures++;
                return status === ExitCode.Ok;
            }
        });
        const stop = () => recurring.stop();
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
        process.on('SIGHUP', stop);
        try {
            const runs = await recurring.start();
            say(`schedule: stopped after ${runs} run${runs === 1 ? '' : 's'}${failures > 0 ? `, ${failures} of them not completed` : ''}`);
        } finally {
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
            process.off('SIGHUP', stop);
        }
        return failures > 0 ? ExitCode.Problems : ExitCode.Ok;
    } catch (error) {
        if (error instanceof WorkflowConfigError) throw new CliError(`${displayPath(file)}: ${error.message}`);
        throw error;
    }
}
