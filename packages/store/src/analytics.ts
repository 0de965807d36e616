/**
 * Analytics of the runs in the store: totals, completion time, success rate, attempts, cache,
 * queue wait and resource usage, broken down by task attributes, per workflow and by day and
 * week, with the bottlenecks of recent runs and recommendations derived from the numbers.
 *
 * Everything is computed with SQL on the tables the journal derives (runs, tasks, attempts,
 * events, run_models). Two temporary tables are made per call: the selected runs, and one row
 * per task of those runs joined with its definition from the run's model (JSON1), its attempts
 * and its `task.ready` time. Every metric is then one grouped query over them, so a metric
 * means the same in the totals, a breakdown, a comparison and a trend. Only the critical path
 * is walked in TypeScript, over dependency and timing rows fetched with SQL.
 *
 * Percentiles are nearest-rank: p50 is the value at rank ceil(0.5 n) of the n values in
 * ascending order, p95 the one at ceil(0.95 n). Days and weeks are UTC (ISO weeks).
 */
import type { BindParams, Database, SqlValue } from 'sql.js';
import { StoreError } from './errors.js';

/** Attributes a breakdown groups task executions by. `agent` is the agent of a task's last attempt. */
export const DIMENSIONS = ['task_type', 'agent', 'priority', 'pool', 'phase', 'workflow'] as const;
export type Dimension = typeof DIMENSIONS[number];

export interface AnalyticsQuery {
    /** `last-N-days`, `last-N-hours`, `last-N-weeks`, `today` (since midnight UTC) or `all`. @default 'last-30-days' */
    timeframe?: string;
    /** Only runs of these workflows (by name). @default every workflow */
    workflows?: string[];
    /** Dimensions to break the task metrics down by. @default none */
    breakdown?: readonly Dimension[];
    /** How many of the most recent runs have their critical path listed. @default 5 */
    criticalPaths?: number;
}

export interface Timeframe {
    /** As asked for, e.g. `last-30-days`. */
    name: string;
    /** Runs that started at or after this time (ms since the epoch) are included; undefined for `all`. */
    from?: number;
    /** When the report was made. */
    to: number;
}

/** A distribution of durations in milliseconds; null fields when there are no values. */
export interface Distribution {
    count: number;
    meanMs: number | null;
    p50Ms: number | null;
    p95Ms: number | null;
    maxMs: number | null;
}

/** Metrics of a set of task executions (one task of one run each). */
export interface TaskMetrics {
    /** Task executions: each task of each selected run, whatever became of it. */
    tasks: number;
    runs: number;
    status: { completed: number; failed: number; skipped: number; upstreamFailed: number; cancelled: number; unfinished: number };
    /** Tasks with at least one attempt (not from the cache, not reused by a resume, not skipped). */
    ran: number;
    /** Of those, the ones that completed and the ones that failed. */
    ranCompleted: number;
    ranFailed: number;
    fromCache: number;
    reused: number;
    /** From a task's first attempt starting to its completion (retries included), over completed tasks that ran. */
    completionTime: Distribution;
    /** Completed ÷ (completed + failed), over tasks that ran; null when none did. */
    successRate: number | null;
    attempts: {
        total: number;
        /** Attempts after the first of a task (of a batch item). */
        retries: number;
        /** Tasks that needed more than one attempt (of some item). */
        retriedTasks: number;
        /** Completed tasks that ran without a retry ÷ tasks that ran. */
        firstAttemptSuccessRate: number | null;
    };
    /** Lookups: tasks with caching on that completed or failed (reused ones excepted); hits: those whose result came from the cache. */
    cache: { lookups: number; hits: number; hitRate: number | null };
    /** From `task.ready` to the task's first attempt starting. */
    queueWait: Distribution & {
        /** `waitedMs` ÷ (`waitedMs` + `runMs`), over finished tasks that waited in the queue. */
        share: number | null;
        /** Over those tasks: the time they waited, and the time from their first start to their finish. */
        waitedMs: number;
        runMs: number;
    };
    /** Attempts' wall time (run clock, every attempt) and the CPU time of their processes (where measured). */
    resources: {
        wallMs: number;
        cpuMs: number;
        attempts: number;
        measuredAttempts: number;
        /** CPU ÷ the processes' own wall time, over measured attempts. */
        cpuShare: number | null;
    };
}

export interface RunMetrics {
    runs: number;
    completed: number;
    failed: number;
    cancelled: number;
    interrupted: number;
    running: number;
    /** Completed ÷ runs that ended (completed, failed, cancelled, interrupted). */
    successRate: number | null;
    /** Of the runs that ended with a duration. */
    duration: Distribution;
}

export interface GroupMetrics {
    key: string;
    tasks: TaskMetrics;
}

export interface WorkflowMetrics {
    workflow: string;
    runs: RunMetrics;
    tasks: TaskMetrics;
}

export interface TrendBucket {
    /** `2024-05-01` (a UTC day) or `2024-W18` (an ISO week). */
    period: string;
    runs: RunMetrics;
    tasks: TaskMetrics;
}

export interface CriticalPath {
    runId: string;
    workflow: string;
    startedAt: number;
    runDurationMs: number | null;
    /** The sum of the path's task durations. */
    pathMs: number;
    /** From the first task of the chain to the last task of the run to finish. */
    tasks: Array<{ task: string; durationMs: number }>;
}

export interface QueueWait {
    runId: string;
    workflow: string;
    task: string;
    pool: string | null;
    agent: string | null;
    waitMs: number;
}

