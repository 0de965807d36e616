/**
 * The analytics panel's script: it draws the report the extension sends (the store's
 * analytics, as `flowctl analytics` computes them) as figures, charts and tables, and asks for
 * another report when the user picks a timeframe or a state folder. What it shows is saved with
 * `setState`, so the panel comes back with the same choice after a window reload.
 */
import '@vscode/codicons/dist/codicon.css';
import './analytics.css';
import type { AnalyticsReport, Dimension, GroupMetrics, TaskMetrics, TrendBucket } from '../../../store/src/analytics.js';
import {
    ANALYTICS_TIMEFRAMES, DEFAULT_ANALYTICS_TIMEFRAME,
    type AnalyticsHostMessage, type AnalyticsSavedState, type AnalyticsSource, type AnalyticsTimeframe, type AnalyticsViewMessage
} from '../../../vscode/src/shared/messages.js';
import { formatDuration } from '../progress/format.js';
import { codicon, h } from '../shared/dom.js';
import { vscodeApi } from '../shared/vscode-api.js';
import { barChart, columnChart, lineChart, type BarRow } from './charts.js';

interface SavedState extends AnalyticsSavedState {
    trend: 'daily' | 'weekly';
}

const TIMEFRAME_WORDS: Record<AnalyticsTimeframe, string> = {
    today: 'Today (UTC)', 'last-7-days': 'Last 7 days', 'last-30-days': 'Last 30 days', 'last-12-weeks': 'Last 12 weeks', all: 'All time'
};

const api = vscodeApi<SavedState, AnalyticsViewMessage>();
let state: SavedState = api.getState() ?? { timeframe: DEFAULT_ANALYTICS_TIMEFRAME, source: 0, trend: 'daily' };
let last: AnalyticsHostMessage | undefined;

const toolbar = h('header', { class: 'toolbar' });
const content = h('main', { class: 'content' }, h('p', { class: 'muted', text: 'Reading the run store…' }));
document.body.append(toolbar, content);

window.addEventListener('message', (event: MessageEvent<AnalyticsHostMessage>) => {
    last = event.data;
    state = { ...state, timeframe: last.timeframe, source: last.source };
    api.setState(state);
    render();
});
api.postMessage({ type: 'ready', timeframe: state.timeframe, source: state.source });

function ask(change: Partial<AnalyticsSavedState>): void {
    state = { ...state, ...change };
    api.setState(state);
    content.classList.add('loading');
    api.postMessage({ type: 'query', timeframe: state.timeframe, source: state.source });
}

function render(): void {
    if (!last) return;
    content.classList.remove('loading');
    renderToolbar(last.sources);
    if (last.type === 'problem') {
        content.replaceChildren(h('p', { class: 'problem' }, codicon('warning'), ` ${last.message}`));
        return;
    }
    const report = last.report;
    if (report.empty) {
        const source = last.sources[last.source]?.label ?? 'the state folder';
        content.replaceChildren(h('p', { class: 'muted empty' }, codicon('graph'),
            ` No run in ${source} started ${TIMEFRAME_WORDS[last.timeframe].toLowerCase()}. ` +
            (last.timeframe === 'all' ? 'Run a workflow (Flow: Run Workflow, or flowctl run) and its numbers appear here.' : 'Pick a longer timeframe above, or run a workflow.')));
        return;
    }
    content.replaceChildren(
        h('p', { class: 'summary muted', text: `${report.runs.runs} run${report.runs.runs === 1 ? '' : 's'} of ${report.workflows.join(', ')} · ` +
            `${report.tasks.tasks} task executions · ${TIMEFRAME_WORDS[last.timeframe]}` }),
        figures(report),
        h('section', { class: 'charts' }, ...charts(report)),
        bottlenecks(report),
        recommendations(report));
}

