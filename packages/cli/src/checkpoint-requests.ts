import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import * as path from 'node:path';
import type { CheckpointInfo, FlowStore } from '@flow/store';
import { CliError } from './cli-error.js';

/**
 * Named checkpoints on a running run. Only the process running a workflow writes its store (it
 * holds the lock), so `flowctl checkpoint` on a running run leaves a request file in
 * `<state-dir>/requests/<run>/`; the running process records the checkpoint and writes the answer
 * beside it. Files are written whole and renamed into place, so neither side reads half a file.
 */
interface CheckpointRequest {
    name: string;
    description?: string;
}

type CheckpointAnswer = { ok: true; checkpoint: CheckpointInfo } | { ok: false; error: string };

const POLL_MS = 200;

function requestDir(stateDir: string, runId: string): string {
    return path.join(stateDir, 'requests', runId);
}

function writeWhole(file: string, value: unknown): void {
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(value));
    renameSync(temporary, file);
}

/** Answers checkpoint requests for `runId` until the returned function is called. */
export function serveCheckpointRequests(store: FlowStore, runId: string): () => void {
    const dir = requestDir(store.stateDir, runId);
    mkdirSync(dir, { recursive: true });
    const serve = (): void => {
        let entries: string[];
        try {
            entries = readdirSync(dir);
        } catch {
            return;
        }
        for (const entry of entries.filter(name => name.endsWith('.request.json'))) {
            const file = path.join(dir, entry);
            let answer: CheckpointAnswer;
            try {
                const request = JSON.parse(readFileSync(file, 'utf8')) as CheckpointRequest;
                answer = { ok: true, checkpoint: store.checkpoint(runId, request.name, request.description) };
            } catch (error) {
                answer = { ok: false, error: (error as Error).message };
            }
            rmSync(file, { force: true });
            writeWhole(file.replace(/\.request\.json$/, '.answer.json'), answer);
        }
    };
    let watcher: FSWatcher | undefined;
    try {
        watcher = watch(dir, serve);
    } catch {
        // Polling below still serves requests where the file system cannot be watched.
    }
    const timer = setInterval(serve, POLL_MS);
    timer.unref();
    return () => {
        clearInterval(timer);
        watcher?.close();
        rmSync(dir, { recursive: true, force: true });
    };
}

/** Asks the process running `runId` to record a named checkpoint, and waits for its answer. */
export async function requestCheckpoint(stateDir: string, runId: string, request: CheckpointRequest, timeoutMs = 10_000): Promise<CheckpointInfo> {
    const dir = requestDir(stateDir, runId);
    const id = randomUUID();
    const answerFile = path.join(dir, `${id}.answer.json`);
    try {
        writeWhole(path.join(dir, `${id}.request.json`), request);
    } catch (error) {
        throw new CliError(`run ${runId} is running, but its process does not take requests (${(error as Error).message}). ` +
            'Try again once it has finished.');
    }
    for (let waited = 0; waited < timeoutMs; waited += POLL_MS) {
        try {
            const answer = JSON.parse(readFileSync(answerFile, 'utf8')) as CheckpointAnswer;
            rmSync(answerFile, { force: true });
            if (!answer.ok) throw new CliError(answer.error);
            return answer.checkpoint;
        } catch (error) {
            if (error instanceof CliError) throw error;
        }
        await new Promise(resolve => setTimeout(resolve, POLL_MS));
    }
    rmSync(path.join(dir, `${id}.request.json`), { force: true });
    throw new CliError(`run ${runId} did not answer within ${timeoutMs / 1000} s: its process may be busy or gone. ` +
        'Run `flowctl runs` to see its status, and try again.');
}
