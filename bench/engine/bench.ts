/**
 * Engine benchmarks: the engine's overhead on no-op tasks (1k, 10k and 100k tasks in three
 * shapes, through the pure core and through the runner) against a bare topological executor,
 * and 1,000 shell tasks against `make -j8` and a bare Node spawner. Floors are measured in the
 * same run, interleaved with the engine's runs, so a busy machine slows both alike.
 * Writes its BENCHMARKS.md section (Markdown) to stdout, progress to stderr.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { RunnerDef, WorkflowModel } from '@flow/model';
import { SHAPES, SHAPE_NAMES, generateDag, meanDependencies, workflowOf, type Shape } from './dags.js';
import { bareTopological, pureCore, runner, startTiming, type Timing } from './overhead.js';
import { allocations, profile, topFunctions, type ProfileSummary } from './profile.js';
import { COMMAND, bareSpawner, engineShell, runMake, temporaryDir, writeMakefile } from './shell.js';
import { budgetTable, measuredOn, median } from '../stats.js';

const SIZES = [1_000, 10_000, 100_000];
/** Samples per size: enough for a stable median while keeping the 100k runs to seconds. */
const RUNS: Record<number, number> = { 1_000: 7, 10_000: 7, 100_000: 5 };
/** A sample repeats a run until this much wall time has passed (a 100k run lasts longer on its own). */
const MIN_SAMPLE_MS = 200;
const LAYER_WIDTH = 100;
const SHELL_TASKS = 1_000;
const SHELL_LAYER_WIDTH = 50;
const SHELL_PARALLEL = 8;
const SHELL_RUNS = 5;
/** The no-op tasks' runner; the benchmark's dispatchers never run it. */
const NO_OP: RunnerDef = { kind: 'echo', value: null };

const BUDGET = {
    usPerTask: 2,
    /** Per-task cost at 100k over that at 1k: a linear engine stays near 1x, a quadratic step shows 100x. */
    linearity: 2,
    /** The goal is to match make. */
    shellOverMake: 1
};

const log = (message: string) => process.stderr.write(`  ${message}\n`);


function collectGarbage(): void {
    (globalThis as { gc?: () => void }).gc?.();
}

const us = (value: number) => value >= 10 ? value.toFixed(1) : value.toFixed(2);
const ms = (value: number) => value >= 100 ? value.toFixed(0) : value.toFixed(1);
const times = (value: number) => !Number.isFinite(value) ? 'n/a' : `${value >= 10 ? value.toFixed(0) : value.toFixed(1)}x`;
const count = (value: number) => value.toLocaleString('en');
const kilobytes = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

/** Medians of one measurement, in microseconds per task. */
interface PerTask {
    cpu: number;
    wall: number;
}

interface OverheadCell {
    shape: Shape;
    size: number;
    floor: PerTask;
    core: PerTask;
    /** Of `core`, the part spent in `createEngineState`. */
    setup: PerTask;
    runner: PerTask;
    coreEvents: number;
    meanDependencies: number;
}

function perTask(timings: Timing[], tasks: number): PerTask {
    return {
        cpu: median(timings.map(timing => timing.cpuMs)) * 1000 / tasks,
        wall: median(timings.map(timing => timing.wallMs)) * 1000 / tasks
    };
}

/**
 * Repeats `once` until the repetitions have lasted MIN_SAMPLE_MS, and returns the mean per
 * repetition of the whole and of the parts `once` reports. Thread CPU time advances in ticks of
 * a few milliseconds, so a run of 1,000 no-op tasks cannot be timed on its own.
 */
async function sample(once: () => Timing[] | Promise<Timing[]>): Promise<{ total: Timing; parts: Timing[] }> {
    collectGarbage();
    const sums: Timing[] = [];
    let repetitions = 0;
    const stop = startTiming();
    do {
        const parts = await once();
        parts.forEach((part, index) => {
            sums[index] ??= { wallMs: 0, cpuMs: 0 };
            sums[index].wallMs += part.wallMs;
            sums[index].cpuMs += part.cpuMs;
        });
        repetitions++;
    } while (performance.now() - stop.startedAt < MIN_SAMPLE_MS);
    const total = stop();
    const mean = (timing: Timing): Timing => ({ wallMs: timing.wallMs / repetitions, cpuMs: timing.cpuMs / repetitions });
    return { total: mean(total), parts: sums.map(mean) };
}

