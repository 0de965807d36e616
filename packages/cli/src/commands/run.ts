import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import type { Command } from 'commander';
import {
    planWorkflow, resolveParams, startWorkflow, WorkflowConfigError, type ReuseSource, type RunEvent, type RunHandle
} from '@flow/engine';
import { StoreError, type FlowStore, type RunParent } from '@flow/store';
import { parseDuration, type Json, type WorkflowModel } from '@flow/model';
import { loadAgents, mergeAgents } from '../agents.js';
import { CliError, ExitCode } from '../cli-error.js';
import { formatDiagnostic } from '../diagnostics.js';
import { displayPath } from '../input-files.js';
import { loadWorkflowModel } from '../load-model.js';
import { collect, parseRunParams } from '../run-params.js';
import { chooseViewMode, planLines, RunView, summaryTable } from '../run-view.js';
import { resolveStateDir } from '../state-dir.js';
import { resolveWorkspaceDir } from '../workspace-loader.js';
import { openStore } from '../run-store.js';

/** `flowctl run` exits 130 when the user cancelled it, as shells report a Ctrl-C. */
export const CANCELLED_EXIT_CODE = 130;

export interface RunCommandOptions {
    param: string[];
    parameters?: string;
    maxParallel?: string;
    timeout?: string;
    dryRun?: boolean;
    /** False with `--no-cache`. */
    cache: boolean;
    json?: boolean;
    agents: string[];
    workflow?: string;
    workspace?: string;
    stateDir?: string;
}

export function registerRun(program: Command): void {
    program
        .command('run')
        .description('Run a workflow (.flow, or a seed .json) and show its progress.')
        .argument('<file>', 'the .flow file (or seed .json workflow) to run')
        .option('--param <name=value>', 'set a parameter; repeat for several (converted to the declared type)', collect, [])
        .option('--parameters <json>', 'set parameters from a JSON object; --param wins for the same name')
        .option('--max-parallel <n>', 'run at most n task attempts at once (default: as agents, pools and batches allow)')
        .option('--timeout <duration>', 'time limit of the whole run, such as 30m or 1h30m (overrides the workflow\'s timeout)')
        .option('--dry-run', 'print the plan (waves, agents, conditions, limits) without running anything')
        .option('--no-cache', 'neither read nor store cached task results')
        .option('--json', 'write the run\'s events to stdout as NDJSON, one event per line')
        .option('--agents <file.flow>', 'a .flow file whose root-level agents may run the tasks (repeatable); ' +
            'for seed .json workflows, the workspace\'s root-level agents are used too', collect, [])
        .option('--workflow <name>', 'which workflow to run when the file holds several')
        .option('--workspace <dir>', 'folder whose .flow files are loaded for shared agents, types and pools')
        .option('--state-dir <dir>', 'the state directory: runs, events, checkpoints, the results cache and logs (default: $FLOW_STATE_DIR, else .flow/ in the workspace)')
        .addHelpText('after', `
The workflow is checked first, as by \`flowctl validate\`: with errors, or with a task that no
agent can run, nothing runs. Progress is a live bar on a terminal, one line per event otherwise
(or with NO_COLOR); a summary table follows. Demo built-ins (sleep, echo, fail) are labelled as
such wherever they appear. Ctrl-C cancels the run (running tasks are stopped, compensation
runs); a second Ctrl-C kills every running process at once.

Each attempt's output goes to a log file under <state-dir>/logs/<run id>/.

Exit status: 0 the workflow completed, 1 it failed (or has errors), 2 bad input, 130 cancelled.

Examples:
  flowctl run examples/product-launch.flow
  flowctl run examples/product-launch.flow --param topic="quantum computing" --param depth=comprehensive
  flowctl run research.flow --parameters '{"topic":"AI trends"}' --max-parallel 3 --timeout 2h
  flowctl run examples/product-launch.flow --dry-run
  flowctl run examples/seed/product-launch.json --agents examples/agents.flow
  flowctl run examples/product-launch.flow --json > events.ndjson`)
        .action(async (file: string, options: RunCommandOptions) => {
            process.exitCode = await run(file, options);
        });
}

async function run(file: string, options: RunCommandOptions): Promise<number> {
    const prepared = await prepareRun(file, options);
    if (typeof prepared === 'number') return prepared;
    return executeRun(prepared, options);
}