export interface FailureHotspot {
    workflow: string;
    task: string;
    /** Runs in which the task ran, and those in which it failed in the end. */
    runs: number;
    failedRuns: number;
    attempts: number;
    failedAttempts: number;
    lastError: { kind: string; message: string } | null;
}

export interface AgentAttempts {
    agent: string;
    /** Attempts that ended, cancelled ones excepted. */
    attempts: number;
    failed: number;
    failureRate: number;
}

export type RecommendationKind = 'pool_queue' | 'agent_failures' | 'critical_path' | 'cache_misses' | 'failing_task' | 'flaky_task';

export interface Recommendation {
    kind: RecommendationKind;
    /** What it is about: a pool, an agent, a task type, or `workflow/task`. */
    subject: string;
    message: string;
    /** The numbers behind the message. */
    data: Record<string, number | string | null>;
}

export interface AnalyticsReport {
    timeframe: Timeframe;
    /** True when no run is selected: every number below is then zero or null. */
    empty: boolean;
    /** The workflows with selected runs. */
    workflows: string[];
    runs: RunMetrics;
    tasks: TaskMetrics;
    breakdown: Partial<Record<Dimension, GroupMetrics[]>>;
    byWorkflow: WorkflowMetrics[];
    trends: { daily: TrendBucket[]; weekly: TrendBucket[] };
    attemptsByAgent: AgentAttempts[];
    bottlenecks: { criticalPaths: CriticalPath[]; queueWaits: QueueWait[]; failureHotspots: FailureHotspot[] };
    recommendations: Recommendation[];
}

/**
 * The thresholds a recommendation needs crossed. Each also needs enough data to mean anything:
 * a pool with two tasks or an agent with three attempts says little.
 */
export const RECOMMENDATION_THRESHOLDS = {
    /** A pool's tasks spent at least this share of their time waiting in its queue, twice the share of the tasks outside it... */
    poolWaitShare: 0.5,
    /** ...with a median wait of at least this long, over at least `minTasks` tasks. */
    poolMinMedianWaitMs: 1000,
    /** Such a pool's message says its tasks hardly use the CPU below this share of their process time. */
    poolLowCpuShare: 0.2,
    /** An agent failed at least this share of its attempts, of at least `minAttempts`. */
    agentFailureRate: 0.25,
    /** A task is on the critical path of at least this share of its workflow's runs (of at least `minRuns`)... */
    criticalPathRunShare: 0.8,
    /** ...and takes at least this share of the paths' length, at least this long on average. */
    criticalPathTimeShare: 0.5,
    criticalPathMinMeanMs: 1000,
    /** A task failed, or needed retries, in at least this share of the runs it ran in (of at least `minRuns`). */
    taskProblemRunShare: 0.5,
    minTasks: 3,
    minAttempts: 4,
    minRuns: 3,
    /** A cached task type had at least this many lookups, none of them a hit. */
    cacheMinLookups: 3
} as const;

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The runs a timeframe covers, as of `now`. */
export function parseTimeframe(text: string, now: number): Timeframe {
    if (text === 'all') return { name: text, to: now };
    if (text === 'today') return { name: text, from: Math.floor(now / DAY_MS) * DAY_MS, to: now };
    const match = /^last-(\d+)-(hour|day|week)s?$/.exec(text);
    const count = match ? Number(match[1]) : 0;
    if (!match || count < 1) {
        throw new StoreError(`Timeframe ${JSON.stringify(text)} is not one this store knows: give last-N-days, last-N-hours, last-N-weeks ` +
            '(N a whole number of at least 1), today (since midnight UTC) or all; for example last-30-days.', 'invalid');
    }
    const unit = match[2] === 'hour' ? HOUR_MS : match[2] === 'day' ? DAY_MS : 7 * DAY_MS;
    return { name: text, from: now - count * unit, to: now };
}

/**
 * How a reader tells runs whose writer has gone: `undefined` for the writer (a run `running` in
 * its database is running), else the token of the live writer a reader saw (null for none).
 */
export type LiveWriter = string | null | undefined;

