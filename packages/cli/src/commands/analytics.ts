import type { Command } from 'commander';
import Table from 'cli-table3';
import {
    DIMENSIONS, parseTimeframe, RECOMMENDATION_THRESHOLDS, StoreError,
    type AnalyticsReport, type Dimension, type Distribution, type RunMetrics, type TaskMetrics, type Timeframe, type TrendBucket
} from '@flow/store';
import { CliError } from '../cli-error.js';
import { displayPath } from '../input-files.js';
import { openStore, storeQuery } from '../run-store.js';
import { formatDuration } from '../run-view.js';
import { resolveStateDir } from '../state-dir.js';

/** The metrics `--metrics` chooses from, in the order they are shown. */
const METRICS = ['completion_time', 'success_rate', 'attempts', 'cache', 'queue_wait', 'resource_usage', 'duration'] as const;
type Metric = typeof METRICS[number];

/** Other names for a dimension: the seed guide says `agent_type`, and an agent is Flow's agent type. */
const DIMENSION_ALIASES: Record<string, Dimension> = { agent_type: 'agent', type: 'task_type' };

interface AnalyticsOptions {
    timeframe: string;
    metrics?: string;
    breakdown?: string;
    workflows?: string;
    compare?: boolean;
    json?: boolean;
    stateDir?: string;
}

export function registerAnalytics(program: Command): void {
    program
        .command('analytics')
        .description('Report on the runs in the state directory: completion time, success rate, attempts, cache, queue wait, CPU and wall time, trends, bottlenecks and recommendations.')
        .option('--timeframe <when>', 'runs that started in: last-N-days, last-N-hours, last-N-weeks, today (since midnight UTC) or all', 'last-30-days')
        .option('--metrics <list>', `comma-separated, any of ${METRICS.join(', ')} (default: all)`)
        .option('--breakdown <list>', `break task metrics down by any of ${DIMENSIONS.join(', ')} (agent_type is agent)`)
        .option('--workflows <list>', 'only runs of these workflows (comma-separated names)')
        .option('--compare', 'show the metrics side by side, one column per workflow')
        .option('--json', 'print the report as one JSON document')
        .option('--state-dir <dir>', 'the state directory (default: $FLOW_STATE_DIR, else .flow/ here)')
        .addHelpText('after', `
What the numbers mean:
  completion time  from a task's first attempt starting to its completion, retries included
                   (completed tasks that ran; from the cache or reused by a resume do not count)
  success rate     tasks: completed / (completed + failed), over tasks that ran;
                   runs: completed / runs that ended
  attempts         attempts, retries (attempts after the first), first-attempt successes
  cache            hits / lookups of tasks with caching on
  queue wait       from a task entering the ready queue to its first attempt starting
  resource usage   wall time of the attempts, and CPU time of their processes (shell commands:
                   the shell and every process it waited for; see docs/runners.md)
  duration         of the runs that ended
p50 and p95 are nearest-rank percentiles. Days and weeks are UTC (ISO weeks). Each
recommendation states the numbers behind it; none is made without them.

Examples:
  flowctl analytics
  flowctl analytics --timeframe last-7-days --metrics completion_time,success_rate,resource_usage --breakdown task_type,agent,priority
  flowctl analytics --workflows Build,Deploy --compare
  flowctl analytics --timeframe all --json | jq '.recommendations[].message'`)
        .action(async (options: AnalyticsOptions) => {
            process.exitCode = await analytics(options);
        });
}

async function analytics(options: AnalyticsOptions): Promise<number> {
    const timeframe = checkTimeframe(options.timeframe);
    const metrics = new Set(listOption('--metrics', 'metric', options.metrics, METRICS, {}) ?? METRICS);
    const breakdown = listOption('--breakdown', 'dimension', options.breakdown, DIMENSIONS, DIMENSION_ALIASES) ?? [];
    const workflows = options.workflows === undefined ? undefined : splitList('--workflows', options.workflows);
    const stateDir = resolveStateDir(options.stateDir, process.cwd());
    const store = await openStore(stateDir, { readOnly: true });
    try {
        if (workflows) {
            const known = new Set(store.runs().map(run => run.workflow));
            const unknown = workflows.filter(workflow => !known.has(workflow));
            if (unknown.length > 0) {
                throw new CliError(`--workflows: ${displayPath(stateDir)} has no runs of ${unknown.join(', ')}; ` +
                    (known.size > 0 ? `it has runs of ${[...known].sort().join(', ')}.` : 'it has no runs yet; `flowctl run <file>` makes one.'));
            }
        }
        const report = storeQuery(() => store.analytics({ timeframe, workflows, breakdown }));
        if (options.json) {
            process.stdout.write(JSON.stringify(jsonReport(report, metrics, options.compare === true), null, 2) + '\n');
        } else {
            process.stdout.write(textReport(report, metrics, options.compare === true, stateDir, workflows));
        }
        return 0;
    } finally {
        await store.close();
    }
}