/** A workflow ready to run: compiled, with its agents and resolved parameters. */
export interface PreparedRun {
    /** The workflow's file, absolute. */
    file: string;
    model: WorkflowModel;
    params: Record<string, Json>;
    workspaceDir: string;
    /** For a resume: the run it starts from, and the results it may keep. */
    resume?: { parent: RunParent; reuse: ReuseSource };
}

/** Runs (or, with --dry-run, plans) a prepared workflow and shows it; returns the exit status. */
export async function executeRun(prepared: PreparedRun, options: RunCommandOptions): Promise<number> {
    const { model, params, workspaceDir } = prepared;
    const maxParallel = positiveInteger(options.maxParallel, '--max-parallel');
    const timeoutMs = duration(options.timeout, '--timeout');

    const plan = planWorkflow(model, params);
    const blocked = plan.waves.flat().filter(task => task.problem !== undefined);
    if (blocked.length > 0) {
        for (const task of blocked) {
            const where = model.tasks.find(candidate => candidate.id === task.id)?.source;
            const at = where ? `${displayPath(where.file)}:${where.line}:${where.column}: ` : '';
            process.stderr.write(`${at}error: task ${task.id} cannot run: ${task.problem}.\n`);
        }
        process.stderr.write(`flowctl: ${model.name} was not run: ${blocked.length} task${blocked.length === 1 ? '' : 's'} cannot run. ` +
            'Declare agents with the capabilities they require (or give them a run command), or pass --agents FILE.\n');
        return ExitCode.Problems;
    }

    if (options.dryRun) {
        if (options.json) {
            process.stdout.write(JSON.stringify({ type: 'dry_run.plan', dryRun: true, plan }) + '\n');
        } else {
            for (const line of planLines(plan)) process.stdout.write(line + '\n');
        }
        return ExitCode.Ok;
    }

    const runId = randomUUID();
    const stateDir = resolveStateDir(options.stateDir, workspaceDir);
    const logDir = path.join(stateDir, 'logs', runId);
    const mode = chooseViewMode(options.json === true);
    const store = await openStore(stateDir);
    const demoTasks = new Set<string>();
    const view = mode === 'json' ? undefined : new RunView(mode, demoTasks);
    let handle: RunHandle | undefined;
    /** Set when the store could not record an event: the run is stopped, nothing more is shown. */
    let storeFailure: Error | undefined;
    const onEvent = (event: RunEvent): void => {
        if (storeFailure) return;
        // Durable before anyone sees it: a killed run loses no event it has shown.
        try {
            store.append(event);
        } catch (error) {
            // A run that goes on unrecorded could not be resumed or shown: stop it.
            storeFailure = error as Error;
            process.stderr.write(`flowctl: the run store in ${displayPath(stateDir)} could not record an event (${storeFailure.message}); ` +
                'stopping the run. Free disk space or choose another --state-dir, then resume it.\n');
            handle?.cancel(`the run store could not record an event: ${storeFailure.message}`);
            return;
        }
        if (event.type === 'task.started' && event.demo) demoTasks.add(event.task);
        if (mode === 'json') process.stdout.write(JSON.stringify(event) + '\n');
        else view!.handle(event);
    };

    try {
        store.recordRun({
            runId, workflow: model.name, file: prepared.file, params, model, startedAt: Date.now(), parent: prepared.resume?.parent
        });
        handle = startWorkflow(model, {
            runId, params, maxParallel, timeoutMs, cache: options.cache ? store.cache : false, logDir, onEvent,
            reuse: prepared.resume?.reuse
        });
    } catch (error) {
        await closeStore(store);
        throw asCliError(error);
    }
    if (mode !== 'json') process.stderr.write(`run ${runId} · state: ${displayPath(stateDir)} · logs: ${displayPath(logDir)}\n`);
    const stopSignals = handleInterrupts(handle, mode !== 'json');
    try {
        const result = await handle.result;
        view?.stop();
        if (mode !== 'json') {
            process.stdout.write(summaryTable(result, new Set(result.tasks.filter(task => task.demo).map(task => task.id))) + '\n');
            const counts = countStatuses(result.tasks.map(task => task.status));
            process.stdout.write(`${result.workflow}: ${result.status} in ${(result.durationMs / 1000).toFixed(1)} s — ${counts}` +
                (result.deliverables.length > 0 ? `; deliverables: ${result.deliverables.join(', ')}` : '') + '\n');
        }
        if (storeFailure) return ExitCode.Problems;
        return result.status === 'completed' ? ExitCode.Ok : result.status === 'cancelled' ? CANCELLED_EXIT_CODE : ExitCode.Problems;
    } finally {
        stopSignals();
        view?.stop();
        await closeStore(store);
    }
}

