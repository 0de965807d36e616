/**
 * Store benchmarks: the durable append (journal line + fdatasync + the database update) with the
 * database at 1, 10 and 50 MB, against a bare write + fdatasync of a line of the same size in the
 * same folder; exporting and opening the database at each size; and a 10,000-task run's state at
 * a checkpoint, which is what resume planning reads, with the engine's `planResume` on it.
 * Writes its BENCHMARKS.md section (Markdown) to stdout, progress to stderr.
 */
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planResume, runWorkflow, type RunEvent } from '@flow/engine';
import type { Json, WorkflowModel } from '@flow/model';
import { FlowStore } from '@flow/store';
import { generateDag, workflowOf } from '../engine/dags.js';
import { budgetTable, measuredOn, median, percentile } from '../stats.js';

const SIZES_MB = [1, 10, 50];
const APPENDS = 2_000;
/** Background exports during the measurement, more often than the default 5 s so that several fall among the appends. */
const EXPORT_INTERVAL_MS = 200;
/** Small runs, so the fill stops close to each size. */
const FILLER_TASKS = 100;
const STATE_TASKS = 10_000;
const REPEATS = 9;
/** A task's result in the filler and measured runs: a small JSON object, as tasks report. */
const RESULT: Json = { rows: 1234, file: 'out/report-2024-01-01.csv', checksum: 'sha256:9f2c1e7d4b3a', notes: 'x'.repeat(100) };

const BUDGET = { p50Ms: 1, p95Ms: 5 };

const log = (message: string) => process.stderr.write(`  ${message}\n`);

const fixed = (value: number) => value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
const count = (value: number) => value.toLocaleString('en');
const yieldToLoop = () => new Promise(resolve => setImmediate(resolve));

/** Events of one run, as the engine sends them for tasks that each become ready, start, complete. */
class EventSource {
    private seq = 0;
    constructor(readonly runId: string) {}

    *tasks(total: number): Generator<RunEvent> {
        const base = () => ({ runId: this.runId, seq: ++this.seq, time: Date.now() });
        yield { ...base(), type: 'run.started', workflow: 'bench', params: {}, totalTasks: total };
        for (let index = 0; index < total; index++) {
            const task = `task${index}`;
            yield { ...base(), type: 'task.ready', task, score: 12 };
            yield { ...base(), type: 'task.started', task, attempt: 1, runner: 'shell', demo: false };
            yield { ...base(), type: 'task.completed', task, result: RESULT, attempts: 1, durationMs: 12, fromCache: false, logFile: `/state/logs/${this.runId}/${task}.1.log` };
            yield {
                ...base(), type: 'progress', percent: Math.floor((index + 1) * 1000 / total) / 10, done: index + 1, total,
                running: 0, completed: index + 1, failed: 0, skipped: 0
            };
        }
    }
}

/** store.db's size and time of last change; zero before the first export. */
function exported(dir: string): { size: number; mtimeMs: number } {
    try {
        return statSync(join(dir, 'store.db'));
    } catch {
        return { size: 0, mtimeMs: 0 };
    }
}

function benchModel(tasks: number): WorkflowModel {
    return workflowOf('bench', generateDag('layered', tasks), { kind: 'echo', value: RESULT });
}

/** A bare journal write: the same bytes, written and synced, in the same folder. */
function floorSamples(dir: string, lineBytes: number, samples: number): number[] {
    const file = join(dir, 'floor.log');
    const fd = openSync(file, 'a');
    const line = Buffer.from('x'.repeat(lineBytes - 1) + '\n');
    const times: number[] = [];
    try {
        for (let index = 0; index < samples; index++) {
            const start = performance.now();
            writeSync(fd, line);
            fdatasyncSync(fd);
            times.push(performance.now() - start);
        }
    } finally {
        closeSync(fd);
        rmSync(file);
    }
    return times;
}

interface SizeRow {
    targetMb: number;
    /** store.db when the measured appends began, and after them. */
    dbBytes: number;
    dbBytesAfter: number;
    append: number[];
    floor: number[];
    exportsDuring: number;
    exportStall: number[];
    exportTotal: number[];
    openMs: number[];
}