export function computeAnalytics(db: Database, query: AnalyticsQuery, now: number, liveWriter: LiveWriter): AnalyticsReport {
    const timeframe = parseTimeframe(query.timeframe ?? 'last-30-days', now);
    const breakdown = query.breakdown ?? [];
    for (const dimension of breakdown) {
        if (!DIMENSIONS.includes(dimension)) {
            throw new StoreError(`Breakdown ${JSON.stringify(dimension)} is not one this store knows: give any of ${DIMENSIONS.join(', ')}.`, 'invalid');
        }
    }
    const queries = new Queries(db);
    try {
        queries.select(timeframe, query.workflows, liveWriter);
        const workflows = queries.column('SELECT DISTINCT workflow FROM analytics_runs ORDER BY workflow') as string[];
        const runs = queries.runMetrics('all').get('all') ?? emptyRunMetrics();
        const tasks = queries.taskMetrics('all').get('all') ?? emptyTaskMetrics();
        const byBreakdown: AnalyticsReport['breakdown'] = {};
        for (const dimension of breakdown) {
            byBreakdown[dimension] = [...queries.taskMetrics(dimension)]
                .map(([key, metrics]) => ({ key, tasks: metrics }))
                .sort((a, b) => b.tasks.tasks - a.tasks.tasks || a.key.localeCompare(b.key));
        }
        const workflowRuns = queries.runMetrics('workflow');
        const workflowTasks = queries.taskMetrics('workflow');
        const byWorkflow = workflows.map(workflow => ({
            workflow, runs: workflowRuns.get(workflow) ?? emptyRunMetrics(), tasks: workflowTasks.get(workflow) ?? emptyTaskMetrics()
        }));
        const trend = (dimension: 'day' | 'week'): TrendBucket[] => {
            const bucketRuns = queries.runMetrics(dimension);
            const bucketTasks = queries.taskMetrics(dimension);
            return [...bucketRuns.keys()].sort().map(period => ({
                period, runs: bucketRuns.get(period)!, tasks: bucketTasks.get(period) ?? emptyTaskMetrics()
            }));
        };
        const attemptsByAgent = queries.attemptsByAgent();
        const paths = queries.criticalPaths();
        return {
            timeframe, empty: runs.runs === 0, workflows, runs, tasks, breakdown: byBreakdown, byWorkflow,
            trends: { daily: trend('day'), weekly: trend('week') },
            attemptsByAgent,
            bottlenecks: {
                criticalPaths: paths.slice(0, query.criticalPaths ?? 5), queueWaits: queries.longestQueueWaits(10), failureHotspots: queries.failureHotspots(10)
            },
            recommendations: recommend(queries, attemptsByAgent, paths)
        };
    } finally {
        queries.dispose();
    }
}

// ---- the selection and its per-task table

/** Group keys of the per-task table, by dimension; each is a fixed expression, never user text. */
const TASK_GROUPS: Record<Dimension | 'all' | 'day' | 'week', string> = {
    all: "'all'",
    task_type: "coalesce(type, '(unknown)')",
    agent: "coalesce(agent, '(none)')",
    priority: "coalesce(priority, '(unknown)')",
    pool: "coalesce(pool, '(none)')",
    phase: "coalesce(phase, '(none)')",
    workflow: 'workflow',
    day: 'day',
    week: 'week'
};
const RUN_GROUPS = { all: "'all'", workflow: 'workflow', day: 'day', week: 'week' } as const;

/** A failed attempt: it ended with an error that is not a cancellation (a stopped run is not the attempt's failure). */
const FAILED_ATTEMPT = "(a.error IS NOT NULL AND json_extract(a.error, '$.kind') IS NOT 'cancelled')";
/** An attempt that ended on its own: succeeded or failed, not cancelled and not still open. */
const DECIDED_ATTEMPT = `(a.ok = 1 OR ${FAILED_ATTEMPT})`;

const SELECT_RUNS = `
    CREATE TEMP TABLE analytics_runs AS
    SELECT run_id, workflow, started_at, finished_at, duration_ms,
        CASE WHEN status = 'running' AND ?3 = 1 AND (?4 IS NULL OR writer IS NOT ?4) THEN 'interrupted' ELSE status END AS status,
        date(started_at / 1000, 'unixepoch') AS day,
        strftime('%G-W%V', started_at / 1000, 'unixepoch') AS week
    FROM runs
    WHERE started_at >= ?1 AND (?2 IS NULL OR workflow IN (SELECT value FROM json_each(?2)))`;

const SELECT_TASKS = `
    CREATE TEMP TABLE analytics_tasks AS
    WITH defs AS (
        SELECT r.run_id, json_extract(t.value, '$.id') AS task_id, t.key AS position,
            json_extract(t.value, '$.type') AS type, json_extract(t.value, '$.priority') AS priority,
            json_extract(t.value, '$.pool') AS pool, json_extract(t.value, '$.phase') AS phase,
            coalesce(json_extract(t.value, '$.cache.enabled'), 0) AS cache_enabled
        FROM analytics_runs r JOIN run_models m ON m.run_id = r.run_id, json_each(m.model, '$.tasks') t
    ),
    ready AS (
        SELECT e.run_id, json_extract(e.body, '$.task') AS task_id, min(e.time) AS ready_at
        FROM analytics_runs r JOIN events e ON e.run_id = r.run_id
        WHERE e.type = 'task.ready' GROUP BY 1, 2
    ),
    tried AS (
        SELECT a.run_id, a.task_id, count(*) AS attempts, count(DISTINCT a.item) AS units,
            total(${FAILED_ATTEMPT}) AS failed_attempts, min(a.started_at) AS first_started_at,
            total(a.finished_at - a.started_at) AS attempt_ms,
            total(a.cpu_ms) AS cpu_ms, count(a.cpu_ms) AS measured_attempts, total(a.wall_ms) AS measured_wall_ms
        FROM analytics_runs r JOIN attempts a ON a.run_id = r.run_id GROUP BY 1, 2
    ),
    keyed AS (
        SELECT run_id, task_id FROM defs
        UNION SELECT t.run_id, t.task_id FROM analytics_runs r JOIN tasks t ON t.run_id = r.run_id
    )
    SELECT k.run_id, k.task_id, r.workflow, r.day, r.week, r.started_at AS run_started_at,
        coalesce(t.status, 'pending') AS status, d.position, d.type, d.priority, d.pool, d.phase,
        coalesce(d.cache_enabled, 0) AS cache_enabled,
        coalesce(json_extract(t.state, '$.fromCache'), 0) AS from_cache,
        json_extract(t.state, '$.reused') IS NOT NULL AS reused,
        json_extract(t.state, '$.agent') AS agent,
        json_extract(t.state, '$.durationMs') AS duration_ms,
        json_extract(t.state, '$.finishedAt') AS finished_at,
        coalesce(a.attempts, 0) AS attempts, coalesce(a.units, 0) AS units, coalesce(a.failed_attempts, 0) AS failed_attempts,
        a.first_started_at, q.ready_at,
        CASE WHEN a.first_started_at >= q.ready_at THEN a.first_started_at - q.ready_at END AS queue_wait_ms,
        coalesce(a.attempt_ms, 0) AS attempt_ms, coalesce(a.cpu_ms, 0) AS cpu_ms,
        coalesce(a.measured_attempts, 0) AS measured_attempts, coalesce(a.measured_wall_ms, 0) AS measured_wall_ms
    FROM keyed k
    JOIN analytics_runs r ON r.run_id = k.run_id
    LEFT JOIN defs d ON d.run_id = k.run_id AND d.task_id = k.task_id
    LEFT JOIN tasks t ON t.run_id = k.run_id AND t.task_id = k.task_id
    LEFT JOIN tried a ON a.run_id = k.run_id AND a.task_id = k.task_id
    LEFT JOIN ready q ON q.run_id = k.run_id AND q.task_id = k.task_id`;

