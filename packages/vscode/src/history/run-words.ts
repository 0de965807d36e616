/**
 * How stored runs, their tasks and their checkpoints read in the Runs and Checkpoints views. No
 * `vscode` import: these are words, tested on their own. Durations are in the words `flowctl`
 * uses (the progress panel's own formatter, which is the CLI's).
 */
import type { TaskStatus } from '@flow/engine/src/events.js';
import type { Json } from '@flow/model';
import type { CheckpointInfo, RunParent, RunStatusInStore, RunSummary, TaskState } from '@flow/store';
import { formatDuration } from '@flow/webview/src/progress/format.js';

export { formatDuration };

/** A codicon and the theme colour it is drawn in (undefined: the icon's own). */
export interface StatusLook {
    icon: string;
    color?: string;
    /** The status in words. */
    words: string;
}

const RUN_LOOKS: Record<RunStatusInStore, StatusLook> = {
    running: { icon: 'sync~spin', words: 'running' },
    completed: { icon: 'pass', color: 'testing.iconPassed', words: 'completed' },
    failed: { icon: 'error', color: 'testing.iconFailed', words: 'failed' },
    cancelled: { icon: 'circle-slash', words: 'cancelled' },
    interrupted: { icon: 'debug-disconnect', color: 'list.warningForeground', words: 'interrupted' }
};

const TASK_LOOKS: Record<TaskStatus, StatusLook> = {
    pending: { icon: 'circle-outline', words: 'not started' },
    waiting: { icon: 'clock', words: 'waiting' },
    ready: { icon: 'watch', color: 'testing.iconQueued', words: 'queued' },
    running: { icon: 'sync~spin', words: 'running' },
    completed: { icon: 'pass', color: 'testing.iconPassed', words: 'completed' },
    failed: { icon: 'error', color: 'testing.iconFailed', words: 'failed' },
    skipped: { icon: 'debug-step-over', color: 'testing.iconSkipped', words: 'skipped' },
    upstream_failed: { icon: 'debug-step-over', color: 'testing.iconSkipped', words: 'not run: upstream failed' },
    cancelled: { icon: 'circle-slash', words: 'cancelled' }
};

export function runLook(status: RunStatusInStore): StatusLook {
    return RUN_LOOKS[status];
}

export function taskLook(status: TaskStatus): StatusLook {
    return TASK_LOOKS[status];
}

/** `12:03:04` today, `1 Dec 12:03` on another day: when a run started, as a list reads it. */
export function startedWords(startedAt: number, now: number): string {
    const started = new Date(startedAt);
    const today = new Date(now);
    const time = started.toLocaleTimeString('en-GB', { hour12: false });
    if (started.toDateString() === today.toDateString()) return time;
    return `${started.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', ...(started.getFullYear() !== today.getFullYear() ? { year: 'numeric' } : {}) })} ${time.slice(0, 5)}`;
}

/** A run item's description: `completed · 12:03:04 · 2.1 s`, `running · 12:03:04 · 2 of 5 tasks done`. */
export function runDescription(run: RunSummary, now: number): string {
    const finished = run.tasks.completed + run.tasks.failed + run.tasks.skipped;
    const extent = run.status === 'running' || run.status === 'interrupted'
        ? `${finished} of ${run.tasks.total} tasks done`
        : run.durationMs !== undefined ? formatDuration(run.durationMs) : undefined;
    return [runLook(run.status).words, startedWords(run.startedAt, now), extent].filter(Boolean).join(' · ');
}

/** Where a resumed run came from: `resumed from 3f2a1b2c at checkpoint after_build (fork)`. */
export function parentWords(parent: RunParent): string {
    const at = parent.checkpoint === undefined ? '' : ` at checkpoint ${parent.checkpoint}`;
    return parent.mode === 'continue' ? `continues run ${shortId(parent.runId)}${at}` : `forked from run ${shortId(parent.runId)}${at}`;
}

/** The first 8 characters of a run id, as `flowctl runs` shows them (any unique prefix names the run). */
export function shortId(runId: string): string {
    return runId.slice(0, 8);
}

/**
 * A task item's description: its duration, its attempts when there were several, its agent,
 * where its result came from, and the result itself in a few words:
 * `1.2 s · 2 attempts · agent writer · "hello"`, `reused · "hello"`.
 */
export function taskDescription(task: TaskState): string {
    const parts: string[] = [];
    if (task.status !== 'completed' || (!task.fromCache && !task.reused)) {
        if (task.durationMs !== undefined) parts.push(formatDuration(task.durationMs));
        else if (task.status !== 'completed' && task.status !== 'failed') parts.push(taskLook(task.status).words);
    }
    if (task.attempts > 1) parts.push(`${task.attempts} attempts`);
    if (task.agent) parts.push(`agent ${task.agent}`);
    if (task.fromCache) parts.push('cached');
    if (task.reused) parts.push('reused');
    if (task.demo) parts.push('demo built-in');
    const outcome = task.status === 'completed' ? resultWords(task.result) : task.error?.message ?? task.reason;
    if (outcome !== undefined && outcome !== null && outcome !== '') parts.push(preview(outcome, 48));
    return parts.join(' · ');
}

/**
 * What a result says in a line: a shell task's is `{ exitCode, output }`, of which the output
 * is what a reader wants to see; any other result as it is.
 */
export function resultWords(result: Json | undefined): Json | undefined {
    if (typeof result === 'object' && result !== null && !Array.isArray(result) && typeof result.output === 'string'
        && typeof result.exitCode === 'number' && Object.keys(result).length === 2) {
        return result.output.trim();
    }
    return result;
}

/** A task's outcome in full (within reason), for its tooltip. */
export function taskDetails(task: TaskState): string[] {
    const lines = [`${task.id}: ${taskLook(task.status).words}`];
    if (task.reused) lines.push(`Kept from run ${shortId(task.reused.runId)}${task.reused.checkpoint !== undefined ? ` (checkpoint ${task.reused.checkpoint})` : ''} by a resume: it did not run again.`);
    if (task.fromCache) lines.push('Its result came from the results cache: it did not run.');
    if (task.demo) lines.push('It ran a demo built-in (sleep, echo or fail): it stood in for work and did none.');
    if (task.error) lines.push(`Error (${task.error.kind}): ${task.error.message}`);
    if (task.reason) lines.push(task.reason);
    if (task.attempts > 0) lines.push(`${task.attempts} attempt${task.attempts === 1 ? '' : 's'}${task.agent ? ` on agent ${task.agent}` : ''}`);
    return lines;
}

/** A checkpoint item's label: its number and name, else what made it: `3 · after_build`, `3 · after build`, `0 · start`. */
export function checkpointLabel(checkpoint: Pick<CheckpointInfo, 'id' | 'name' | 'task'>, names: readonly string[] = checkpoint.name ? [checkpoint.name] : []): string {
    const what = names.length > 0 ? names.join(', ') : checkpoint.id === 0 ? 'start' : `after ${checkpoint.task ?? 'a task'}`;
    return `${checkpoint.id} · ${what}`;
}

/** JSON (or a string) in one short line: `"hello"` → `hello`, `{"n":3}` → `{"n":3}`, cut with `…`. */
export function preview(value: Json, length = 60): string {
    const text = (typeof value === 'string' ? value : JSON.stringify(value) ?? 'null').replace(/\s+/g, ' ').trim();
    return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}
