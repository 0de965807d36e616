import { open } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AttemptRequest, RunEvent } from '@flow/engine';
import type { TaskLog } from '../shared/messages.js';
import { loadWorkflowRuntime } from '../runtime/load-runtime.js';

/** The most of a log the panel shows: its end, where a failure usually is. */
export const LOG_TAIL_BYTES = 64 * 1024;

export interface LogRequest {
    task: string;
    attempt: number;
    item?: number;
}

/**
 * Reads one attempt's log for the panel. The file is the one the attempt's events name; for an
 * attempt still running, the one the engine is writing (named by the engine's `logFileName`).
 * The webview only names a task and an attempt, never a path: whatever it asks, nothing outside
 * the run's log folder is read.
 */
export async function readTaskLog(logDir: string, events: readonly RunEvent[] | undefined, request: LogRequest): Promise<TaskLog> {
    const ended = events?.find((event): event is Extract<RunEvent, { type: 'task.completed' | 'task.attempt_failed' }> =>
        (event.type === 'task.attempt_failed' && event.task === request.task && event.attempt === request.attempt && event.item === request.item)
        || (event.type === 'task.completed' && event.task === request.task && event.attempts === request.attempt && request.item === undefined));
    // Named as the dispatcher names it; only the fields that go into the name are needed.
    const predicted = path.join(logDir, loadWorkflowRuntime().logFileName({
        purpose: 'task', task: request.task, attempt: request.attempt,
        item: request.item === undefined ? undefined : { index: request.item, value: null }
    } as AttemptRequest));
    const file = path.resolve(ended?.logFile ?? predicted);
    const shown = vscode.workspace.asRelativePath(file);
    if (!isInside(file, logDir)) return { truncated: false, problem: `The log file ${shown} is outside the run's log folder, so it is not read.` };
    if (ended && ended.logFile === undefined) {
        return { truncated: false, problem: `Attempt ${request.attempt} printed nothing, so it has no log file.` };
    }
    let handle;
    try {
        handle = await open(file, 'r');
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return { file: shown, truncated: false, problem: `The log could not be read: ${(error as Error).message}` };
        return {
            file: shown, truncated: false,
            problem: ended || events === undefined
                ? `The log file is not there any more (${shown}); it may have been cleaned up.`
                : `Attempt ${request.attempt} has printed nothing yet.`
        };
    }
    try {
        const { size } = await handle.stat();
        const start = Math.max(0, size - LOG_TAIL_BYTES);
        const buffer = Buffer.alloc(size - start);
        await handle.read(buffer, 0, buffer.length, start);
        return { file: shown, text: buffer.toString('utf8'), truncated: start > 0 };
    } finally {
        await handle.close();
    }
}

function isInside(file: string, folder: string): boolean {
    const relative = path.relative(path.resolve(folder), file);
    return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}
