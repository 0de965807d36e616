/**
 * The messages between the extension and its webviews, declared once for both sides: the
 * extension (packages/vscode) and the webview bundles (packages/webview) import this file.
 * Each message is one member of a discriminated union on `type`, with a comment saying who
 * sends it. Everything here is plain JSON (webview messages are structured-cloned, and the
 * webview's saved state is serialised), so only types are imported: nothing of the engine or of
 * `vscode` reaches a webview bundle.
 */
import type { RunEvent, TaskStatus } from '@flow/engine/src/events.js';
import type { ScoreExplanation } from '@flow/engine/src/score.js';
import type { WorkflowModel } from '@flow/model';
import type { AnalyticsReport } from '@flow/store/src/analytics.js';

/** The progress panel's webview type: its serializer and the `onWebviewPanel:` activation event name it. */
export const PROGRESS_VIEW_TYPE = 'flow.progress';

/** What the panel says about the run it shows, besides its model and events. */
export interface ProgressRunInfo {
    runId: string;
    workflow: string;
    /** The `.flow` file, relative to the workspace, as the header shows it. */
    file: string;
}

/** Why a task that has not started yet is not running, and what its score is made of. */
export interface WaitingExplanation {
    task: string;
    status: TaskStatus;
    /** Whether the task is waiting at all (false for a running or finished task). */
    waiting: boolean;
    /** What it waits for, one sentence each: unfinished dependencies, a full pool, no free agent, a retry delay. */
    waitingFor: string[];
    /** Its score now, factor by factor (for a pending task, the score it would have if queued now). */
    score?: ScoreExplanation;
    /** Where the figures come from, said plainly in the panel. */
    basis: string;
}

/** The text of one attempt's log file. */
export interface TaskLog {
    /** The file, relative to the workspace when it is inside it. */
    file?: string;
    /** The file's text (its end, when it is long). */
    text?: string;
    /** True when only the end of the file is in `text`. */
    truncated: boolean;
    /** Why there is no text: the attempt printed nothing, the file is gone, the run is not followed. */
    problem?: string;
}

/** Messages the extension posts to the progress panel. */
export type ProgressHostMessage =
    /** Sent by the extension in answer to `ready`: the run, its model and every event so far (a panel opened late replays them). */
    | { type: 'init'; run: ProgressRunInfo; model: WorkflowModel; events: RunEvent[] }
    /** Sent by the extension while the run goes on: the events after those already sent, in order, a few at a time. */
    | { type: 'events'; runId: string; events: RunEvent[] }
    /**
     * Sent by the extension in answer to `ready` when it no longer holds the run (after a window
     * reload): the panel keeps showing what it saved and says that the run is not followed live.
     */
    | { type: 'detached'; runId: string; reason: string }
    /** Sent by the extension in answer to `requestScore`, and whenever the selected task's wait changes. */
    | { type: 'waiting'; explanation: WaitingExplanation }
    /** Sent by the extension in answer to `requestLog`. */
    | { type: 'log'; task: string; attempt: number; item?: number; log: TaskLog };

/** Messages the progress panel posts to the extension. */
export type ProgressViewMessage =
    /** Sent by the webview once its script runs and listens: the extension answers with `init` or `detached`. */
    | { type: 'ready'; runId?: string }
    /** Sent by the webview when the user selects a task (null: none); the extension keeps its wait explanation up to date. */
    | { type: 'selectTask'; task: string | null }
    /** Sent by the webview to show an attempt's log (`item` for a batch item). */
    | { type: 'requestLog'; task: string; attempt: number; item?: number }
    /** Sent by the webview for "why is this waiting?". */
    | { type: 'requestScore'; task: string }
    /** Sent by the webview to open the task's declaration in the `.flow` file. */
    | { type: 'revealTask'; task: string };

/** What the progress webview saves with `setState`, and what its serializer gets back after a window reload. */
export interface ProgressSavedState {
    runId: string;
    [key: string]: unknown;
}

/**
 * The message if `value` is one the progress panel may send, else undefined. The extension
 * checks every message it receives: a webview is a web page, and what it posts is data to check,
 * not a call to trust.
 */
