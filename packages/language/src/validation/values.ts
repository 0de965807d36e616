/**
 * Reading the values of DURATION and DATETIME tokens for checks that compare them. The lexer
 * only guarantees their shape (`1h30m`, `2024-02-30T25:00Z`); whether a date exists is decided
 * here.
 */

const DURATION_PART = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d)/g;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds of a duration token such as `1h30m`, or undefined when it is not one. */
export function durationToMs(text: string | undefined): number | undefined {
    if (!text) return undefined;
    let total = 0;
    let matched = 0;
    for (const match of text.matchAll(DURATION_PART)) {
        total += Number(match[1]) * UNIT_MS[match[2]];
        matched += match[0].length;
    }
    return matched === text.length && matched > 0 ? total : undefined;
}

/** A duration for messages: `90m` is shown as `1h30m`. */
export function formatDuration(ms: number): string {
    if (ms === 0) return '0s';
    const parts: string[] = [];
    let rest = ms;
    for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
        if (rest >= size) {
            const count = Math.floor(rest / size);
            parts.push(`${count}${unit}`);
            rest -= count * size;
        }
    }
    if (rest > 0) parts.push(`${Math.round(rest)}ms`);
    return parts.join('');
}

const DATETIME = /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2})(?::([0-9]{2})(\.[0-9]+)?)?(Z|([+-])([0-9]{2}):([0-9]{2}))?$/;

const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September',
    'October', 'November', 'December'];

export type DateTimeValue =
    /** Milliseconds since the epoch; a date-time without an offset is read as UTC. */
    | { valid: true; epochMs: number }
    /** What is wrong with it, for the diagnostic. */
    | { valid: false; problem: string };

/** Checks that a DATETIME token names a real instant (no month 13, no February 30, no hour 25). */
export function parseDateTime(text: string): DateTimeValue {
    const match = DATETIME.exec(text);
    if (!match) return { valid: false, problem: 'it is not of the form 2024-02-15T17:00:00Z' };
    const [year, month, day, hour, minute] = [1, 2, 3, 4, 5].map(i => Number(match[i]));
    const second = match[6] === undefined ? 0 : Number(match[6]);
    const fraction = match[7] === undefined ? 0 : Number(match[7]);
    if (month < 1 || month > 12) return { valid: false, problem: `there is no month ${month}` };
    const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
    if (day < 1 || day > daysInMonth) {
        return { valid: false, problem: `${MONTH_NAMES[month - 1]} ${year} has no day ${day}` };
    }
    if (hour > 23) return { valid: false, problem: `there is no hour ${hour} (hours go from 00 to 23)` };
    if (minute > 59) return { valid: false, problem: `there is no minute ${minute} (minutes go from 00 to 59)` };
    if (second > 59) return { valid: false, problem: `there is no second ${second} (seconds go from 00 to 59)` };
    let offsetMinutes = 0;
    if (match[9]) {
        const offsetHours = Number(match[10]);
        const offsetMins = Number(match[11]);
        if (offsetHours > 23 || offsetMins > 59) {
            return { valid: false, problem: `the offset ${match[9]}${match[10]}:${match[11]} is not a time zone offset` };
        }
        offsetMinutes = (match[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
    }
    // Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear keeps the year as written.
    const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second));
    date.setUTCFullYear(year);
    const epochMs = date.getTime() + Math.round(fraction * 1000) - offsetMinutes * 60_000;
    return { valid: true, epochMs };
}
