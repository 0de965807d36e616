/**
 * What the notification at the end of a run says and offers. No `vscode` import: the choice of
 * words and buttons is tested on its own; run-notifier.ts shows it.
 */
import type { RunResult } from '@flow/engine';
import type { RunNotifications } from '../settings.js';

export const SHOW_PROGRESS = 'Show Progress';
export const OPEN_LOG = 'Open Log';
export const RESUME = 'Resume';

export type RunEndAction = typeof SHOW_PROGRESS | typeof OPEN_LOG | typeof RESUME;

export interface RunEndNotice {
    severity: 'info' | 'warning' | 'error';
    message: string;
    actions: RunEndAction[];
    /** For Open Log: the failed task whose log to open; absent to open the run's output. */
    failedTask?: string;
}

export interface RunEndContext {
    /** `flow.runs.showNotifications`. */
    setting: RunNotifications;
    /** Whether `flow.showProgress` is registered (the progress panel). */
    canShowProgress: boolean;
    /** Whether `flow.resumeFromCheckpoint` is registered (the run store). */
    canResume: boolean;
    /** `1 completed, 1 failed, in 2.1 s`. */
    summary: string;
    /** What part of the workflow ran, when not all of it. */
    scope?: string;
}

/** The notification for a run that ended, or undefined when the setting wants none for it. */
export function runEndNotice(result: RunResult, context: RunEndContext): RunEndNotice | undefined {
    if (context.setting === 'never' || (context.setting === 'failures' && result.status === 'completed')) return undefined;
    const actions: RunEndAction[] = [...(context.canShowProgress ? [SHOW_PROGRESS] as const : []), OPEN_LOG];
    const what = `${result.workflow}${context.scope ? ` (${context.scope})` : ''}`;
    if (result.status === 'completed') {
        return { severity: 'info', message: `Flow: ${what} completed (${context.summary}).`, actions };
    }
    // A run that did not complete can be resumed from its checkpoints, once the store offers it.
    if (context.canResume) actions.push(RESUME);
    if (result.status === 'failed') {
        const failedTask = result.tasks.find(task => task.status === 'failed')?.id;
        return { severity: 'error', message: `Flow: ${what} failed: ${result.reason ?? 'see the log'} (${context.summary}).`, actions, failedTask };
    }
    return { severity: 'warning', message: `Flow: ${what} was cancelled${result.reason ? `: ${result.reason}` : ''} (${context.summary}).`, actions };
}