function renderToolbar(sources: readonly AnalyticsSource[]): void {
    const timeframe = h('select', { attrs: { 'aria-label': 'Timeframe', 'data-control': 'timeframe' } },
        ...ANALYTICS_TIMEFRAMES.map(value => h('option', { attrs: { value }, text: TIMEFRAME_WORDS[value] })));
    timeframe.value = state.timeframe;
    timeframe.addEventListener('change', () => ask({ timeframe: timeframe.value as AnalyticsTimeframe }));
    const controls: HTMLElement[] = [h('label', { class: 'control' }, codicon('calendar'), timeframe)];
    if (sources.length > 1) {
        const source = h('select', { attrs: { 'aria-label': 'State folder' } }, ...sources.map((entry, index) => h('option', { attrs: { value: String(index) }, text: entry.label })));
        source.value = String(state.source);
        source.addEventListener('change', () => ask({ source: Number(source.value) }));
        controls.unshift(h('label', { class: 'control' }, codicon('database'), source));
    }
    const trend = h('select', { attrs: { 'aria-label': 'Trends by' } },
        h('option', { attrs: { value: 'daily' }, text: 'Trends by day' }), h('option', { attrs: { value: 'weekly' }, text: 'Trends by week' }));
    trend.value = state.trend;
    trend.addEventListener('change', () => {
        state = { ...state, trend: trend.value as SavedState['trend'] };
        api.setState(state);
        render();
    });
    controls.push(h('label', { class: 'control' }, codicon('graph-line'), trend));
    const source = last?.sources[last.source]?.label;
    toolbar.replaceChildren(h('h1', {}, codicon('graph'), ' Flow analytics'), source ? h('span', { class: 'muted', text: source }) : '', h('span', { class: 'spacer' }), ...controls);
}

// ---- figures

function figures(report: AnalyticsReport): HTMLElement {
    const { runs, tasks } = report;
    const ended = runs.completed + runs.failed + runs.cancelled + runs.interrupted;
    return h('section', { class: 'figures' },
        figure('Runs', String(runs.runs), [runs.completed && `${runs.completed} completed`, runs.failed && `${runs.failed} failed`,
            runs.cancelled && `${runs.cancelled} cancelled`, runs.interrupted && `${runs.interrupted} interrupted`, runs.running && `${runs.running} running`].filter(Boolean).join(', ')),
        figure('Run success', percent(runs.successRate), `${runs.completed} of ${ended} that ended`),
        figure('Task success', percent(tasks.successRate), `${tasks.ranCompleted} of ${tasks.ranCompleted + tasks.ranFailed} that ran`),
        figure('Completion time', `${duration(tasks.completionTime.p50Ms)} p50`, `p95 ${duration(tasks.completionTime.p95Ms)} · ${tasks.completionTime.count} tasks`),
        figure('Cache', tasks.cache.lookups === 0 ? '–' : percent(tasks.cache.hitRate), tasks.cache.lookups === 0 ? 'no task with caching on ran' : `${tasks.cache.hits} of ${tasks.cache.lookups} lookups`),
        figure('Queue wait', `${duration(tasks.queueWait.p50Ms)} p50`, tasks.queueWait.count === 0 ? 'no task waited' : `${percent(tasks.queueWait.share)} of the tasks' time`));
}

function figure(name: string, value: string, detail: string): HTMLElement {
    return h('div', { class: 'figure', attrs: { 'data-figure': name } },
        h('div', { class: 'figure-name muted', text: name }), h('div', { class: 'figure-value', text: value }), h('div', { class: 'figure-detail muted', text: detail }));
}

// ---- charts

const P50 = { name: 'p50', className: 'series-p50' };
const P95 = { name: 'p95', className: 'series-p95' };
const SUCCESS = { name: 'success rate', className: 'series-success' };

function charts(report: AnalyticsReport): HTMLElement[] {
    const shown: HTMLElement[] = [];
    // A breakdown with one group (every task of priority normal, none with an agent) compares nothing: no chart.
    const completion = (dimension: Dimension, title: string): void => {
        const groups = report.breakdown[dimension] ?? [];
        const rows = groups.filter(group => group.tasks.completionTime.count > 0)
            .map(group => ({ label: group.key, values: [group.tasks.completionTime.p50Ms, group.tasks.completionTime.p95Ms] }));
        if (rows.length > 1) shown.push(barChart(title, rows, [P50, P95], value => formatDuration(value)));
    };
    const success = (dimension: Dimension, title: string): void => {
        const rows: BarRow[] = (report.breakdown[dimension] ?? []).filter(group => group.tasks.successRate !== null)
            .map(group => ({ label: group.key, values: [group.tasks.successRate] }));
        if (rows.length > 1) shown.push(barChart(title, rows, [SUCCESS], value => `${Math.round(value * 100)}%`, 1));
    };
    completion('workflow', 'Completion time by workflow');
    completion('task_type', 'Completion time by task type');
    success('task_type', 'Success rate by task type');
    success('agent', 'Success rate by agent');
    success('priority', 'Success rate by priority');

    const buckets = state.trend === 'daily' ? report.trends.daily : report.trends.weekly;
    const per = state.trend === 'daily' ? 'day' : 'week';
    const labels = buckets.map(periodLabel);
    shown.push(columnChart(`Runs per ${per}`, buckets.map((bucket, index) => ({
        label: labels[index], parts: [bucket.runs.completed, bucket.runs.failed, bucket.runs.runs - bucket.runs.completed - bucket.runs.failed]
    })), [
        { name: 'completed', className: 'series-completed' }, { name: 'failed', className: 'series-failed' }, { name: 'other', className: 'series-other' }
    ], value => String(Math.round(value))));
    shown.push(lineChart(`Task success rate per ${per}`, labels, [{ ...SUCCESS, values: buckets.map(bucket => bucket.tasks.successRate) }],
        value => `${Math.round(value * 100)}%`, 1));
    shown.push(lineChart(`Completion time per ${per}`, labels, [
        { ...P50, values: buckets.map(bucket => bucket.tasks.completionTime.p50Ms) },
        { ...P95, values: buckets.map(bucket => bucket.tasks.completionTime.p95Ms) }
    ], value => formatDuration(value)));
    return shown;
}