/**
 * The distribution of `x` per `grp` over the rows of `values`: count, mean, nearest-rank p50
 * and p95 (the value at rank ceil(p n), in integer arithmetic), and max.
 */
function distributionSql(values: string): string {
    return `
        SELECT grp, count(*) AS n, avg(x) AS mean,
            max(CASE WHEN rn = (total_n + 1) / 2 THEN x END) AS p50,
            max(CASE WHEN rn = (total_n * 95 + 99) / 100 THEN x END) AS p95,
            max(x) AS mx
        FROM (SELECT grp, x, row_number() OVER w AS rn, count(*) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS total_n
              FROM (${values}) WHERE x IS NOT NULL
              WINDOW w AS (PARTITION BY grp ORDER BY x))
        GROUP BY grp`;
}

function taskMetricsSql(group: string): string {
    // Straight from the table each time: a CTE of all its columns would be copied for each use.
    return `
        WITH counts AS (
            SELECT ${group} AS grp, count(*) AS tasks, count(DISTINCT run_id) AS runs,
                total(status = 'completed') AS completed, total(status = 'failed') AS failed, total(status = 'skipped') AS skipped,
                total(status = 'upstream_failed') AS upstream_failed, total(status = 'cancelled') AS cancelled,
                total(status NOT IN ('completed', 'failed', 'skipped', 'upstream_failed', 'cancelled')) AS unfinished,
                total(attempts > 0) AS ran,
                total(attempts > 0 AND status = 'completed') AS ran_completed, total(attempts > 0 AND status = 'failed') AS ran_failed,
                total(from_cache) AS from_cache, total(reused) AS reused,
                total(attempts) AS attempts, total(attempts - units) AS retries, total(attempts > units) AS retried_tasks,
                total(attempts > 0 AND attempts = units AND status = 'completed') AS first_attempt_successes,
                total(cache_enabled AND NOT reused AND status IN ('completed', 'failed')) AS cache_lookups,
                total(cache_enabled AND from_cache) AS cache_hits,
                total(CASE WHEN queue_wait_ms IS NOT NULL AND finished_at IS NOT NULL THEN queue_wait_ms END) AS waited_ms,
                total(CASE WHEN queue_wait_ms IS NOT NULL AND finished_at IS NOT NULL THEN finished_at - first_started_at END) AS ran_ms,
                total(attempt_ms) AS wall_ms, total(cpu_ms) AS cpu_ms,
                total(measured_attempts) AS measured_attempts, total(measured_wall_ms) AS measured_wall_ms
            FROM analytics_tasks GROUP BY 1
        ),
        completion AS (${distributionSql(`SELECT ${group} AS grp, duration_ms AS x FROM analytics_tasks WHERE status = 'completed' AND attempts > 0`)}),
        queue AS (${distributionSql(`SELECT ${group} AS grp, queue_wait_ms AS x FROM analytics_tasks`)})
        SELECT c.*,
            ct.n AS ct_n, ct.mean AS ct_mean, ct.p50 AS ct_p50, ct.p95 AS ct_p95, ct.mx AS ct_max,
            qw.n AS qw_n, qw.mean AS qw_mean, qw.p50 AS qw_p50, qw.p95 AS qw_p95, qw.mx AS qw_max
        FROM counts c LEFT JOIN completion ct ON ct.grp = c.grp LEFT JOIN queue qw ON qw.grp = c.grp`;
}

function runMetricsSql(group: string): string {
    return `
        WITH f AS (SELECT ${group} AS grp, * FROM analytics_runs),
        counts AS (
            SELECT grp, count(*) AS runs, total(status = 'completed') AS completed, total(status = 'failed') AS failed,
                total(status = 'cancelled') AS cancelled, total(status = 'interrupted') AS interrupted, total(status = 'running') AS running
            FROM f GROUP BY grp
        ),
        duration AS (${distributionSql("SELECT grp, duration_ms AS x FROM f WHERE status IN ('completed', 'failed', 'cancelled')")})
        SELECT c.*, d.n AS d_n, d.mean AS d_mean, d.p50 AS d_p50, d.p95 AS d_p95, d.mx AS d_max
        FROM counts c LEFT JOIN duration d ON d.grp = c.grp`;
}

type Row = Record<string, SqlValue>;

