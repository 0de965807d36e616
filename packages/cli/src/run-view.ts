import { styleText } from 'node:util';
import cliProgress from 'cli-progress';
import Table from 'cli-table3';
import type { EventOf, RunEvent, RunResult, TaskSummary, WorkflowPlan } from '@flow/engine';

/** How a run is shown: a live bar on a terminal, plain lines otherwise, or NDJSON events. */
export type ViewMode = 'bar' | 'lines' | 'json';

/**
 * The bar needs a terminal that can redraw a line; NO_COLOR asks for plain output, and a pipe
 * or a file gets one line per event.
 */
export function chooseViewMode(json: boolean, stream: NodeJS.WriteStream = process.stderr): ViewMode {
    if (json) return 'json';
    if (!stream.isTTY || (process.env.NO_COLOR ?? '') !== '' || process.env.TERM === 'dumb') return 'lines';
    return 'bar';
}

type Style = Parameters<typeof styleText>[0];

/** Colours only where the stream supports them (styleText honours NO_COLOR and FORCE_COLOR). */
function paint(style: Style, text: string, stream: NodeJS.WriteStream): string {
    return styleText(style, text, { stream });
}

export function formatDuration(ms: number | undefined): string {
    if (ms === undefined) return '-';
    if (ms < 1000) return `${Math.round(ms)} ms`;
    if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
    const minutes = Math.floor(ms / 60_000);
    const seconds = Math.round((ms % 60_000) / 1000);
    return minutes < 60 ? `${minutes}m${String(seconds).padStart(2, '0')}s` : `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

const item = (index: number | undefined) => index === undefined ? '' : ` item ${index + 1}`;

/**
 * One line for the events a user wants to see as they happen, or undefined for the ones the
 * bar (or the summary) already shows. The same words serve the bar's log and plain output.
 */
export function describeEvent(event: RunEvent, demoTasks: ReadonlySet<string>): string | undefined {
    switch (event.type) {
        case 'run.started':
            return `run ${event.runId} of ${event.workflow}: ${event.totalTasks} tasks`;
        case 'phase.started':
            return `phase ${event.phase} started`;
        case 'phase.completed':
            return `phase ${event.phase} ${event.ok ? 'completed' : 'finished with failures'}`;
        case 'task.started':
            return `▶ ${event.task}${item(event.item)} started` +
                (event.attempt > 1 ? ` (attempt ${event.attempt})` : '') +
                (event.agent ? ` on ${event.agent}` : '') +
                (event.demo ? ` [demo built-in: ${event.runner}, no real work]` : '');
        case 'task.completed':
            return `✓ ${event.task} completed in ${formatDuration(event.durationMs)}` +
                (event.fromCache ? ' [cached result, not run]' : '') +
                (event.reused ? ' [kept from the earlier run, not run]' : '') +
                (event.agent ? ` (${event.agent})` : '') +
                (demoTasks.has(event.task) ? ' [demo]' : '');
        case 'task.attempt_failed':
            return `! ${event.task}${item(event.item)} attempt ${event.attempt} failed: ${event.error.message}` +
                (event.logFile ? ` (log: ${event.logFile})` : '');
        case 'task.retry_scheduled':
            return `↻ ${event.task}${item(event.item)} retries in ${formatDuration(event.delayMs)} (attempt ${event.nextAttempt}, ${event.kind})`;
        case 'task.timed_out':
            return `⏱ ${event.task}${item(event.item)} timed out after ${formatDuration(event.timeoutMs)}`;
        case 'task.failed':
            return `✗ ${event.task} failed after ${event.attempts} attempt${event.attempts === 1 ? '' : 's'}: ${event.error.message}` +
                (event.escalated ? ' (escalated)' : '');
        case 'task.skipped':
            return `– ${event.task} ${event.status === 'skipped' ? 'skipped' : event.status === 'cancelled' ? 'cancelled' : 'not run'}: ${event.reason}`;
        case 'task.reused':
            return `≡ ${event.task}: unchanged since run ${event.fromRun.slice(0, 8)}${event.checkpoint !== undefined ? ` (checkpoint ${event.checkpoint})` : ''}, keeping its result`;
        case 'task.cache_hit':
            return `≡ ${event.task}: cache hit, reusing the stored result`;
        case 'task.recovery':
            return `↻ ${event.task}${item(event.item)} recovery (${event.action}): ${event.detail}`;
        case 'batch.progress':
            return `  ${event.task}${item(event.item)} ${event.ok ? 'done' : 'failed'} (${event.done}/${event.total}${event.failed ? `, ${event.failed} failed` : ''})`;
        case 'breaker.opened':
            return `⚡ breaker of ${event.agent} opened after ${event.failures} failures; retrying it in ${formatDuration(event.recoveryMs)}`;
        case 'breaker.half_open':
            return `⚡ breaker of ${event.agent} half-open: ${event.probes} probe${event.probes === 1 ? '' : 's'} allowed`;
        case 'breaker.closed':
            return `⚡ breaker of ${event.agent} closed`;
        case 'failover':
            return `⇄ ${event.task}${item(event.item)} fails over from ${event.from} to ${event.to}`;
        case 'milestone.reached':
            return `★ milestone ${event.milestone}${event.description ? `: ${event.description}` : ''}`;
        case 'checkpoint.reached':
            return `◆ checkpoint ${event.checkpoint} (${event.completedTasks.length} tasks completed)`;
        case 'deadline.missed':
            return `⚠ ${event.task} missed its deadline ${event.deadline}`;
        case 'sla.missed':
            return `⚠ ${event.task} missed the ${event.level} SLA of ${formatDuration(event.slaMs)}`;
        case 'compensation.started':
            return `↶ compensating ${event.task} (${event.runner})`;
        case 'compensation.completed':
            return `↶ compensation of ${event.task} ${event.ok ? 'done' : `failed: ${event.error?.message ?? 'unknown error'}`}`;
        case 'notification':
            return `✉ notify ${event.target}: ${event.message}`;
        case 'notification.failed':
            return `✉ notifying ${event.target} failed: ${event.error.message}`;
        case 'escalation':
            return `‼ escalation (${event.severity})${event.task ? ` for ${event.task}` : ''}: ${event.message}` +
                (event.notify.length > 0 ? ` — notifying ${event.notify.join(', ')}` : '');
        case 'run.completed':
            return `run completed in ${formatDuration(event.durationMs)}`;
        case 'run.failed':
            return `run failed after ${formatDuration(event.durationMs)}: ${event.reason}`;
        case 'run.cancelled':
            return `run cancelled after ${formatDuration(event.durationMs)}: ${event.reason}`;
        case 'task.ready':
        case 'progress':
            return undefined;
    }
}

const STATUS_STYLE: Record<string, Style> = {
    completed: 'green', failed: 'red', upstream_failed: 'red', skipped: 'yellow', cancelled: 'yellow'
};

/**
 * Follows a run's events: a progress bar (phase, running tasks, done/total) with notable events
 * logged above it, or one plain line per notable event. Every number on the bar comes from the
 * engine's `progress` events; nothing is estimated here.
 */
export class RunView {
    private readonly bars?: cliProgress.MultiBar;
    private bar?: cliProgress.SingleBar;
    private readonly running = new Set<string>();
    private lastPercent = -1;

    constructor(
        mode: 'bar' | 'lines',
        private readonly demoTasks: ReadonlySet<string>,
        private readonly stream: NodeJS.WriteStream = process.stderr
    ) {
        if (mode === 'bar') {
            this.bars = new cliProgress.MultiBar({
                stream, hideCursor: true, clearOnComplete: false, stopOnComplete: false, barsize: 24,
                format: '{workflow} {bar} {percentage}% | {value}/{total} tasks | phase {phase} | running: {running}'
            }, cliProgress.Presets.shades_classic);
        }
    }

    handle(event: RunEvent): void {
        if (event.type === 'task.started') this.running.add(event.task);
        if (event.type === 'task.completed' || event.type === 'task.failed' || event.type === 'task.skipped') this.running.delete(event.task);
        if (event.type === 'run.started' && this.bars) {
            this.bar = this.bars.create(event.totalTasks, 0, { workflow: event.workflow, phase: '-', running: '-' });
        }
        if (event.type === 'progress') {
            this.progress(event);
            return;
        }
        const line = describeEvent(event, this.demoTasks);
        if (line === undefined) return;
        const styled = this.style(event, line);
        if (this.bars) this.bars.log(`${styled}\n`);
        else this.stream.write(`${styled}\n`);
    }

    private progress(event: EventOf<'progress'>): void {
        if (this.bar) {
            this.bar.update(event.done, {
                phase: event.phase ?? '-',
                running: this.running.size === 0 ? '-' : [...this.running].slice(0, 4).join(', ') + (this.running.size > 4 ? ` +${this.running.size - 4}` : '')
            });
        } else if (Math.floor(event.percent) !== this.lastPercent) {
            this.lastPercent = Math.floor(event.percent);
            this.stream.write(`progress ${this.lastPercent}% (${event.done}/${event.total} tasks` +
                `${event.phase ? `, phase ${event.phase}` : ''}${event.running > 0 ? `, ${event.running} running` : ''})\n`);
        }
    }

    private style(event: RunEvent, line: string): string {
        const style: Style | undefined =
            event.type === 'task.completed' || event.type === 'run.completed' ? 'green'
                : event.type === 'task.failed' || event.type === 'run.failed' || event.type === 'escalation' ? 'red'
                    : event.type === 'task.attempt_failed' || event.type === 'task.skipped' || event.type.endsWith('.missed') ? 'yellow'
                        : undefined;
        return style ? paint(style, line, this.stream) : line;
    }

    stop(): void {
        this.bars?.stop();
    }
}

/** The table printed when a run ends: one row per task. */
export function summaryTable(result: RunResult, demoTasks: ReadonlySet<string>, stream: NodeJS.WriteStream = process.stdout): string {
    const table = new Table({
        head: ['task', 'status', 'duration', 'attempts', 'agent', 'cache', 'note'],
        style: { head: [], border: [] }
    });
    for (const task of result.tasks) {
        table.push([
            task.id + (demoTasks.has(task.id) ? ' (demo)' : ''),
            paint(STATUS_STYLE[task.status] ?? 'reset', task.status, stream),
            formatDuration(task.durationMs),
            String(task.attempts),
            task.agent ?? '-',
            task.fromCache ? 'hit' : task.reused ? 'reused' : '-',
            note(task)
        ]);
    }
    return table.toString();
}

function note(task: TaskSummary): string {
    const parts: string[] = [];
    if (task.reused) parts.push('result kept from the earlier run');
    else if (task.items) parts.push(`${task.items.total - task.items.failed}/${task.items.total} items ok`);
    if (task.reason) parts.push(task.reason);
    else if (task.error) parts.push(task.error.message);
    const text = parts.join('; ');
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The plan of a dry run, every line marked as such. */
export function planLines(plan: WorkflowPlan): string[] {
    const lines = [`[dry run] ${plan.workflow}: nothing is executed; this is the plan a run would follow.`];
    for (const [index, wave] of plan.waves.entries()) {
        lines.push(`[dry run] wave ${index + 1}`);
        for (const task of wave) {
            const details = [
                task.kind === 'batch' ? `batch of ${task.items ?? '?'} items` : task.type,
                `priority ${task.priority} (score ${task.score.toFixed(1)})`,
                task.dependencies.length > 0 ? `after ${task.dependencies.join(', ')}` : undefined,
                task.condition,
                task.runner ?? (task.agents.length > 0 ? `on ${task.agents.join(' or ')}` : undefined),
                task.pool ? `pool ${task.pool}` : undefined,
                task.timeoutMs !== undefined ? `timeout ${formatDuration(task.timeoutMs)}` : undefined,
                task.attempts > 1 ? `up to ${task.attempts} attempts` : undefined,
                task.cached ? 'cacheable' : undefined,
                task.demo ? 'demo built-in' : undefined,
                task.problem ? `CANNOT RUN: ${task.problem}` : undefined
            ].filter(part => part !== undefined);
            lines.push(`[dry run]   ${task.id}: ${details.join(' · ')}`);
        }
    }
    return lines;
}