/** `12-01` for the day 2026-12-01, `W48` for the ISO week 2026-W48: the year is the same for nearly every chart. */
function periodLabel(bucket: TrendBucket): string {
    return bucket.period.slice(5);
}

// ---- tables

function bottlenecks(report: AnalyticsReport): HTMLElement {
    const { criticalPaths, queueWaits, failureHotspots } = report.bottlenecks;
    return h('section', { class: 'tables' },
        h('h2', { text: 'Bottlenecks' }),
        h('h3', { text: 'Critical path of the most recent runs' }),
        criticalPaths.length === 0 ? none('No run has a finished task.') : table(['run', 'workflow', 'longest chain of task durations', 'path', 'run took'],
            criticalPaths.map(path => [path.runId.slice(0, 8), path.workflow, path.tasks.map(step => `${step.task} ${formatDuration(step.durationMs)}`).join(' → '),
                formatDuration(path.pathMs), duration(path.runDurationMs)])),
        h('h3', { text: 'Longest queue waits' }),
        queueWaits.length === 0 ? none('No task waited in the queue.') : table(['run', 'workflow', 'task', 'pool', 'agent', 'waited'],
            queueWaits.map(wait => [wait.runId.slice(0, 8), wait.workflow, wait.task, wait.pool ?? '–', wait.agent ?? '–', formatDuration(wait.waitMs)])),
        h('h3', { text: 'Failure hotspots' }),
        failureHotspots.length === 0 ? none('No attempt failed.') : table(['workflow', 'task', 'failed attempts', 'failed in runs', 'last error'],
            failureHotspots.map(spot => [spot.workflow, spot.task, `${spot.failedAttempts} of ${spot.attempts}`, `${spot.failedRuns} of ${spot.runs}`,
                spot.lastError ? `${spot.lastError.kind}: ${spot.lastError.message.split('\n')[0]}` : '–'])),
        h('h3', { text: 'By task type' }),
        groupTable(report.breakdown.task_type ?? []));
}

function groupTable(groups: readonly GroupMetrics[]): HTMLElement {
    if (groups.length === 0) return none('No task executions.');
    const row = (key: string, tasks: TaskMetrics): string[] => [key, String(tasks.tasks), percent(tasks.successRate), duration(tasks.completionTime.p50Ms),
        duration(tasks.completionTime.p95Ms), `${tasks.attempts.retries} of ${tasks.attempts.total}`, duration(tasks.queueWait.p50Ms)];
    return table(['task type', 'tasks', 'success', 'p50', 'p95', 'retries', 'wait p50'], groups.map(group => row(group.key, group.tasks)));
}

function recommendations(report: AnalyticsReport): HTMLElement {
    return h('section', { class: 'tables' },
        h('h2', { text: 'Recommendations' }),
        report.recommendations.length === 0
            ? none('None: nothing in these runs crosses a threshold (a pool whose tasks mostly wait, an agent that often fails, a task that dominates the critical path, a cache that never hits).')
            : h('ol', { class: 'recommendations' }, ...report.recommendations.map(recommendation =>
                h('li', { attrs: { 'data-kind': recommendation.kind } }, codicon('lightbulb'), ` ${recommendation.message}`))));
}

function table(head: readonly string[], rows: ReadonlyArray<readonly string[]>): HTMLElement {
    return h('table', {},
        h('thead', {}, h('tr', {}, ...head.map(cell => h('th', { text: cell })))),
        h('tbody', {}, ...rows.map(row => h('tr', {}, ...row.map(cell => h('td', { text: cell }))))));
}

function none(text: string): HTMLElement {
    return h('p', { class: 'muted', text });
}

function percent(value: number | null): string {
    return value === null ? '–' : `${Math.round(value * 100)}%`;
}

function duration(ms: number | null): string {
    return ms === null ? '–' : formatDuration(ms);
}