async function appendBySize(): Promise<SizeRow[]> {
    const dir = mkdtempSync(join(tmpdir(), 'flow-bench-store-'));
    const rows: SizeRow[] = [];
    try {
        let store = await FlowStore.open(dir, { exportIntervalMs: 0, retention: {} });
        const fillerModel = benchModel(FILLER_TASKS);
        let fillers = 0;
        for (const targetMb of SIZES_MB) {
            // Fill with finished runs until the exported database reaches the size.
            for (;;) {
                await store.flush();
                if (exported(dir).size >= targetMb * 1024 * 1024) break;
                const runId = `filler-${++fillers}`;
                store.recordRun({ runId, workflow: 'bench', params: {}, model: fillerModel, startedAt: Date.now() });
                for (const event of new EventSource(runId).tasks(FILLER_TASKS)) store.append(event);
            }
            const dbBytes = exported(dir).size;
            log(`${mb(dbBytes)} MB (${fillers} runs of ${count(FILLER_TASKS)} tasks): measuring`);
            await store.close();

            // The measured run, with exports in the background as a real run has them.
            store = await FlowStore.open(dir, { exportIntervalMs: EXPORT_INTERVAL_MS, retention: {} });
            const runId = `measured-${targetMb}`;
            store.recordRun({ runId, workflow: 'bench', params: {}, model: fillerModel, startedAt: Date.now() });
            let exports = 0;
            let lastExport = exported(dir).mtimeMs;
            const append: number[] = [];
            let lineBytes = 0;
            for (const event of new EventSource(runId).tasks(APPENDS / 4)) {
                const start = performance.now();
                store.append(event);
                append.push(performance.now() - start);
                lineBytes = Math.max(lineBytes, JSON.stringify(event).length + 40);
                await yieldToLoop();
                const mtime = exported(dir).mtimeMs;
                if (mtime !== lastExport) {
                    exports++;
                    lastExport = mtime;
                }
            }
            const floor = floorSamples(dir, lineBytes, append.length);

            const exportStall: number[] = [];
            const exportTotal: number[] = [];
            for (let index = 0; index < 5; index++) {
                // One more event, so there is something to export.
                store.append({ runId, seq: APPENDS + 2 + index, time: Date.now(), type: 'progress', percent: 100, done: 1, total: 1, running: 0, completed: 1, failed: 0, skipped: 0 });
                const start = performance.now();
                const flushed = store.flush();
                exportStall.push(performance.now() - start);
                await flushed;
                exportTotal.push(performance.now() - start);
            }
            await store.close();
            store = await FlowStore.open(dir, { exportIntervalMs: 0, retention: {} });

            const openMs: number[] = [];
            for (let index = 0; index < 3; index++) {
                const start = performance.now();
                const reader = await FlowStore.open(dir, { readOnly: true });
                openMs.push(performance.now() - start);
                await reader.close();
            }
            rows.push({ targetMb, dbBytes, dbBytesAfter: exported(dir).size, append, floor, exportsDuring: exports, exportStall, exportTotal, openMs });
        }
        await store.close();
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
    return rows;
}

interface StateRow {
    events: number;
    runMs: number;
    stateLatest: number[];
    stateMiddle: number[];
    diff: number[];
    planResume: number[];
    planOnly: number[];
    checkpointRows: number;
    keptTasks: number;
}

async function stateOfLargeRun(): Promise<StateRow> {
    const dir = mkdtempSync(join(tmpdir(), 'flow-bench-store-state-'));
    try {
        const store = await FlowStore.open(dir, { exportIntervalMs: 0, retention: {} });
        const model = benchModel(STATE_TASKS);
        const runId = 'large';
        store.recordRun({ runId, workflow: model.name, params: {}, model, startedAt: Date.now() });
        let events = 0;
        const started = performance.now();
        log(`running ${count(STATE_TASKS)} echo tasks through the engine into the store`);
        await runWorkflow(model, {
            runId, cache: false, onEvent: event => {
                store.append(event);
                events++;
            }
        });
        const runMs = performance.now() - started;
        const checkpoints = store.checkpoints(runId);
        const middle = checkpoints[Math.floor(checkpoints.length / 2)].id;

        const time = (body: () => unknown): number[] => Array.from({ length: REPEATS }, () => {
            const start = performance.now();
            body();
            return performance.now() - start;
        });
        const stateLatest = time(() => store.stateAt(runId));
        const stateMiddle = time(() => store.stateAt(runId, middle));
        const diff = time(() => store.diff(runId, middle, checkpoints.at(-1)!.id));
        // A resume from the middle checkpoint with the workflow as it was: what `flowctl resume` plans.
        let keptTasks = 0;
        const planOnly: number[] = [];
        const plan = time(() => {
            const { tasks } = store.stateAt(runId, middle);
            const outcomes = Object.fromEntries(Object.values(tasks).map(task => [task.id, { status: task.status, result: task.result ?? null }]));
            const start = performance.now();
            const result = planResume({ runId, checkpoint: middle, model, params: {}, outcomes }, { model, params: {} });
            planOnly.push(performance.now() - start);
            keptTasks = result.steps.filter(step => step.keep).length;
        });
        await store.close();
        return { events, runMs, stateLatest, stateMiddle, diff, planResume: plan, planOnly, checkpointRows: checkpoints.length, keptTasks };
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

async function main(): Promise<void> {
    const sizes = await appendBySize();
    const state = await stateOfLargeRun();

    const budgetRows: string[] = [];
    const misses: string[] = [];
    const budgetRow = (what: string, measured: number, budget: number) => {
        const met = measured <= budget;
        budgetRows.push(`| ${what} | ${fixed(measured)} ms | <= ${budget} ms | ${met ? 'yes' : '**NO**'} |`);
        if (!met) misses.push(`${what}: ${fixed(measured)} ms against <= ${budget} ms`);
    };
    for (const row of sizes) {
        budgetRow(`durable append p50, database ${mb(row.dbBytes)} MB`, median(row.append), BUDGET.p50Ms);
        budgetRow(`durable append p95, database ${mb(row.dbBytes)} MB`, percentile(row.append, 95), BUDGET.p95Ms);
    }
    const smallest = median(sizes[0].append);
    const largest = median(sizes.at(-1)!.append);

    const out = [
        '## Store (bench/store)',
        '',
        `${measuredOn()}, in ${tmpdir()}. ` +
        `The database is filled with finished runs of ${count(FILLER_TASKS)} tasks (each task: ready, started, completed with a ` +
        `${JSON.stringify(RESULT).length}-byte result, progress), then a new run appends ${count(APPENDS)} such events, ` +
        `yielding to the event loop after each so the background export (every ${EXPORT_INTERVAL_MS} ms here, against 5 s by default) runs as in a real run.`,
        '',
        ...budgetTable(budgetRows),
        '',
        misses.length > 0 ? `Not met: ${misses.join('; ')}.` : 'All met.',
        `Median append at ${mb(sizes.at(-1)!.dbBytes)} MB over that at ${mb(sizes[0].dbBytes)} MB: ${(largest / smallest).toFixed(2)}x ` +
        '(the append does not depend on the size of the database).',
        '',
        '### Durable append (ms per event)',
        '',
        'An append writes one journal line, fdatasyncs it and updates the database in memory. The floor is a bare `write` + ' +
        '`fdatasync` of a line of the same size in the same folder, measured right after.',
        '',
        '| database (before, after) | p50 | p95 | p99 | max | floor p50 | floor p95 | p50 / floor | exports during the appends |',
        '|---|---|---|---|---|---|---|---|---|',
        ...sizes.map(row => `| ${mb(row.dbBytes)} MB, ${mb(row.dbBytesAfter)} MB | ${fixed(median(row.append))} | ${fixed(percentile(row.append, 95))} | ` +
            `${fixed(percentile(row.append, 99))} | ${fixed(Math.max(...row.append))} | ${fixed(median(row.floor))} | ` +
            `${fixed(percentile(row.floor, 95))} | ${(median(row.append) / median(row.floor)).toFixed(1)}x | ${row.exportsDuring} |`),
        '',
        '### Export and open by size (ms, medians)',
        '',
        'Export: the event loop is held while sql.js copies the database out (`stall`); writing the copy to store.db.tmp, ' +
        'fsync and rename follow without holding it (`total` includes them). Open: a read-only open (load store.db, replay the journal after it).',
        '',
        '| database | export stall | export total | open (read-only) |',
        '|---|---|---|---|',
        ...sizes.map(row => `| ${mb(row.dbBytes)} MB | ${fixed(median(row.exportStall))} | ${fixed(median(row.exportTotal))} | ${fixed(median(row.openMs))} |`),
        '',
        `### A ${count(STATE_TASKS)}-task run (ms, medians of ${REPEATS})`,
        '',
        `A layered DAG from \`bench/engine/dags.ts\` run by the engine with echo tasks, every event appended to the store as it came ` +
        `(${count(state.events)} events, ${count(state.checkpointRows)} checkpoints, ${fixed(state.runMs / 1000)} s in all). ` +
        'Resume planning: the state at the middle checkpoint, then the engine\'s `planResume` for the workflow unchanged ' +
        `(it keeps ${count(state.keptTasks)} tasks).`,
        '',
        '| what | ms |',
        '|---|---|',
        `| stateAt, latest | ${fixed(median(state.stateLatest))} |`,
        `| stateAt, middle checkpoint | ${fixed(median(state.stateMiddle))} |`,
        `| diff, middle checkpoint to the last | ${fixed(median(state.diff))} |`,
        `| resume planning: stateAt + the engine's planResume | ${fixed(median(state.planResume))} |`,
        `| of which planResume | ${fixed(median(state.planOnly))} |`
    ];
    process.stdout.write(out.join('\n') + '\n');
}

main().catch(error => {
    process.stderr.write(`${(error as Error).stack}\n`);
    process.exit(1);
});