async function measureOverhead(): Promise<OverheadCell[]> {
    const models = new Map<string, { model: WorkflowModel; deps: number }>();
    const modelOf = (shape: Shape, size: number) => {
        const key = `${shape}/${size}`;
        let entry = models.get(key);
        if (!entry) {
            const dag = generateDag(shape, size, LAYER_WIDTH);
            entry = { model: workflowOf(`${shape}${size}`, dag, NO_OP), deps: meanDependencies(dag) };
            models.set(key, entry);
        }
        return entry;
    };
    // One unmeasured sample of everything at the smallest size, so the 1k medians measure optimised code too.
    for (const shape of SHAPES) {
        const { model } = modelOf(shape, SIZES[0]);
        await sample(() => [bareTopological(model)]);
        await sample(() => [pureCore(model).total]);
        await sample(async () => [(await runner(model)).total]);
    }
    const cells: OverheadCell[] = [];
    for (const size of SIZES) {
        for (const shape of SHAPES) {
            const { model, deps } = modelOf(shape, size);
            const floor: Timing[] = [];
            const core: Timing[] = [];
            const setup: Timing[] = [];
            const run: Timing[] = [];
            let coreEvents = 0;
            for (let index = 0; index < RUNS[size]; index++) {
                log(`overhead: ${SHAPE_NAMES[shape]}, ${count(size)} tasks, sample ${index + 1}/${RUNS[size]}`);
                floor.push((await sample(() => [bareTopological(model)])).total);
                const coreSample = await sample(() => {
                    const result = pureCore(model);
                    coreEvents = result.events;
                    return [result.setup];
                });
                core.push(coreSample.total);
                setup.push(coreSample.parts[0]);
                run.push((await sample(async () => [(await runner(model)).total])).total);
            }
            cells.push({
                shape, size, floor: perTask(floor, size), core: perTask(core, size), setup: perTask(setup, size),
                runner: perTask(run, size), coreEvents: coreEvents / size, meanDependencies: deps
            });
        }
        // The 100k models are large; keep only what the next size needs.
        for (const key of [...models.keys()]) if (key.endsWith(`/${size}`)) models.delete(key);
    }
    return cells;
}

interface ShellResults {
    /** Wall milliseconds, medians. */
    make: number;
    spawner: Timing;
    engine: Timing;
    engineLogs: Timing;
    meanDependencies: number;
    profile: ProfileSummary;
}

async function measureShell(): Promise<ShellResults> {
    const dag = generateDag('layered', SHELL_TASKS, SHELL_LAYER_WIDTH);
    const model = workflowOf('shell', dag, { kind: 'shell', command: COMMAND });
    const workspace = temporaryDir('flow-bench-shell-');
    try {
        const makefile = writeMakefile(dag, workspace.dir);
        const make: number[] = [];
        const spawner: Timing[] = [];
        const engine: Timing[] = [];
        const engineLogs: Timing[] = [];
        // Runs interleave, so load from elsewhere on the machine falls on every executor alike; round 0 warms up.
        for (let index = 0; index <= SHELL_RUNS; index++) {
            const warmUp = index === 0;
            log(`shell: ${count(SHELL_TASKS)} tasks, ${warmUp ? 'warm-up' : `run ${index}/${SHELL_RUNS}`}`);
            const keep = <T>(into: T[], value: T) => { if (!warmUp) into.push(value); };
            const round = {
                make: await runMake(makefile, workspace.dir, SHELL_PARALLEL),
                spawner: await bareSpawner(dag, workspace.dir, SHELL_PARALLEL),
                engine: (collectGarbage(), await engineShell(model, workspace.dir, SHELL_PARALLEL)),
                engineLogs: (collectGarbage(), await engineShell(model, workspace.dir, SHELL_PARALLEL, join(workspace.dir, `logs-${index}`)))
            };
            log(`  wall ms: make ${ms(round.make)}, bare spawner ${ms(round.spawner.wallMs)}, engine ${ms(round.engine.wallMs)}, ` +
                `with logs ${ms(round.engineLogs.wallMs)}`);
            keep(make, round.make);
            keep(spawner, round.spawner);
            keep(engine, round.engine);
            keep(engineLogs, round.engineLogs);
        }
        log('shell: profiling one engine run');
        const shellProfile = await profile(() => engineShell(model, workspace.dir, SHELL_PARALLEL));
        const medians = (timings: Timing[]): Timing => ({
            wallMs: median(timings.map(timing => timing.wallMs)), cpuMs: median(timings.map(timing => timing.cpuMs))
        });
        return {
            make: median(make), spawner: medians(spawner), engine: medians(engine), engineLogs: medians(engineLogs),
            meanDependencies: meanDependencies(dag), profile: shellProfile
        };
    } finally {
        workspace.remove();
    }
}

