/**
 * Test support for the store: temporary state directories (real files), runs and the events an
 * engine would send for them, the fixture writer process bundled for spawning, and a look into
 * the exported database file.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import type { FailureInfo, RunEvent } from '@flow/engine';
import type { Json, WorkflowModel } from '@flow/model';
import { afterEach } from 'vitest';
import { FlowStore } from '../src/index.js';
import { loadSqlJs } from '../src/sql.js';
import type { RunRecord, StoreOptions } from '../src/types.js';

const cleanups: Array<() => void | Promise<void>> = [];

afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A fresh state directory, removed after the test. */
export function stateDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'flow-store-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
}

/** Opens a store that is closed after the test (closing twice is harmless). Background exports are off unless asked for. */
export async function openStore(dir: string, options: StoreOptions = {}): Promise<FlowStore> {
    const store = await FlowStore.open(dir, { exportIntervalMs: 0, lockWaitMs: 0, ...options });
    cleanups.push(() => store.close());
    return store;
}

/** Only what the store reads of a model: its task ids. */
export function model(taskIds: string[], name = 'wf'): WorkflowModel {
    return { name, tasks: taskIds.map(id => ({ id })) } as unknown as WorkflowModel;
}

export function runRecord(runId: string, taskIds: string[], extra: Partial<RunRecord> = {}): RunRecord {
    return { runId, workflow: 'wf', params: {}, model: model(taskIds), startedAt: 1_000, ...extra };
}

/** Events of one run with consecutive seqs and times, as the engine would number them. */
export class RunEvents {
    private seq = 0;

    constructor(readonly runId: string, private time = 1_000) {}

    private base(): { runId: string; seq: number; time: number } {
        return { runId: this.runId, seq: ++this.seq, time: this.time++ };
    }

    started(totalTasks: number): RunEvent {
        return { ...this.base(), type: 'run.started', workflow: 'wf', params: {}, totalTasks };
    }

    ready(task: string): RunEvent {
        return { ...this.base(), type: 'task.ready', task, score: 12 };
    }

    taskStarted(task: string, attempt = 1): RunEvent {
        return { ...this.base(), type: 'task.started', task, attempt, runner: 'shell', demo: false };
    }

    attemptFailed(task: string, attempt: number, error: FailureInfo, logFile?: string): RunEvent {
        return { ...this.base(), type: 'task.attempt_failed', task, attempt, error, ...(logFile ? { logFile } : {}) };
    }

    completed(task: string, result: Json = null, extra: Record<string, unknown> = {}): RunEvent {
        return { ...this.base(), type: 'task.completed', task, result, attempts: 1, durationMs: 5, fromCache: false, ...extra } as RunEvent;
    }

    failed(task: string, message = 'exit 1'): RunEvent {
        return {
            ...this.base(), type: 'task.failed', task, attempts: 1, durationMs: 5, escalated: false,
            error: { kind: 'exit_code', message, nonRetryable: false, exitCode: 1 }
        };
    }

    skipped(task: string, status: 'skipped' | 'upstream_failed' | 'cancelled' = 'skipped'): RunEvent {
        return { ...this.base(), type: 'task.skipped', task, status, reason: 'condition is false' };
    }

    checkpoint(name: string, completedTasks: string[]): RunEvent {
        return { ...this.base(), type: 'checkpoint.reached', checkpoint: name, completedTasks };
    }

    progress(done: number, total: number): RunEvent {
        return {
            ...this.base(), type: 'progress', percent: Math.floor(done * 1000 / total) / 10, done, total,
            running: 0, completed: done, failed: 0, skipped: 0
        };
    }

    runCompleted(): RunEvent {
        return { ...this.base(), type: 'run.completed', durationMs: this.time - 1_000, deliverables: [] };
    }

    /** ready, started, completed and progress of each task in turn. */
    tasksDone(taskIds: string[], total = taskIds.length, result: (task: string) => Json = task => ({ task })): RunEvent[] {
        return taskIds.flatMap((task, index) => [
            this.ready(task), this.taskStarted(task), this.completed(task, result(task)), this.progress(index + 1, total)
        ]);
    }
}

/** Records a run and appends its events. */
export function writeRun(store: FlowStore, runId: string, taskIds: string[], events: (run: RunEvents) => RunEvent[], extra: Partial<RunRecord> = {}): RunEvent[] {
    store.recordRun(runRecord(runId, taskIds, extra));
    const written = events(new RunEvents(runId, extra.startedAt));
    for (const event of written) store.append(event);
    return written;
}

/** Runs a query on an exported database file (store.db) as it is on disk. */
export async function queryFile(file: string, sql: string): Promise<Json[][]> {
    const SQL = await loadSqlJs();
    const db = new SQL.Database(readFileSync(file));
    try {
        return (db.exec(sql)[0]?.values ?? []) as Json[][];
    } finally {
        db.close();
    }
}

// ---- the fixture writer process

let bundled: Promise<string> | undefined;

/** test/fixtures/writer.ts bundled into one file Node runs as it is. */
export function writerScript(): Promise<string> {
    bundled ??= (async () => {
        const dir = mkdtempSync(join(tmpdir(), 'flow-store-fixture-'));
        cleanupAtExit(dir);
        const outfile = join(dir, 'writer.cjs');
        await esbuild.build({
            entryPoints: [fileURLToPath(new URL('./fixtures/writer.ts', import.meta.url))],
            outfile, bundle: true, platform: 'node', format: 'cjs', target: 'node22', logLevel: 'warning'
        });
        return outfile;
    })();
    return bundled;
}

function cleanupAtExit(dir: string): void {
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
}

export interface Child {
    process: ChildProcessWithoutNullStreams;
    /** Lines printed so far. */
    lines: string[];
    /** Resolves with the first line (already printed or to come) that matches. */
    waitFor(pattern: RegExp): Promise<string>;
    /** Resolves with the exit code (null when killed by a signal). */
    exited: Promise<number | null>;
    stderr(): string;
}

/** Starts the fixture writer with `args`; it is killed after the test if still running. */
export async function startWriter(args: string[]): Promise<Child> {
    const child = spawn(process.execPath, [await writerScript(), ...args], { stdio: 'pipe' });
    const lines: string[] = [];
    let stderr = '';
    const waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
    let partial = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        const parts = (partial + chunk).split('\n');
        partial = parts.pop()!;
        for (const line of parts) {
            lines.push(line);
            for (const waiter of [...waiters]) {
                if (waiter.pattern.test(line)) {
                    waiters.splice(waiters.indexOf(waiter), 1);
                    waiter.resolve(line);
                }
            }
        }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
    });
    // 'close', not 'exit': by then every line the process printed has been read.
    const exited = new Promise<number | null>(resolve => child.on('close', code => resolve(code)));
    cleanups.push(async () => {
        if (child.exitCode === null && child.signalCode === null) {
            child.kill('SIGKILL');
            await exited;
        }
    });
    return {
        process: child, lines, exited, stderr: () => stderr,
        waitFor: pattern => {
            const found = lines.find(line => pattern.test(line));
            if (found !== undefined) return Promise.resolve(found);
            return new Promise((resolve, reject) => {
                waiters.push({ pattern, resolve });
                void exited.then(code => reject(new Error(`the writer exited (${code}) before printing ${pattern}; stderr: ${stderr}`)));
            });
        }
    };
}