function checkTimeframe(text: string): string {
    try {
        parseTimeframe(text, Date.now());
        return text;
    } catch (error) {
        if (error instanceof StoreError) throw new CliError(`--timeframe ${text}: ${error.message.replace(/^Timeframe "[^"]*" is not one this store knows: /, '')}`);
        throw error;
    }
}

function splitList(option: string, text: string): string[] {
    const items = text.split(',').map(item => item.trim()).filter(item => item !== '');
    if (items.length === 0) throw new CliError(`${option}: give at least one name (comma-separated).`);
    return items;
}

function listOption<T extends string>(option: string, noun: string, text: string | undefined, known: readonly T[], aliases: Record<string, T>): T[] | undefined {
    if (text === undefined) return undefined;
    const items = splitList(option, text).map(item => aliases[item] ?? item);
    const unknown = items.filter(item => !known.includes(item as T));
    if (unknown.length > 0) throw new CliError(`${option}: no ${noun} ${unknown.join(', ')}; give any of ${known.join(', ')} (comma-separated).`);
    return [...new Set(items as T[])];
}

// ---- JSON

/** The report with only the chosen metrics of each task and run group. */
function jsonReport(report: AnalyticsReport, metrics: ReadonlySet<Metric>, compare: boolean): unknown {
    const tasks = (value: TaskMetrics): Partial<TaskMetrics> => {
        const { completionTime, successRate, attempts, cache, queueWait, resources, ...counts } = value;
        return {
            ...counts,
            ...(metrics.has('completion_time') ? { completionTime } : {}),
            ...(metrics.has('success_rate') ? { successRate } : {}),
            ...(metrics.has('attempts') ? { attempts } : {}),
            ...(metrics.has('cache') ? { cache } : {}),
            ...(metrics.has('queue_wait') ? { queueWait } : {}),
            ...(metrics.has('resource_usage') ? { resources } : {})
        };
    };
    const runs = (value: RunMetrics): Partial<RunMetrics> => {
        const { successRate, duration, ...counts } = value;
        return { ...counts, ...(metrics.has('success_rate') ? { successRate } : {}), ...(metrics.has('duration') ? { duration } : {}) };
    };
    const bucket = (entry: TrendBucket) => ({ period: entry.period, runs: runs(entry.runs), tasks: tasks(entry.tasks) });
    return {
        timeframe: report.timeframe,
        empty: report.empty,
        workflows: report.workflows,
        metrics: METRICS.filter(metric => metrics.has(metric)),
        runs: runs(report.runs),
        tasks: tasks(report.tasks),
        breakdown: Object.fromEntries(Object.entries(report.breakdown).map(([dimension, groups]) =>
            [dimension, groups!.map(group => ({ key: group.key, tasks: tasks(group.tasks) }))])),
        ...(compare ? { compare: report.byWorkflow.map(entry => ({ workflow: entry.workflow, runs: runs(entry.runs), tasks: tasks(entry.tasks) })) } : {}),
        trends: { daily: report.trends.daily.map(bucket), weekly: report.trends.weekly.map(bucket) },
        attemptsByAgent: report.attemptsByAgent,
        bottlenecks: report.bottlenecks,
        recommendations: report.recommendations
    };
}

// ---- text

const limits = RECOMMENDATION_THRESHOLDS;
/** What would have made a recommendation, so that "none" says what was looked for. */
const NO_RECOMMENDATION = `nothing in these runs crosses a threshold: no pool whose tasks waited ${percent(limits.poolWaitShare)} of their time ` +
    `in its queue, no agent failing ${percent(limits.agentFailureRate)} of its attempts, no task failing or retried in half of its runs, ` +
    `no task taking ${percent(limits.criticalPathTimeShare)} of the critical path of most runs, no cached type without hits ` +
    `(each needs ${limits.minRuns} runs, ${limits.minTasks} tasks or ${limits.minAttempts} attempts to go by)`;