/** The queries of one report, on its temporary tables; statements are freed, never cached with the store's. */
class Queries {
    /** A breakdown and a recommendation may ask for the same grouping. */
    private readonly taskMetricsBy = new Map<string, Map<string, TaskMetrics>>();

    constructor(private readonly db: Database) {}

    select(timeframe: Timeframe, workflows: string[] | undefined, liveWriter: LiveWriter): void {
        this.dispose();
        this.db.run(SELECT_RUNS, [
            timeframe.from ?? -Number.MAX_SAFE_INTEGER, workflows === undefined ? null : JSON.stringify(workflows),
            liveWriter === undefined ? 0 : 1, liveWriter ?? null
        ]);
        this.db.run(SELECT_TASKS);
    }

    dispose(): void {
        this.db.run('DROP TABLE IF EXISTS temp.analytics_tasks');
        this.db.run('DROP TABLE IF EXISTS temp.analytics_runs');
    }

    all(sql: string, params?: BindParams): Row[] {
        const statement = this.db.prepare(sql);
        try {
            if (params !== undefined) statement.bind(params);
            // getAsObject asks for the column names again on every row: ask once.
            const names = statement.getColumnNames();
            const rows: Row[] = [];
            while (statement.step()) {
                const values = statement.get();
                const row: Row = {};
                for (let index = 0; index < names.length; index++) row[names[index]] = values[index];
                rows.push(row);
            }
            return rows;
        } finally {
            statement.free();
        }
    }

    column(sql: string, params?: BindParams): SqlValue[] {
        return this.all(sql, params).map(row => Object.values(row)[0]);
    }

    taskMetrics(dimension: keyof typeof TASK_GROUPS): Map<string, TaskMetrics> {
        let metrics = this.taskMetricsBy.get(dimension);
        if (!metrics) {
            metrics = new Map(this.all(taskMetricsSql(TASK_GROUPS[dimension])).map(row => [String(row.grp), taskMetricsOf(row)]));
            this.taskMetricsBy.set(dimension, metrics);
        }
        return metrics;
    }

    runMetrics(dimension: keyof typeof RUN_GROUPS): Map<string, RunMetrics> {
        return new Map(this.all(runMetricsSql(RUN_GROUPS[dimension])).map(row => [String(row.grp), runMetricsOf(row)]));
    }

    attemptsByAgent(): AgentAttempts[] {
        return this.all(`
            SELECT a.agent, count(*) AS attempts, total(${FAILED_ATTEMPT}) AS failed
            FROM analytics_runs r JOIN attempts a ON a.run_id = r.run_id
            WHERE a.agent IS NOT NULL AND ${DECIDED_ATTEMPT}
            GROUP BY a.agent ORDER BY a.agent`).map(row => ({
            agent: String(row.agent), attempts: Number(row.attempts), failed: Number(row.failed),
            failureRate: round(Number(row.failed) / Number(row.attempts))
        }));
    }

    longestQueueWaits(limit: number): QueueWait[] {
        return this.all(`
            SELECT run_id, workflow, task_id, pool, agent, queue_wait_ms FROM analytics_tasks
            WHERE queue_wait_ms > 0 ORDER BY queue_wait_ms DESC, run_started_at DESC, position LIMIT ?`, [limit]).map(row => ({
            runId: String(row.run_id), workflow: String(row.workflow), task: String(row.task_id),
            pool: row.pool === null ? null : String(row.pool), agent: row.agent === null ? null : String(row.agent),
            waitMs: Number(row.queue_wait_ms)
        }));
    }

    failureHotspots(limit: number): FailureHotspot[] {
        return this.all(`
            WITH hot AS (
                SELECT workflow, task_id, count(*) AS runs, total(status = 'failed') AS failed_runs,
                    total(attempts) AS attempts, total(failed_attempts) AS failed_attempts
                FROM analytics_tasks WHERE attempts > 0 GROUP BY workflow, task_id HAVING failed_attempts > 0
            )
            SELECT h.*, (
                SELECT a.error FROM analytics_runs r JOIN attempts a ON a.run_id = r.run_id
                WHERE r.workflow = h.workflow AND a.task_id = h.task_id AND ${FAILED_ATTEMPT}
                ORDER BY a.finished_at DESC, a.attempt DESC LIMIT 1
            ) AS last_error
            FROM hot h ORDER BY failed_attempts DESC, failed_runs DESC, workflow, task_id LIMIT ?`, [limit]).map(row => {
            const error = row.last_error === null ? null : JSON.parse(String(row.last_error)) as { kind: string; message: string };
            return {
                workflow: String(row.workflow), task: String(row.task_id), runs: Number(row.runs), failedRuns: Number(row.failed_runs),
                attempts: Number(row.attempts), failedAttempts: Number(row.failed_attempts),
                lastError: error && { kind: error.kind, message: error.message }
            };
        });
    }