export function parseProgressViewMessage(value: unknown): ProgressViewMessage | undefined {
    if (typeof value !== 'object' || value === null) return undefined;
    const message = value as Record<string, unknown>;
    switch (message.type) {
        case 'ready':
            return message.runId === undefined || isName(message.runId) ? { type: 'ready', runId: message.runId } : undefined;
        case 'selectTask':
            return message.task === null || isName(message.task) ? { type: 'selectTask', task: message.task } : undefined;
        case 'requestLog':
            if (!isName(message.task) || !isCount(message.attempt, 1)) return undefined;
            if (message.item !== undefined && !isCount(message.item, 0)) return undefined;
            return { type: 'requestLog', task: message.task, attempt: message.attempt, ...(message.item === undefined ? {} : { item: message.item }) };
        case 'requestScore':
        case 'revealTask':
            return isName(message.task) ? { type: message.type, task: message.task } : undefined;
        default:
            return undefined;
    }
}

/** The saved state's run id, if `value` is a state the progress webview saved. */
export function savedRunId(value: unknown): string | undefined {
    if (typeof value !== 'object' || value === null) return undefined;
    const runId = (value as Record<string, unknown>).runId;
    return isName(runId) ? runId : undefined;
}

/** The analytics panel's webview type: its serializer and the `onWebviewPanel:` activation event name it. */
export const ANALYTICS_VIEW_TYPE = 'flow.analytics';

/** The timeframes the analytics panel offers (the store's names; the default is flowctl analytics'). */
export const ANALYTICS_TIMEFRAMES = ['today', 'last-7-days', 'last-30-days', 'last-12-weeks', 'all'] as const;
export type AnalyticsTimeframe = typeof ANALYTICS_TIMEFRAMES[number];
export const DEFAULT_ANALYTICS_TIMEFRAME: AnalyticsTimeframe = 'last-30-days';

/** A state directory the panel can report on. */
export interface AnalyticsSource {
    /** As the Runs view names it: `.flow`. */
    label: string;
}

/** Messages the extension posts to the analytics panel. */
export type AnalyticsHostMessage =
    /** Sent by the extension in answer to `ready` and `query`, and again when the store changes: the store's analytics. */
    | { type: 'report'; sources: AnalyticsSource[]; source: number; timeframe: AnalyticsTimeframe; report: AnalyticsReport }
    /** Sent by the extension when the store could not be read (the message says why and what to do), or the workspace has none. */
    | { type: 'problem'; sources: AnalyticsSource[]; source: number; timeframe: AnalyticsTimeframe; message: string };

/** Messages the analytics panel posts to the extension. */
export type AnalyticsViewMessage =
    /** Sent by the webview once its script listens (with what it showed before a reload): the extension answers with a report. */
    | { type: 'ready'; timeframe?: AnalyticsTimeframe; source?: number }
    /** Sent by the webview when the user picks another timeframe or state folder. */
    | { type: 'query'; timeframe: AnalyticsTimeframe; source: number };

/** What the analytics webview saves with `setState`. */
export interface AnalyticsSavedState {
    timeframe: AnalyticsTimeframe;
    source: number;
}

/** The message if `value` is one the analytics panel may send, else undefined (see parseProgressViewMessage). */
export function parseAnalyticsViewMessage(value: unknown): AnalyticsViewMessage | undefined {
    if (typeof value !== 'object' || value === null) return undefined;
    const message = value as Record<string, unknown>;
    const timeframe = message.timeframe === undefined || isTimeframe(message.timeframe) ? message.timeframe : null;
    const source = message.source === undefined || isCount(message.source, 0) ? message.source : null;
    if (timeframe === null || source === null) return undefined;
    switch (message.type) {
        case 'ready':
            return { type: 'ready', ...(timeframe !== undefined ? { timeframe } : {}), ...(source !== undefined ? { source } : {}) };
        case 'query':
            return timeframe !== undefined && source !== undefined ? { type: 'query', timeframe, source } : undefined;
        default:
            return undefined;
    }
}

function isTimeframe(value: unknown): value is AnalyticsTimeframe {
    return typeof value === 'string' && (ANALYTICS_TIMEFRAMES as readonly string[]).includes(value);
}

function isName(value: unknown): value is string {
    return typeof value === 'string' && value.length > 0 && value.length <= 500;
}

function isCount(value: unknown, least: number): value is number {
    return typeof value === 'number' && Number.isInteger(value) && value >= least;
}
