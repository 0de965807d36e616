import { describe, expect, it } from 'vitest';
import { cronPattern, nextOccurrences, RecurringSchedule, type ScheduleEvent } from '../src/recurrence.js';
import { VirtualClock } from '../src/clock.js';
import { WorkflowConfigError } from '../src/errors.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe('when a schedule is due', () => {
    it('turns "daily at" into a cron pattern', () => {
        expect(cronPattern({ kind: 'daily', time: '09:05' })).toBe('5 9 * * *');
        expect(cronPattern({ kind: 'daily', time: '17:30:15' })).toBe('15 30 17 * * *');
    });

    it('runs daily at the time of day, in UTC by default', () => {
        const times = nextOccurrences({ kind: 'daily', time: '09:00', timezone: 'UTC' }, at('2024-01-20T10:00:00Z'), 2);
        expect(times.map(iso)).toEqual(['2024-01-21T09:00:00.000Z', '2024-01-22T09:00:00.000Z']);
    });

    it('reads the time of day in the schedule\'s time zone, across a daylight saving change', () => {
        // Berlin is UTC+1 in winter and UTC+2 from 31 March 2024.
        const times = nextOccurrences({ kind: 'daily', time: '09:00', timezone: 'Europe/Berlin' }, at('2024-03-30T00:00:00Z'), 2);
        expect(times.map(iso)).toEqual(['2024-03-30T08:00:00.000Z', '2024-03-31T07:00:00.000Z']);
    });

    it('follows a cron expression (weekdays at 09:00)', () => {
        // 2024-01-19 is a Friday: the next weekday runs are Friday, then Monday.
        const times = nextOccurrences({ kind: 'cron', expression: '0 9 * * 1-5', timezone: 'UTC' }, at('2024-01-19T08:00:00Z'), 2);
        expect(times.map(iso)).toEqual(['2024-01-19T09:00:00.000Z', '2024-01-22T09:00:00.000Z']);
    });

    it('does not start before the schedule\'s start time', () => {
        const times = nextOccurrences({ kind: 'daily', time: '09:00', timezone: 'UTC', start: '2024-02-01T00:00:00Z' }, at('2024-01-20T10:00:00Z'));
        expect(times.map(iso)).toEqual(['2024-02-01T09:00:00.000Z']);
    });

    it('refuses an expression croner cannot read, naming it', () => {
        expect(() => nextOccurrences({ kind: 'cron', expression: '61 * * * *' }, 0)).toThrow(WorkflowConfigError);
        expect(() => nextOccurrences({ kind: 'cron', expression: '61 * * * *' }, 0)).toThrow(/"61 \* \* \* \*"/);
    });
});

describe('a recurring schedule on a virtual clock', () => {
    function schedule(runDurationMs: number, maxRuns: number) {
        const clock = new VirtualClock(at('2024-01-20T08:59:00Z'));
        const events: ScheduleEvent[] = [];
        const starts: string[] = [];
        const recurring = new RecurringSchedule({ kind: 'cron', expression: '0 * * * *', timezone: 'UTC' }, {
            clock, maxRuns, onEvent: event => events.push(event),
            run: async occurrence => {
                starts.push(`${iso(occurrence)} at ${iso(clock.now())}`);
                await new Promise<void>(resolve => clock.setTimeout(resolve, runDurationMs));
                return true;
            }
        });
        return { clock, events, starts, done: recurring.start(), recurring };
    }

    it('starts a run at each occurrence until it has run maxRuns times', async () => {
        const { clock, starts, done } = schedule(60_000, 3);
        await clock.runAll();
        expect(await done).toBe(3);
        expect(starts).toEqual([
            '2024-01-20T09:00:00.000Z at 2024-01-20T09:00:00.000Z',
            '2024-01-20T10:00:00.000Z at 2024-01-20T10:00:00.000Z',
            '2024-01-20T11:00:00.000Z at 2024-01-20T11:00:00.000Z'
        ]);
    });

    it('skips, and reports, occurrences that pass while a run is still going', async () => {
        // Each run takes 2.5 hours, so the 10:00 and 11:00 occurrences fall inside the first.
        const { clock, events, starts, done } = schedule(150 * 60_000, 2);
        await clock.runAll();
        await done;
        expect(starts.map(start => start.slice(0, 16))).toEqual(['2024-01-20T09:00', '2024-01-20T12:00']);
        expect(events.filter(event => event.type === 'schedule.occurrence_skipped').map(event => iso(event.occurrence)))
            .toEqual(['2024-01-20T10:00:00.000Z', '2024-01-20T11:00:00.000Z', '2024-01-20T13:00:00.000Z', '2024-01-20T14:00:00.000Z']);
    });

    it('stops waiting when stopped, without starting another run', async () => {
        const { clock, starts, done, recurring, events } = schedule(1000, Infinity);
        await clock.advance(60_000 + 1000);
        recurring.stop();
        await clock.runAll();
        expect(await done).toBe(1);
        expect(starts).toHaveLength(1);
        expect(events.at(-1)).toEqual({ type: 'schedule.stopped', runs: 1 });
    });
});