    /** The critical path of every selected run with a finished task, most recent run first. */
    criticalPaths(): CriticalPath[] {
        const runs = this.all(`
            SELECT r.run_id, r.workflow, r.started_at, r.duration_ms FROM analytics_runs r
            WHERE EXISTS (SELECT 1 FROM analytics_tasks t WHERE t.run_id = r.run_id AND t.finished_at IS NOT NULL)
            ORDER BY r.started_at DESC, r.run_id DESC`);
        const timings = new Map<string, TaskTiming[]>();
        for (const row of this.all(`
            SELECT run_id, task_id, position, first_started_at, finished_at FROM analytics_tasks ORDER BY run_id, position`)) {
            const list = timings.get(String(row.run_id)) ?? [];
            list.push({
                task: String(row.task_id), position: row.position === null ? Number.MAX_SAFE_INTEGER : Number(row.position),
                startedAt: row.first_started_at === null ? undefined : Number(row.first_started_at),
                finishedAt: row.finished_at === null ? undefined : Number(row.finished_at)
            });
            timings.set(String(row.run_id), list);
        }
        const dependencies = new Map<string, Map<string, string[]>>();
        for (const row of this.all(`
            SELECT r.run_id, json_extract(t.value, '$.id') AS task_id, d.value AS dependency
            FROM analytics_runs r JOIN run_models m ON m.run_id = r.run_id, json_each(m.model, '$.tasks') t, json_each(t.value, '$.dependencies') d`)) {
            const byTask = dependencies.get(String(row.run_id)) ?? new Map<string, string[]>();
            const list = byTask.get(String(row.task_id)) ?? [];
            list.push(String(row.dependency));
            byTask.set(String(row.task_id), list);
            dependencies.set(String(row.run_id), byTask);
        }
        return runs.map(run => {
            const runId = String(run.run_id);
            const path = criticalPath(timings.get(runId) ?? [], dependencies.get(runId) ?? new Map());
            return {
                runId, workflow: String(run.workflow), startedAt: Number(run.started_at),
                runDurationMs: run.duration_ms === null ? null : Number(run.duration_ms),
                pathMs: path.reduce((sum, step) => sum + step.durationMs, 0), tasks: path
            };
        });
    }

    /** Pool concurrency by pool name, from the most recent selected run whose model declares the pool. */
    poolConcurrency(): Map<string, number> {
        const pools = new Map<string, number>();
        for (const row of this.all(`
            SELECT json_extract(p.value, '$.name') AS name, json_extract(p.value, '$.concurrency') AS concurrency
            FROM analytics_runs r JOIN run_models m ON m.run_id = r.run_id, json_each(m.model, '$.pools') p
            ORDER BY r.started_at DESC, r.run_id DESC`)) {
            if (!pools.has(String(row.name))) pools.set(String(row.name), Number(row.concurrency));
        }
        return pools;
    }

    /** Per workflow and task: the runs it ran in, those it failed in, those it needed retries in, and its mean attempts. */
    taskProblems(): Array<{ workflow: string; task: string; runs: number; failedRuns: number; retriedRuns: number; failedAttempts: number; meanAttempts: number }> {
        return this.all(`
            SELECT t.workflow, t.task_id, count(*) AS runs, total(t.status = 'failed') AS failed_runs,
                total(t.status = 'completed' AND t.attempts > t.units) AS retried_runs, total(t.failed_attempts) AS failed_attempts,
                avg(t.attempts) AS mean_attempts
            FROM analytics_tasks t WHERE t.attempts > 0 GROUP BY t.workflow, t.task_id ORDER BY t.workflow, min(t.position), t.task_id`).map(row => ({
            workflow: String(row.workflow), task: String(row.task_id), runs: Number(row.runs), failedRuns: Number(row.failed_runs),
            retriedRuns: Number(row.retried_runs), failedAttempts: Number(row.failed_attempts), meanAttempts: round(Number(row.mean_attempts), 2)
        }));
    }

    /** Per task type with caching on: lookups, hits, and how many of its tasks were looked up in more than one run. */
    cacheByType(): Array<{ type: string; lookups: number; hits: number; repeatedTasks: number }> {
        return this.all(`
            WITH looked AS (
                SELECT coalesce(type, '(unknown)') AS type, workflow, task_id, count(*) AS lookups, total(from_cache) AS hits
                FROM analytics_tasks WHERE cache_enabled AND NOT reused AND status IN ('completed', 'failed')
                GROUP BY 1, 2, 3
            )
            SELECT type, total(lookups) AS lookups, total(hits) AS hits, total(lookups > 1) AS repeated_tasks
            FROM looked GROUP BY type ORDER BY type`).map(row => ({
            type: String(row.type), lookups: Number(row.lookups), hits: Number(row.hits), repeatedTasks: Number(row.repeated_tasks)
        }));
    }
}

// ---- rows to metrics

function round(value: number, digits = 4): number {
    const scale = 10 ** digits;
    return Math.round(value * scale) / scale;
}

function ratio(part: number, whole: number): number | null {
    return whole > 0 ? round(part / whole) : null;
}

function distributionOf(row: Row, prefix: string): Distribution {
    const count = Number(row[`${prefix}_n`] ?? 0);
    const value = (name: string): number | null => count > 0 && row[`${prefix}_${name}`] !== null ? Math.round(Number(row[`${prefix}_${name}`])) : null;
    return { count, meanMs: value('mean'), p50Ms: value('p50'), p95Ms: value('p95'), maxMs: value('max') };
}