/** Without lines between rows: a month of daily trends stays a month of lines. */
const plainTable = (head: string[]) => new Table({
    head, style: { head: [], border: [] }, chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' }
});

function percent(value: number | null): string {
    return value === null ? '-' : `${Math.round(value * 100)}%`;
}

function duration(ms: number | null): string {
    return ms === null ? '-' : formatDuration(ms);
}

function distribution(value: Distribution, what: string): string {
    if (value.count === 0) return `- (no ${what})`;
    return `mean ${duration(value.meanMs)} · p50 ${duration(value.p50Ms)} · p95 ${duration(value.p95Ms)} · max ${duration(value.maxMs)} (${value.count} ${what})`;
}

function utc(ms: number): string {
    return new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
}

function describeTimeframe(timeframe: Timeframe): string {
    if (timeframe.from === undefined) return 'at any time';
    const match = /^last-(\d+)-(hour|day|week)s?$/.exec(timeframe.name);
    const span = match ? `in the last ${match[1]} ${match[2]}${match[1] === '1' ? '' : 's'}` : 'today';
    return `${span} (since ${utc(timeframe.from)})`;
}

function taskCounts(tasks: TaskMetrics): string {
    const { completed, failed, skipped, upstreamFailed, cancelled, unfinished } = tasks.status;
    const parts = [`${completed} completed`];
    if (failed) parts.push(`${failed} failed`);
    if (skipped) parts.push(`${skipped} skipped`);
    if (upstreamFailed) parts.push(`${upstreamFailed} not run (upstream failed)`);
    if (cancelled) parts.push(`${cancelled} cancelled`);
    if (unfinished) parts.push(`${unfinished} unfinished`);
    const reuse = [tasks.fromCache ? `${tasks.fromCache} from the cache` : '', tasks.reused ? `${tasks.reused} reused` : ''].filter(Boolean);
    return `${tasks.tasks} in ${tasks.runs} run(s): ${parts.join(', ')}${reuse.length ? ` (${reuse.join(', ')})` : ''}`;
}

function runCounts(runs: RunMetrics): string {
    const parts = [`${runs.completed} completed`];
    for (const [count, word] of [[runs.failed, 'failed'], [runs.cancelled, 'cancelled'], [runs.interrupted, 'interrupted'], [runs.running, 'running']] as const) {
        if (count) parts.push(`${count} ${word}`);
    }
    return `${runs.runs}: ${parts.join(', ')}`;
}

function resources(tasks: TaskMetrics): string {
    const usage = tasks.resources;
    if (usage.attempts === 0) return '- (no attempts)';
    const measured = usage.measuredAttempts === 0
        ? 'CPU not measured (no attempt of a runner that measures it)'
        : `CPU ${duration(usage.cpuMs)}, ${percent(usage.cpuShare)} of the processes' time (measured for ${usage.measuredAttempts} of ${usage.attempts} attempts)`;
    return `wall ${duration(usage.wallMs)} over ${usage.attempts} attempts · ${measured}`;
}