/** Which engine was measured: the commit, and whether packages/engine had changes not yet committed. */
function engineVersion(): string {
    const git = (...args: string[]) => spawnSync('git', args, { encoding: 'utf8' });
    const head = git('rev-parse', '--short', 'HEAD');
    if (head.status !== 0) return 'an engine outside git';
    const dirty = git('status', '--porcelain', '--', 'packages/engine/src', 'packages/model/src').stdout.trim() !== '';
    return `the engine at commit ${head.stdout.trim()}${dirty ? ' with uncommitted changes in packages/engine or packages/model' : ''}`;
}

async function main(): Promise<void> {
    // Shell tasks first: fork() gets slower as this process's heap grows, and the 100k runs grow it.
    const shell = await measureShell();
    const overhead = await measureOverhead();
    const largestSize = SIZES.at(-1)!;
    const largest = overhead.filter(cell => cell.size === largestSize);
    type Level = 'floor' | 'core' | 'runner';
    const worstOf = (cells: OverheadCell[], score: (cell: OverheadCell) => number) => cells.reduce((a, b) => score(b) > score(a) ? b : a);
    const linearity = (cell: OverheadCell, level: Level) =>
        cell[level].cpu / overhead.find(other => other.shape === cell.shape && other.size === SIZES[0])![level].cpu;

    // Profiles of the largest runs: at 1k tasks a run lasts milliseconds, too few samples to say anything.
    const profiled = async (level: 'core' | 'runner') => {
        const cell = worstOf(largest, candidate => candidate[level].cpu);
        log(`profiling the ${level === 'core' ? 'pure core' : 'runner'}: ${SHAPE_NAMES[cell.shape]}, ${count(cell.size)} tasks`);
        const model = workflowOf('profiled', generateDag(cell.shape, cell.size, LAYER_WIDTH), NO_OP);
        const once = () => level === 'core' ? pureCore(model) : runner(model);
        collectGarbage();
        const summary = await profile(once);
        collectGarbage();
        return { cell, summary, allocated: await allocations(once) };
    };
    const coreProfile = await profiled('core');
    const runnerProfile = await profiled('runner');

    const at = (cell: OverheadCell) => `${SHAPE_NAMES[cell.shape]}, ${count(cell.size)} tasks`;
    const where = ({ cell, summary, allocated }: Awaited<ReturnType<typeof profiled>>) =>
        `a CPU profile of the ${at(cell)} run puts the most self time in ${topFunctions(summary, 5)}; ` +
        `the garbage collector's share comes from ${kilobytes(allocated.totalBytes / cell.size)} allocated per task, ` +
        `most by ${topFunctions(allocated, 4)}`;
    const budgetRows: string[] = [];
    const missed: string[] = [];
    const budget = (what: string, shown: string, limit: string, met: boolean, why: string) => {
        budgetRows.push(`| ${what} | ${shown} | ${limit} | ${met ? 'yes' : '**NO**'} |`);
        if (!met) missed.push(`${what}, ${shown} against ${limit}: ${why}`);
    };
    for (const [level, name, summary] of [['core', 'pure core', coreProfile], ['runner', 'runner `runWorkflow`', runnerProfile]] as const) {
        const worst = worstOf(overhead, cell => cell[level].cpu);
        budget(`${name}, CPU per task (worst: ${at(worst)})`, `${us(worst[level].cpu)} µs (${times(worst[level].cpu / worst.floor.cpu)} the floor)`,
            `<= ${BUDGET.usPerTask} µs`, worst[level].cpu <= BUDGET.usPerTask, where(summary));
        const steepest = worstOf(largest, cell => linearity(cell, level));
        budget(`${name} linear: per-task cost at ${count(largestSize)} / at ${count(SIZES[0])} (worst: ${SHAPE_NAMES[steepest.shape]})`,
            times(linearity(steepest, level)), `<= ${BUDGET.linearity}x`, linearity(steepest, level) <= BUDGET.linearity,
            `the bare executor's own ratio on that shape is ${times(linearity(steepest, 'floor'))}; ${where(summary)}`);
    }
    const shellIdle = shell.profile.entries.find(entry => entry.name === '(idle)')?.share ?? 0;
    const shellWhy = `the bare Node spawner alone takes ${times(shell.spawner.wallMs / shell.make)} make's time, and the engine ` +
        `${times(shell.engine.wallMs / shell.spawner.wallMs)} the bare spawner's: Node's spawn() blocks its thread until the child has ` +
        'started (it forks the whole Node process), so spawns happen one at a time whatever the parallelism; a CPU profile of ' +
        `the engine's run finds its thread idle ${(shellIdle * 100).toFixed(0)}% of the time and otherwise in ` +
        `${topFunctions(shell.profile, 5, name => name === '(idle)')}`;
    budget(`${count(SHELL_TASKS)} shell tasks, ${SHELL_PARALLEL} in parallel: engine / \`make -j${SHELL_PARALLEL}\` (wall)`,
        times(shell.engine.wallMs / shell.make), `<= ${BUDGET.shellOverMake}x (match make)`, shell.engine.wallMs / shell.make <= BUDGET.shellOverMake, shellWhy);
    budget(`the same with per-attempt log files (as \`flowctl run\`)`,
        times(shell.engineLogs.wallMs / shell.make), `<= ${BUDGET.shellOverMake}x (match make)`, shell.engineLogs.wallMs / shell.make <= BUDGET.shellOverMake,
        `as above; the log files take it to ${times(shell.engineLogs.wallMs / shell.engine.wallMs)} the engine's time without them`);

    const overheadRows = overhead.map(cell =>
        `| ${SHAPE_NAMES[cell.shape]} | ${count(cell.size)} | ${cell.meanDependencies.toFixed(1)} | ${RUNS[cell.size]} | ${us(cell.floor.cpu)} | ` +
        `${us(cell.core.cpu)} | ${times(cell.core.cpu / cell.floor.cpu)} | ${us(cell.setup.cpu)} | ${us(cell.runner.cpu)} | ${times(cell.runner.cpu / cell.floor.cpu)} | ` +
        `${cell.coreEvents.toFixed(1)} | ${us(cell.floor.wall)} / ${us(cell.core.wall)} / ${us(cell.runner.wall)} |`);
    const linearityRows = largest.map(cell =>
        `| ${SHAPE_NAMES[cell.shape]} | ${times(linearity(cell, 'floor'))} | ${times(linearity(cell, 'core'))} | ${times(linearity(cell, 'runner'))} |`);
    const shellRow = (what: string, wallMs: number, cpuMs?: number) =>
        `| ${what} | ${ms(wallMs)} | ${(wallMs / SHELL_TASKS).toFixed(2)} | ${times(wallMs / shell.make)} | ` +
        `${times(wallMs / shell.spawner.wallMs)} | ${cpuMs === undefined ? 'n/a' : ms(cpuMs)} |`;
    const profileLine = (what: string, summary: ProfileSummary) =>
        `- ${what} (${ms(summary.totalMs)} ms sampled): ${topFunctions(summary, 10)}.`;
    const allocationLine = (what: string, { cell, allocated }: Awaited<ReturnType<typeof profiled>>) =>
        `- ${what}: ${kilobytes(allocated.totalBytes / cell.size)} per task, by ${topFunctions(allocated, 8)}.`;

    const out = [
        '## Engine (bench/engine)',
        '',
        `${measuredOn()}, ${engineVersion()}. ` +
        'Graphs come from `bench/engine/dags.ts`: a wide fan-out/fan-in (one source, every other task after it, one sink after all), ' +
        `a chain, and a random layered DAG (layers of ${LAYER_WIDTH / 2} to ${LAYER_WIDTH * 1.5} tasks, each task after 2 to 4 tasks of the layer before). ` +
        'Models have the default policies of @flow/model (scheduling, retry, cache) and tasks without a timeout.',
        '',
        ...budgetTable(budgetRows),
        '',
        missed.length === 0 ? 'Every budget is met.' : `Not met:\n\n${missed.map(line => `- ${line}.`).join('\n')}`,
        '',
        '### Engine overhead on no-op tasks (µs per task, medians)',
        '',
        'Each run goes from the model to the end of the run. The floor is a bare topological executor (Kahn\'s algorithm ' +
        'with an array queue, building its graph from the same model, calling a no-op per task). The pure core is ' +
        '`createEngineState`, then `transition` fed by a synchronous loop that answers every `attempt.start` with a ' +
        'successful `attempt.settled`; "setup" is the part of it spent in `createEngineState`. The runner is `runWorkflow` with a ' +
        'dispatcher whose `execute` resolves at once, the system clock and the default cache. Both count every event. ' +
        `Figures are medians of samples; a sample repeats one run until ${MIN_SAMPLE_MS} ms have passed and takes the mean ` +
        '(a 1,000-task run is too short to time alone). Samples of the three interleave, after one unmeasured sample of each ' +
        'at 1,000 tasks. Figures are CPU time of the benchmark\'s thread (`process.threadCpuUsage`, which includes garbage ' +
        'collection pauses on it): other work on this machine stretches wall-clock times, shown last, far more than CPU times.',
        '',
        '| shape | tasks | deps per task | samples | floor | pure core | core / floor | setup | runner | runner / floor | events per task | wall: floor / core / runner |',
        '|---|---|---|---|---|---|---|---|---|---|---|---|',
        ...overheadRows,
        '',
        `Linearity: CPU time per task at ${count(largestSize)} tasks over that at ${count(SIZES[0])} (1x is linear).`,
        '',
        '| shape | floor | pure core | runner |',
        '|---|---|---|---|',
        ...linearityRows,
        '',
        `### ${count(SHELL_TASKS)} shell tasks, ${SHELL_PARALLEL} in parallel (medians of ${SHELL_RUNS})`,
        '',
        `A random layered DAG of ${count(SHELL_TASKS)} tasks (layers of ${SHELL_LAYER_WIDTH / 2} to ${SHELL_LAYER_WIDTH * 1.5}, ` +
        `${shell.meanDependencies.toFixed(1)} dependencies per task) whose command is \`${COMMAND}\`. ` +
        `make runs a generated Makefile of phony targets with \`make -j${SHELL_PARALLEL} -s\` (it execs \`${COMMAND}\` directly, without a shell); ` +
        `the bare spawner is \`child_process.spawn('/bin/sh', ['-c', '${COMMAND}'])\` per task, ${SHELL_PARALLEL} at once, in dependency order; ` +
        `the engine is \`runWorkflow\` with \`defaultRunners()\` (the shell runner: a context file, a clean environment, ` +
        `a process group and output pipes per attempt) and \`maxParallel: ${SHELL_PARALLEL}\`, without and with a \`logDir\`. ` +
        'Runs interleave after one warm-up round, and come before the overhead runs, while this process\'s heap is small ' +
        '(fork() takes longer as the heap grows, and Node spawns on its main thread). Ratios are of wall time; ' +
        'the last column is the CPU time of the Node thread that orchestrates.',
        '',
        '| executor | wall ms | wall ms per task | / make | / bare spawner | CPU ms of the Node thread |',
        '|---|---|---|---|---|---|',
        shellRow(`\`make -j${SHELL_PARALLEL}\``, shell.make),
        shellRow('bare Node spawner', shell.spawner.wallMs, shell.spawner.cpuMs),
        shellRow('engine (`runWorkflow`, shell runner)', shell.engine.wallMs, shell.engine.cpuMs),
        shellRow('engine with per-attempt log files', shell.engineLogs.wallMs, shell.engineLogs.cpuMs),
        '',
        '### Where the time goes (CPU profiles, self time)',
        '',
        'One more run of each, after the measured ones, under V8\'s sampling profiler (what `node --cpu-prof` records).',
        '',
        profileLine(`Pure core, ${at(coreProfile.cell)}`, coreProfile.summary),
        profileLine(`Runner, ${at(runnerProfile.cell)}`, runnerProfile.summary),
        profileLine(`Engine running ${count(SHELL_TASKS)} shell tasks`, shell.profile),
        '',
        'Bytes allocated (V8\'s sampling heap profiler, counting objects already collected), by allocating function:',
        '',
        allocationLine(`Pure core, ${at(coreProfile.cell)}`, coreProfile),
        allocationLine(`Runner, ${at(runnerProfile.cell)}`, runnerProfile)
    ];
    process.stdout.write(out.join('\n') + '\n');
}

main().catch(error => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
});