function taskMetricsOf(row: Row): TaskMetrics {
    const n = (name: string): number => Number(row[name] ?? 0);
    const waited = n('waited_ms');
    return {
        tasks: n('tasks'), runs: n('runs'),
        status: {
            completed: n('completed'), failed: n('failed'), skipped: n('skipped'), upstreamFailed: n('upstream_failed'),
            cancelled: n('cancelled'), unfinished: n('unfinished')
        },
        ran: n('ran'), ranCompleted: n('ran_completed'), ranFailed: n('ran_failed'), fromCache: n('from_cache'), reused: n('reused'),
        completionTime: distributionOf(row, 'ct'),
        successRate: ratio(n('ran_completed'), n('ran_completed') + n('ran_failed')),
        attempts: {
            total: n('attempts'), retries: n('retries'), retriedTasks: n('retried_tasks'),
            firstAttemptSuccessRate: ratio(n('first_attempt_successes'), n('ran'))
        },
        cache: { lookups: n('cache_lookups'), hits: n('cache_hits'), hitRate: ratio(n('cache_hits'), n('cache_lookups')) },
        queueWait: { ...distributionOf(row, 'qw'), share: ratio(waited, waited + n('ran_ms')), waitedMs: waited, runMs: n('ran_ms') },
        resources: {
            wallMs: n('wall_ms'), cpuMs: n('cpu_ms'), attempts: n('attempts'), measuredAttempts: n('measured_attempts'),
            cpuShare: ratio(n('cpu_ms'), n('measured_wall_ms'))
        }
    };
}

function runMetricsOf(row: Row): RunMetrics {
    const n = (name: string): number => Number(row[name] ?? 0);
    const ended = n('completed') + n('failed') + n('cancelled') + n('interrupted');
    return {
        runs: n('runs'), completed: n('completed'), failed: n('failed'), cancelled: n('cancelled'), interrupted: n('interrupted'),
        running: n('running'), successRate: ratio(n('completed'), ended), duration: distributionOf(row, 'd')
    };
}

function emptyTaskMetrics(): TaskMetrics {
    return taskMetricsOf({});
}

function emptyRunMetrics(): RunMetrics {
    return runMetricsOf({});
}

// ---- the critical path

interface TaskTiming {
    task: string;
    /** Declaration order in the model, to break ties the same way every time. */
    position: number;
    startedAt?: number;
    finishedAt?: number;
}

/**
 * The longest chain by duration through the run's dependency graph that ends at the task that
 * finished last: each task weighs its time from first start to finish (0 for one that never
 * started: skipped, from the cache, reused). Iterative, so a 10,000-task chain cannot overflow
 * the stack; ties go to the dependency declared first.
 */
export function criticalPath(timings: readonly TaskTiming[], dependencies: ReadonlyMap<string, readonly string[]>): Array<{ task: string; durationMs: number }> {
    const byTask = new Map(timings.map(timing => [timing.task, timing]));
    const weight = (task: string): number => {
        const timing = byTask.get(task);
        return timing?.startedAt !== undefined && timing.finishedAt !== undefined ? Math.max(0, timing.finishedAt - timing.startedAt) : 0;
    };
    const finished = timings.filter(timing => timing.finishedAt !== undefined);
    if (finished.length === 0) return [];
    const last = finished.reduce((latest, timing) => timing.finishedAt! > latest.finishedAt! ? timing : latest);
    const longest = new Map<string, number>();
    const next = new Map<string, string | undefined>();
    const stack: Array<{ task: string; expanded: boolean }> = [{ task: last.task, expanded: false }];
    while (stack.length > 0) {
        const frame = stack.pop()!;
        if (longest.has(frame.task)) continue;
        const upstream = (dependencies.get(frame.task) ?? []).filter(task => byTask.has(task) && (!frame.expanded || longest.has(task)));
        if (!frame.expanded) {
            stack.push({ task: frame.task, expanded: true });
            for (const task of upstream) if (!longest.has(task)) stack.push({ task, expanded: false });
            continue;
        }
        let best: string | undefined;
        for (const task of [...upstream].sort((a, b) => byTask.get(a)!.position - byTask.get(b)!.position)) {
            if (best === undefined || longest.get(task)! > longest.get(best)!) best = task;
        }
        longest.set(frame.task, weight(frame.task) + (best === undefined ? 0 : longest.get(best)!));
        next.set(frame.task, best);
    }
    const path: Array<{ task: string; durationMs: number }> = [];
    for (let task: string | undefined = last.task; task !== undefined; task = next.get(task)) path.push({ task, durationMs: weight(task) });
    return path.reverse();
}

// ---- recommendations

function percent(value: number): string {
    return `${Math.round(value * 100)}%`;
}