/** The run's status stands whatever closing the store does; a failure to close is a warning. */
async function closeStore(store: FlowStore): Promise<void> {
    try {
        await store.close();
    } catch (error) {
        process.stderr.write(`flowctl: warning: closing the run store failed (${(error as Error).message}); ` +
            'the journal holds every event recorded, and the next flowctl command rebuilds the database from it.\n');
    }
}

/** Loads the model, its agents and its parameters; a number is the exit status of a run refused early. */
export async function prepareRun(file: string, options: RunCommandOptions): Promise<number | PreparedRun> {
    const loaded = await loadWorkflowModel(file, { workspace: options.workspace, workflow: options.workflow });
    for (const diagnostic of loaded.diagnostics) process.stderr.write(formatDiagnostic(diagnostic) + '\n');
    const errors = loaded.diagnostics.filter(diagnostic => diagnostic.severity === 'error').length;
    if (!loaded.model || errors > 0) {
        process.stderr.write(`flowctl: ${displayPath(path.resolve(file))} was not run: fix the ${errors === 1 ? 'error' : `${errors} errors`} above first.\n`);
        return ExitCode.Problems;
    }
    const workspaceDir = await resolveWorkspaceDir(options.workspace, [file]);
    let model = loaded.model;
    const agentFiles = options.agents.map(agentFile => path.resolve(agentFile));
    for (const agentFile of agentFiles) {
        if (!agentFile.endsWith('.flow')) throw new CliError(`--agents ${displayPath(agentFile)}: give a .flow file that declares agents at its top level.`);
    }
    if (agentFiles.length > 0) {
        model = mergeAgents(model, await loadAgents(workspaceDir, agentFiles));
    }
    try {
        return { file: path.resolve(file), model, params: resolveParams(model, parseRunParams(options.parameters, options.param)), workspaceDir };
    } catch (error) {
        throw asCliError(error);
    }
}

/** Engine configuration errors are the user's to fix: say so without a stack trace. */
function asCliError(error: unknown): unknown {
    return error instanceof WorkflowConfigError || error instanceof StoreError ? new CliError(error.message) : error;
}

function positiveInteger(text: string | undefined, option: string): number | undefined {
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1) throw new CliError(`${option} ${text}: give a whole number of at least 1.`);
    return value;
}

function duration(text: string | undefined, option: string): number | undefined {
    if (text === undefined) return undefined;
    try {
        const ms = parseDuration(text);
        if (ms > 0) return ms;
    } catch {
        // Reported below with the option's name.
    }
    throw new CliError(`${option} ${text}: give a duration such as 90s, 30m or 1h30m.`);
}

/**
 * First Ctrl-C (or SIGTERM): cancel gracefully; second Ctrl-C: kill every running process.
 * Returns a function that removes the handlers.
 */
function handleInterrupts(handle: RunHandle, tell: boolean): () => void {
    let interrupts = 0;
    const onInterrupt = (): void => {
        interrupts++;
        if (interrupts === 1) {
            if (tell) process.stderr.write('\ncancelling: running tasks are being stopped (Ctrl-C again to kill them at once)\n');
            handle.cancel('cancelled by the user (Ctrl-C)');
        } else {
            if (tell) process.stderr.write('\nkilling every running task\n');
            handle.kill();
        }
    };
    // A closed terminal (SIGHUP) or a service manager (SIGTERM) cancels too: the tasks' process
    // groups are stopped and the run is recorded as cancelled, rather than left running.
    const onTerminate = (signal: NodeJS.Signals): void => handle.cancel(`cancelled by ${signal}`);
    process.on('SIGINT', onInterrupt);
    process.on('SIGTERM', onTerminate);
    process.on('SIGHUP', onTerminate);
    return () => {
        process.off('SIGINT', onInterrupt);
        process.off('SIGTERM', onTerminate);
        process.off('SIGHUP', onTerminate);
    };
}

function countStatuses(statuses: readonly string[]): string {
    if (statuses.length === 0) return 'no tasks';
    const counts = new Map<string, number>();
    for (const status of statuses) counts.set(status, (counts.get(status) ?? 0) + 1);
    return [...counts].map(([status, count]) => `${count} ${status.replace('_', ' ')}`).join(', ');
}