/** The rows of the overall metrics table, for the chosen metrics. */
function metricRows(report: AnalyticsReport, metrics: ReadonlySet<Metric>): string[][] {
    const { runs, tasks } = report;
    const rows: string[][] = [['runs', runCounts(runs)], ['tasks', taskCounts(tasks)]];
    if (metrics.has('duration')) rows.push(['run duration', distribution(runs.duration, 'runs')]);
    if (metrics.has('completion_time')) rows.push(['completion time', distribution(tasks.completionTime, 'tasks')]);
    if (metrics.has('success_rate')) {
        rows.push(['success rate', `tasks ${percent(tasks.successRate)} (${tasks.ranCompleted} of ${tasks.ranCompleted + tasks.ranFailed} that ran) · ` +
            `runs ${percent(runs.successRate)} (${runs.completed} of ${runs.completed + runs.failed + runs.cancelled + runs.interrupted} that ended)`]);
    }
    if (metrics.has('attempts')) {
        const { total, retries, retriedTasks, firstAttemptSuccessRate } = tasks.attempts;
        rows.push(['attempts', `${total} · ${retries} retries in ${retriedTasks} task(s) · ${percent(firstAttemptSuccessRate)} completed at the first attempt`]);
    }
    if (metrics.has('cache')) {
        const { lookups, hits, hitRate } = tasks.cache;
        rows.push(['cache', lookups === 0 ? '- (no task with caching on ran)' : `${percent(hitRate)} hit rate (${hits} of ${lookups} lookups)`]);
    }
    if (metrics.has('queue_wait')) {
        const wait = tasks.queueWait;
        rows.push(['queue wait', wait.count === 0 ? '- (no task waited in the queue)' : `${distribution(wait, 'tasks')} · ${percent(wait.share)} of the tasks' time`]);
    }
    if (metrics.has('resource_usage')) rows.push(['resource usage', resources(tasks)]);
    return rows;
}

/** What the short column heads of breakdowns and trends stand for. */
const COLUMN_KEY = 'p50, p95: completion time; wait: queue wait p50; CPU, wall: of the attempts';

/**
 * Columns for a group of task metrics (a breakdown row, a trend bucket, a workflow), for the
 * chosen metrics; `brief` leaves out the ones a trend can do without.
 */
function groupColumns(metrics: ReadonlySet<Metric>, brief = false): Array<{ head: string; cell: (tasks: TaskMetrics) => string }> {
    const columns: Array<{ head: string; cell: (tasks: TaskMetrics) => string }> = [{ head: 'tasks', cell: tasks => String(tasks.tasks) }];
    if (metrics.has('success_rate')) columns.push({ head: 'success', cell: tasks => percent(tasks.successRate) });
    if (metrics.has('completion_time')) {
        columns.push({ head: 'p50', cell: tasks => duration(tasks.completionTime.p50Ms) });
        if (!brief) columns.push({ head: 'p95', cell: tasks => duration(tasks.completionTime.p95Ms) });
    }
    if (metrics.has('attempts') && !brief) columns.push({ head: 'retries', cell: tasks => `${tasks.attempts.retries} of ${tasks.attempts.total}` });
    if (metrics.has('cache') && !brief) columns.push({ head: 'cache hits', cell: tasks => tasks.cache.lookups === 0 ? '-' : `${tasks.cache.hits} of ${tasks.cache.lookups}` });
    if (metrics.has('queue_wait')) columns.push({ head: 'wait', cell: tasks => duration(tasks.queueWait.p50Ms) });
    if (metrics.has('resource_usage')) {
        columns.push({ head: 'CPU', cell: tasks => tasks.resources.measuredAttempts === 0 ? '-' : duration(tasks.resources.cpuMs) });
        if (!brief) columns.push({ head: 'wall', cell: tasks => duration(tasks.resources.wallMs) });
    }
    return columns;
}

function compareTable(report: AnalyticsReport, metrics: ReadonlySet<Metric>): string {
    const table = plainTable(['', ...report.byWorkflow.map(entry => entry.workflow)]);
    const row = (name: string, cell: (entry: AnalyticsReport['byWorkflow'][number]) => string): void => {
        table.push([name, ...report.byWorkflow.map(cell)]);
    };
    row('runs', entry => String(entry.runs.runs));
    if (metrics.has('success_rate')) row('run success', entry => percent(entry.runs.successRate));
    if (metrics.has('duration')) {
        row('run duration p50', entry => duration(entry.runs.duration.p50Ms));
        row('run duration p95', entry => duration(entry.runs.duration.p95Ms));
    }
    const names: Record<string, string> = {
        success: 'task success', p50: 'completion p50', p95: 'completion p95', retries: 'retries of attempts', wait: 'queue wait p50', CPU: 'CPU time', wall: 'wall time'
    };
    for (const column of groupColumns(metrics)) row(names[column.head] ?? column.head, entry => column.cell(entry.tasks));
    return table.toString();
}