function seconds(ms: number): string {
    return ms < 1000 ? `${Math.round(ms)} ms` : ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 60_000).toFixed(1)} min`;
}

/** Each recommendation states the numbers that triggered it; none is made without them. */
function recommend(queries: Queries, attemptsByAgent: AgentAttempts[], paths: CriticalPath[]): Recommendation[] {
    const limits = RECOMMENDATION_THRESHOLDS;
    const recommendations: Recommendation[] = [];

    const concurrency = queries.poolConcurrency();
    const everyTask = queries.taskMetrics('all').get('all')?.queueWait;
    for (const [pool, metrics] of queries.taskMetrics('pool')) {
        if (pool === '(none)' || !everyTask) continue;
        const wait = metrics.queueWait;
        if (wait.count < limits.minTasks || wait.share === null || wait.share < limits.poolWaitShare || (wait.p50Ms ?? 0) < limits.poolMinMedianWaitMs) continue;
        // When every task waits as long, the pool is not what holds them (the run's parallel limit, or the agents, is).
        const othersWaited = everyTask.waitedMs - wait.waitedMs;
        const othersShare = ratio(othersWaited, othersWaited + everyTask.runMs - wait.runMs);
        if (othersShare !== null && othersShare > wait.share / 2) continue;
        const cpu = metrics.resources;
        const lowCpu = cpu.cpuShare !== null && cpu.measuredAttempts >= limits.minTasks && cpu.cpuShare < limits.poolLowCpuShare;
        recommendations.push({
            kind: 'pool_queue', subject: pool,
            message: `pool ${pool}: tasks waited ${percent(wait.share)} of their time in its queue (p50 ${seconds(wait.p50Ms!)}, ${wait.count} tasks` +
                `${othersShare !== null ? `; tasks outside it ${percent(othersShare)}` : ''})` +
                (lowCpu ? ` while using the CPU ${percent(cpu.cpuShare!)} of their process time` : '') +
                `; raise its concurrency${concurrency.has(pool) ? ` (now ${concurrency.get(pool)})` : ''} or move some of its tasks to another pool`,
            data: {
                waitShare: wait.share, othersWaitShare: othersShare, p50WaitMs: wait.p50Ms, tasks: wait.count,
                concurrency: concurrency.get(pool) ?? null, cpuShare: cpu.cpuShare
            }
        });
    }

    for (const agent of attemptsByAgent) {
        if (agent.attempts < limits.minAttempts || agent.failureRate < limits.agentFailureRate) continue;
        recommendations.push({
            kind: 'agent_failures', subject: agent.agent,
            message: `agent ${agent.agent} failed ${percent(agent.failureRate)} of its attempts (${agent.failed} of ${agent.attempts}): check it, or lower its weight so it gets less work`,
            data: { failed: agent.failed, attempts: agent.attempts, failureRate: agent.failureRate }
        });
    }

    const pathsByWorkflow = new Map<string, CriticalPath[]>();
    for (const path of paths) pathsByWorkflow.set(path.workflow, [...pathsByWorkflow.get(path.workflow) ?? [], path]);
    for (const [workflow, runs] of pathsByWorkflow) {
        const chains = runs.filter(run => run.tasks.length > 1 && run.pathMs > 0);
        if (chains.length < limits.minRuns) continue;
        const totalMs = chains.reduce((sum, run) => sum + run.pathMs, 0);
        const onPath = new Map<string, { runs: number; ms: number }>();
        for (const run of chains) {
            for (const step of run.tasks) {
                const entry = onPath.get(step.task) ?? { runs: 0, ms: 0 };
                entry.runs++;
                entry.ms += step.durationMs;
                onPath.set(step.task, entry);
            }
        }
        const [task, top] = [...onPath].sort((a, b) => b[1].ms - a[1].ms || a[0].localeCompare(b[0]))[0];
        const timeShare = round(top.ms / totalMs);
        if (top.runs / chains.length < limits.criticalPathRunShare || timeShare < limits.criticalPathTimeShare || top.ms / top.runs < limits.criticalPathMinMeanMs) continue;
        recommendations.push({
            kind: 'critical_path', subject: `${workflow}/${task}`,
            message: `task ${task} is on the critical path of ${top.runs} of ${chains.length} runs of ${workflow} and takes ${percent(timeShare)} of its length ` +
                `(mean ${seconds(top.ms / top.runs)}): making it faster, or splitting it into tasks that run in parallel, shortens the runs`,
            data: { runs: chains.length, onPath: top.runs, timeShare, meanMs: Math.round(top.ms / top.runs) }
        });
    }

    for (const cache of queries.cacheByType()) {
        if (cache.hits > 0 || cache.lookups < limits.cacheMinLookups || cache.repeatedTasks === 0) continue;
        recommendations.push({
            kind: 'cache_misses', subject: cache.type,
            message: `cache hit rate 0% for type ${cache.type} with cache on (0 of ${cache.lookups} lookups, ${cache.repeatedTasks} of its tasks looked up in more than one run): ` +
                'check that its inputs are stable (a parameter or upstream result that changes every run changes the key) and that its ttl outlives the time between runs',
            data: { lookups: cache.lookups, hits: 0, repeatedTasks: cache.repeatedTasks }
        });
    }

    const hotspots = new Map(queries.failureHotspots(Number.MAX_SAFE_INTEGER).map(spot => [`${spot.workflow}/${spot.task}`, spot]));
    for (const task of queries.taskProblems()) {
        if (task.runs < limits.minRuns) continue;
        const subject = `${task.workflow}/${task.task}`;
        if (task.failedRuns / task.runs >= limits.taskProblemRunShare) {
            const error = hotspots.get(subject)?.lastError;
            recommendations.push({
                kind: 'failing_task', subject,
                message: `task ${task.task} of ${task.workflow} failed in ${task.failedRuns} of ${task.runs} runs (${task.failedAttempts} failed attempts` +
                    `${error ? `; last: ${error.kind}: ${error.message}` : ''}): look at its logs (flowctl show <run>) before running it again`,
                data: { failedRuns: task.failedRuns, runs: task.runs, failedAttempts: task.failedAttempts, lastErrorKind: error?.kind ?? null }
            });
        } else if (task.retriedRuns / task.runs >= limits.taskProblemRunShare) {
            recommendations.push({
                kind: 'flaky_task', subject,
                message: `task ${task.task} of ${task.workflow} needed retries in ${task.retriedRuns} of ${task.runs} runs (mean ${task.meanAttempts} attempts): ` +
                    'it succeeds in the end, but each retry costs time on the runs; find what makes its first attempt fail',
                data: { retriedRuns: task.retriedRuns, runs: task.runs, meanAttempts: task.meanAttempts }
            });
        }
    }
    return recommendations;
}
