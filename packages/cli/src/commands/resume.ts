import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import Table from 'cli-table3';
import { describeResumeReason, planResume, resolveParams, WorkflowConfigError, type ResumePlan, type ResumeSource } from '@flow/engine';
import type { Json, WorkflowModel } from '@flow/model';
import type { RunState } from '@flow/store';
import { loadAgents, mergeAgents } from '../agents.js';
import { CliError, ExitCode } from '../cli-error.js';
import { formatDiagnostic } from '../diagnostics.js';
import { displayPath } from '../input-files.js';
import { loadWorkflowModel } from '../load-model.js';
import { findRun, openStore, storeQuery } from '../run-store.js';
import { resumeChain, resumeParent } from '../resume-chain.js';
import { collect, parseRunParams } from '../run-params.js';
import { resolveStateDir } from '../state-dir.js';
import { resolveWorkspaceDir } from '../workspace-loader.js';
import { executeRun, type RunCommandOptions } from './run.js';
import { checkpointArgument } from './show.js';

interface ResumeOptions extends RunCommandOptions {
    fromCheckpoint?: string;
    modifyParameters?: string;
    plan?: boolean;
}

export function registerResume(program: Command): void {
    program
        .command('resume')
        .description('Start a run from another run\'s checkpoint, keeping the results of what did not change.')
        .argument('<run>', 'the run id (or a unique prefix of it)')
        .option('--from-checkpoint <checkpoint>', 'start from this checkpoint (its name or number; default: the run\'s latest)')
        .option('--modify-parameters <json>', 'change parameters, as a JSON object, such as \'{"timeout":3600000}\'')
        .option('--param <name=value>', 'change one parameter; repeat for several', collect, [])
        .option('--plan', 'print which tasks keep their results and which run again (and why); run nothing')
        .option('--max-parallel <n>', 'run at most n task attempts at once')
        .option('--timeout <duration>', 'time limit of the new run')
        .option('--no-cache', 'neither read nor store cached task results')
        .option('--json', 'write the new run\'s events to stdout as NDJSON (with --plan: the plan as JSON)')
        .option('--agents <file.flow>', 'a .flow file whose root-level agents may run the tasks (repeatable)', collect, [])
        .option('--state-dir <dir>', 'the state directory (default: $FLOW_STATE_DIR, else .flow/ here)')
        .addHelpText('after', `
The new run uses the workflow's file as it is now (the stored model if the file is gone) and the
earlier run's parameters with your changes. A task keeps its earlier result when its definition,
the parameters it sees and its upstream results are all unchanged; every other task runs again.
An interrupted run (its process was killed) is continued this way without repeating what it
completed.

Examples:
  flowctl resume 3f2a                                   continue an interrupted run
  flowctl resume 3f2a --from-checkpoint after_data_collection --modify-parameters '{"depth":"comprehensive"}'
  flowctl resume 3f2a --param depth=basic --plan        what would run again, and why`)
        .action(async (runId: string, options: ResumeOptions) => {
            process.exitCode = await resume(runId, options);
        });
}

async function resume(runId: string, options: ResumeOptions): Promise<number> {
    const stateDir = resolveStateDir(options.stateDir, process.cwd());
    const reader = await openStore(stateDir, { readOnly: true });
    let run;
    let state: RunState;
    let sources: ResumeSource[];
    try {
        run = findRun(reader, runId);
        state = storeQuery(() => reader.stateAt(run!.runId, options.fromCheckpoint === undefined ? undefined : checkpointArgument(options.fromCheckpoint)));
        sources = storeQuery(() => resumeChain(reader, run!.record, state));
    } finally {
        await reader.close();
    }
    const record = run.record;
    const { model, file } = await currentModel(record.model, record.file, options);
    if (!model) return ExitCode.Problems;

    const changes = parseRunParams(options.modifyParameters, options.param);
    let params: Record<string, Json>;
    try {
        params = resolveParams(model, { ...record.params, ...changes });
    } catch (error) {
        if (error instanceof WorkflowConfigError) throw new CliError(error.message);
        throw error;
    }
    const checkpoint = sources[0].checkpoint;
    const plan = planResume(sources, { model, params });

    if (options.plan) {
        printPlan(plan, options.json === true, record.runId, checkpoint);
        return ExitCode.Ok;
    }
    const parent = resumeParent(record.runId, checkpoint, options.fromCheckpoint === undefined, changes);
    const workspaceDir = await resolveWorkspaceDir(undefined, [file]);
    return executeRun({ file, model, params, workspaceDir, resume: { parent, reuse: plan.reuse } }, { ...options, stateDir });
}

/** The workflow as its file says now, with --agents; the stored model when the file is gone. */
async function currentModel(stored: WorkflowModel, file: string | undefined, options: ResumeOptions): Promise<{ model?: WorkflowModel; file: string }> {
    let model: WorkflowModel | undefined = stored;
    if (file !== undefined && existsSync(file)) {
        const loaded = await loadWorkflowModel(file, { workflow: stored.name });
        for (const diagnostic of loaded.diagnostics) process.stderr.write(formatDiagnostic(diagnostic) + '\n');
        if (!loaded.model) {
            process.stderr.write(`flowctl: ${displayPath(file)} has errors now: fix them, or move the file away to resume with the model the run stored.\n`);
            return { file };
        }
        model = loaded.model;
    } else {
        process.stderr.write(`flowctl: warning: ${file ? displayPath(file) : 'the workflow\'s file'} is gone; resuming with the model the run stored.\n`);
    }
    if (options.agents.length > 0) {
        const workspaceDir = await resolveWorkspaceDir(undefined, [file ?? process.cwd()]);
        model = mergeAgents(model, await loadAgents(workspaceDir, options.agents));
    }
    return { model, file: file ?? process.cwd() };
}

function printPlan(plan: ResumePlan, json: boolean, runId: string, checkpoint: string | number | undefined): void {
    if (json) {
        process.stdout.write(JSON.stringify({ from: { runId, checkpoint }, steps: plan.steps.map(step => ({ ...step, why: describeResumeReason(step.reason) })) }, null, 2) + '\n');
        return;
    }
    const table = new Table({ head: ['task', 'plan', 'why'], style: { head: [], border: [] } });
    for (const step of plan.steps) table.push([step.task, step.keep ? 'keep' : 'run', describeResumeReason(step.reason)]);
    const kept = plan.steps.filter(step => step.keep).length;
    process.stdout.write(`resume plan from run ${runId}${checkpoint !== undefined ? ` at checkpoint ${checkpoint}` : ''} (nothing is run):\n`);
    process.stdout.write(table.toString() + '\n');
    const rerun = plan.steps.length - kept;
    process.stdout.write(`${kept === 1 ? '1 task keeps its result' : `${kept} tasks keep their results`}, ` +
        `${rerun === 1 ? '1 runs' : `${rerun} run`} again.\n`);
}
