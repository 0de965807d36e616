/**
 * How a task's latest outcome reads above it (CodeLens) and in the Workflows view. No `vscode`
 * import: these are words, tested on their own.
 */

/** A task's latest state in this window's runs. */
export type TaskOutcome =
    | { status: 'running'; runId: string; attempt: number }
    | { status: 'completed'; runId: string; durationMs: number; fromCache: boolean; reused: boolean }
    | { status: 'failed'; runId: string; durationMs: number; message: string }
    | { status: 'skipped' | 'upstream_failed' | 'cancelled'; runId: string; reason: string };

export interface OutcomeLabel {
    /** With a codicon: `$(check) completed in 1.2 s`. */
    text: string;
    tooltip: string;
    /** The codicon alone (`check`), for tree items. */
    icon: string;
}

/** `formatDuration` is the CLI's (`1.2 s`, `3m05s`), passed in so that this module loads nothing. */
export function taskOutcomeLabel(outcome: TaskOutcome, formatDuration: (ms: number) => string): OutcomeLabel {
    switch (outcome.status) {
        case 'running':
            return label('sync~spin', `running${outcome.attempt > 1 ? ` (attempt ${outcome.attempt})` : ''}`, 'The task is running.');
        case 'completed': {
            const how = outcome.reused ? 'kept from an earlier run' : outcome.fromCache ? 'from the cache' : `in ${formatDuration(outcome.durationMs)}`;
            return label('check', `completed ${how}`, `The task completed ${how} in its latest run. Click to open its log.`);
        }
        case 'failed':
            return label('error', `failed after ${formatDuration(outcome.durationMs)}`, `The task failed in its latest run: ${outcome.message}. Click to open its log.`);
        case 'skipped':
            return label('debug-step-over', 'skipped', `The task was skipped in its latest run: ${outcome.reason}.`);
        case 'upstream_failed':
            return label('debug-step-over', 'not run: upstream failed', `The task did not run in its latest run: ${outcome.reason}.`);
        case 'cancelled':
            return label('circle-slash', 'cancelled', `The task was cancelled in its latest run: ${outcome.reason}.`);
    }
}

function label(icon: string, words: string, tooltip: string): OutcomeLabel {
    return { text: `$(${icon}) ${words}`, tooltip, icon };
}