function trendTable(buckets: TrendBucket[], head: string, metrics: ReadonlySet<Metric>): string {
    const columns = groupColumns(metrics, true);
    const table = plainTable([head, 'runs', ...(metrics.has('success_rate') ? ['run success'] : []), ...columns.map(column => column.head)]);
    for (const bucket of buckets) {
        table.push([bucket.period, String(bucket.runs.runs), ...(metrics.has('success_rate') ? [percent(bucket.runs.successRate)] : []),
            ...columns.map(column => column.cell(bucket.tasks))]);
    }
    return table.toString();
}

function textReport(report: AnalyticsReport, metrics: ReadonlySet<Metric>, compare: boolean, stateDir: string, workflows: string[] | undefined): string {
    const when = describeTimeframe(report.timeframe);
    const of = workflows ? ` of ${workflows.join(', ')}` : '';
    if (report.empty) {
        return `no runs${of} in ${displayPath(stateDir)} started ${when}; ` +
            (report.timeframe.from === undefined ? '`flowctl run <file>` makes one.\n' : 'try --timeframe all, or `flowctl run <file>` to make one.\n');
    }
    const out: string[] = [];
    out.push(`Runs${of} started ${when}: ${report.runs.runs} run(s) of ${report.workflows.join(', ')}`);
    out.push('');
    if (compare) {
        out.push(compareTable(report, metrics));
    } else {
        const table = plainTable(['metric', 'value']);
        for (const row of metricRows(report, metrics)) table.push(row);
        out.push(table.toString());
    }
    for (const [dimension, groups] of Object.entries(report.breakdown)) {
        const columns = groupColumns(metrics);
        const table = plainTable([dimension, ...columns.map(column => column.head)]);
        for (const group of groups!) table.push([group.key, ...columns.map(column => column.cell(group.tasks))]);
        out.push('', `By ${dimension} (${COLUMN_KEY})`, table.toString());
    }
    out.push('', `Trends by day, UTC (${COLUMN_KEY})`, trendTable(report.trends.daily, 'day', metrics));
    out.push('', 'Trends by ISO week, UTC', trendTable(report.trends.weekly, 'week', metrics));

    out.push('', 'Bottlenecks', '', 'Critical path of the most recent runs (the longest chain of task durations, ending at the last task to finish):');
    for (const path of report.bottlenecks.criticalPaths) {
        const chain = path.tasks.map(step => `${step.task} ${duration(step.durationMs)}`).join(' → ');
        const ofRun = path.runDurationMs === null ? '' : ` of the run's ${duration(path.runDurationMs)}`;
        out.push(`  ${path.runId.slice(0, 8)} ${path.workflow} (${utc(path.startedAt)}): ${chain} — ${duration(path.pathMs)}${ofRun}`);
    }
    if (report.bottlenecks.criticalPaths.length === 0) out.push('  - (no run has a finished task)');
    out.push('', 'Longest queue waits:');
    if (report.bottlenecks.queueWaits.length === 0) {
        out.push('  - (no task waited in the queue)');
    } else {
        const table = plainTable(['run', 'workflow', 'task', 'pool', 'agent', 'wait']);
        for (const wait of report.bottlenecks.queueWaits) {
            table.push([wait.runId.slice(0, 8), wait.workflow, wait.task, wait.pool ?? '-', wait.agent ?? '-', duration(wait.waitMs)]);
        }
        out.push(table.toString());
    }
    out.push('', 'Failure hotspots:');
    if (report.bottlenecks.failureHotspots.length === 0) {
        out.push('  - (no attempt failed)');
    } else {
        const table = plainTable(['workflow', 'task', 'failed attempts', 'failed in runs', 'last error']);
        for (const spot of report.bottlenecks.failureHotspots) {
            table.push([spot.workflow, spot.task, `${spot.failedAttempts} of ${spot.attempts}`, `${spot.failedRuns} of ${spot.runs}`,
                spot.lastError ? `${spot.lastError.kind}: ${truncate(spot.lastError.message, 60)}` : '-']);
        }
        out.push(table.toString());
    }
    out.push('', 'Recommendations:');
    if (report.recommendations.length === 0) out.push(`  none: ${NO_RECOMMENDATION}`);
    report.recommendations.forEach((recommendation, index) => out.push(`  ${index + 1}. ${recommendation.message}`));
    return out.join('\n') + '\n';
}

function truncate(text: string, length: number): string {
    const line = text.split('\n')[0];
    return line.length > length ? `${line.slice(0, length - 1)}…` : line;
}
