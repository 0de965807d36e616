/**
 * Recurring workflows: when the next run of a `repeat` schedule is due (croner computes cron
 * occurrences, with time zones and daylight saving time), and a scheduler that starts runs at
 * those times on an injectable clock, so the rules are tested exactly on a virtual clock.
 */
import { Cron } from 'croner';
import type { RecurrenceDef } from '@flow/model';
import type { Clock, TimerHandle } from './clock.js';
import { WorkflowConfigError } from './errors.js';

/** The cron pattern of a schedule: `daily at "09:30"` is `30 9 * * *` (with seconds when given). */
export function cronPattern(recurrence: RecurrenceDef): string {
    if (recurrence.kind === 'cron') return recurrence.expression.trim();
    const match = /^(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(recurrence.time);
    if (!match) {
        throw new WorkflowConfigError('recurrence.time', `"${recurrence.time}" is not a time of day: write HH:MM, such as "09:00".`);
    }
    const [, hours, minutes, seconds] = match;
    const hm = `${Number(minutes)} ${Number(hours)} * * *`;
    return seconds === undefined ? hm : `${Number(seconds)} ${hm}`;
}

function cronOf(recurrence: RecurrenceDef): Cron {
    try {
        return new Cron(cronPattern(recurrence), {
            paused: true, timezone: recurrence.timezone, startAt: recurrence.start, mode: '5-or-6-parts'
        });
    } catch (error) {
        if (error instanceof WorkflowConfigError) throw error;
        throw new WorkflowConfigError('recurrence', `The schedule "${cronPattern(recurrence)}" cannot be used: ${(error as Error).message}.`);
    }
}

/** The next `count` times (ms since the epoch) the schedule is due, strictly after `after`. */
export function nextOccurrences(recurrence: RecurrenceDef, after: number, count = 1): number[] {
    return cronOf(recurrence).nextRuns(count, new Date(after)).map(date => date.getTime());
}

/** Occurrences missed during one long run that are reported one by one; more are not listed. */
const MAX_REPORTED_MISSES = 100;

/** What a recurring schedule reports. */
export type ScheduleEvent =
    | { type: 'schedule.next'; at: number }
    | { type: 'schedule.run_started'; occurrence: number; run: number }
    | { type: 'schedule.run_finished'; occurrence: number; run: number; ok: boolean }
    /** An occurrence passed while the previous run was still going; runs never overlap. */
    | { type: 'schedule.occurrence_skipped'; occurrence: number; reason: string }
    | { type: 'schedule.stopped'; runs: number };

export interface RecurringScheduleOptions {
    clock: Clock;
    /** Starts one run; resolves to whether it completed. */
    run: (occurrence: number, runNumber: number) => Promise<boolean>;
    onEvent?: (event: ScheduleEvent) => void;
    /** Stop after this many runs. @default Infinity */
    maxRuns?: number;
}

/**
 * Runs a workflow at every occurrence of its schedule until stopped. A run that is still going
 * when the next occurrence comes makes that occurrence skipped (said so in an event), never a
 * second concurrent run; after a run ends, the next occurrence after *now* is waited for.
 */
export class RecurringSchedule {
    private timer?: TimerHandle;
    private stopped = false;
    private runs = 0;
    private running = false;
    private readonly cron: Cron;
    private readonly finished: Promise<number>;
    private resolveFinished!: (runs: number) => void;

    constructor(recurrence: RecurrenceDef, private readonly options: RecurringScheduleOptions) {
        this.cron = cronOf(recurrence);
        this.finished = new Promise(resolve => { this.resolveFinished = resolve; });
    }

    /** Starts waiting for the first occurrence; resolves with the number of runs once stopped. */
    start(): Promise<number> {
        this.armNext(this.options.clock.now());
        return this.finished;
    }

    stop(): void {
        if (this.stopped) return;
        this.stopped = true;
        if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
        if (!this.running) this.finish();
    }

    private finish(): void {
        this.options.onEvent?.({ type: 'schedule.stopped', runs: this.runs });
        this.resolveFinished(this.runs);
    }

    private armNext(after: number): void {
        if (this.stopped) return;
        const next = this.cron.nextRun(new Date(after));
        if (!next) {
            this.stop();
            return;
        }
        const at = next.getTime();
        this.options.onEvent?.({ type: 'schedule.next', at });
        this.timer = this.options.clock.setTimeout(() => this.due(at), at - this.options.clock.now());
    }

    private due(occurrence: number): void {
        this.timer = undefined;
        if (this.stopped) return;
        const runNumber = ++this.runs;
        this.running = true;
        this.options.onEvent?.({ type: 'schedule.run_started', occurrence, run: runNumber });
        // Occurrences that fall inside the run are reported as skipped when it ends.
        this.options.run(occurrence, runNumber).catch(() => false).then(ok => {
            this.running = false;
            this.options.onEvent?.({ type: 'schedule.run_finished', occurrence, run: runNumber, ok });
            const now = this.options.clock.now();
            const missed = this.cron.nextRuns(MAX_REPORTED_MISSES, new Date(occurrence)).map(date => date.getTime()).filter(time => time <= now);
            for (const time of missed) {
                this.options.onEvent?.({ type: 'schedule.occurrence_skipped', occurrence: time, reason: 'the previous run was still going' });
            }
            if (this.runs >= (this.options.maxRuns ?? Infinity)) this.stopped = true;
            if (this.stopped) this.finish();
            else this.armNext(now);
        });
    }
}
