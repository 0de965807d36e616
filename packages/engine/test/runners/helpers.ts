/**
 * Shared pieces of the runner tests: attempt requests with only what a test sets, temporary
 * folders that are removed after each test, a log sink that keeps what it is given, and bounded
 * polling for real processes (never a fixed sleep).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Json, RunnerDef } from '@flow/model';
import { afterEach } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { TaskFailure } from '../../src/errors.js';
import type { AttemptRequest } from '../../src/protocol.js';
import type { LogSink } from '../../src/runners/output.js';
import type { RunnerContext } from '../../src/runners/registry.js';

export function attempt(runner: RunnerDef, extra: Partial<AttemptRequest> = {}): AttemptRequest {
    return {
        runId: 'run-1', workflow: 'Demo', purpose: 'task', task: 'build', attempt: 1, attemptId: 1,
        runner, params: {}, upstream: {}, inputs: {}, metadata: {}, ...extra
    };
}

/** A log sink that keeps everything in memory, for asserting what a runner logged. */
export function memoryLog(): LogSink & { text(): string } {
    const chunks: string[] = [];
    return {
        write: chunk => { chunks.push(chunk.toString()); },
        close: async () => undefined,
        text: () => chunks.join('')
    };
}

export function context(request: AttemptRequest, workflowDir: string, options: Partial<RunnerContext> = {}): RunnerContext & { log: ReturnType<typeof memoryLog> } {
    return { request, signal: new AbortController().signal, clock: systemClock, workflowDir, log: memoryLog(), ...options } as RunnerContext & { log: ReturnType<typeof memoryLog> };
}

const folders: string[] = [];
afterEach(() => {
    for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** A fresh temporary folder, removed after the test. */
export function temporaryFolder(): string {
    const folder = mkdtempSync(join(tmpdir(), 'flow-runner-test-'));
    folders.push(folder);
    return folder;
}

/** The failure a promise rejects with (fails the test if it resolves or rejects with something else). */
export async function failureOf(promise: Promise<unknown>): Promise<TaskFailure> {
    try {
        const value = await promise;
        throw new Error(`expected a failure, got the result ${JSON.stringify(value)}`);
    } catch (error) {
        if (!(error instanceof TaskFailure)) throw error;
        return error;
    }
}

/** Polls `condition` until it holds; fails after `limitMs` so a broken test cannot hang. */
export async function eventually(condition: () => boolean, what: string, limitMs = 20_000): Promise<void> {
    const deadline = Date.now() + limitMs;
    while (!condition()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
        await new Promise(resolve => setTimeout(resolve, 20));
    }
}

/** Whether a process exists. A zombie still exists until it is reaped, which a slow init may delay. */
export function processExists(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
        throw error;
    }
}

/** The pids a test command wrote to `file`, one per line, once it holds `count` of them. */
export async function pidsIn(file: string, count: number): Promise<number[]> {
    const read = (): number[] => existsSync(file)
        ? readFileSync(file, 'utf8').split('\n').filter(line => line.trim() !== '').map(Number)
        : [];
    await eventually(() => read().length >= count, `${file} holds ${count} pids`);
    return read();
}

/** Waits until none of `pids` exists (the init of a container may take a second or two to reap zombies). */
export async function allGone(pids: number[]): Promise<void> {
    await eventually(() => pids.every(pid => !processExists(pid)), `processes ${pids.join(', ')} are gone`);
}

/** Kills what a failing test may have left behind. */
export function killQuietly(pids: number[]): void {
    for (const pid of pids) {
        try {
            process.kill(pid, 'SIGKILL');
        } catch {
            // Already gone.
        }
    }
}

export type { Json };
