/**
 * Durations, sizes and date-times as the language writes them (`1h30m`, `1GB`,
 * `2024-02-15T17:00:00Z`) and as the model stores them (milliseconds, bytes, ISO strings).
 */

const DURATION_UNITS: ReadonlyArray<readonly [unit: string, ms: number]> = [
    ['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]
];
const DURATION_PART = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d)/y;

/**
 * Parses a duration such as `30m`, `1h30m` or `1.5s` into milliseconds. Throws an error that
 * says what is wrong and shows valid examples; a bare number is refused because its unit would
 * be a guess.
 */
export function parseDuration(text: string): number {
    const input = text.trim();
    let total = 0;
    let position = 0;
    DURATION_PART.lastIndex = 0;
    while (position < input.length) {
        DURATION_PART.lastIndex = position;
        const match = DURATION_PART.exec(input);
        if (!match) break;
        total += Number(match[1]) * unitMs(match[2]);
        position = DURATION_PART.lastIndex;
    }
    if (input.length === 0 || position !== input.length) {
        throw new Error(
            `Invalid duration "${text}": write numbers followed by a unit (ms, s, m, h, d) without spaces, ` +
            'for example 30m, 1h30m or 1.5s.');
    }
    return total;
}

function unitMs(unit: string): number {
    return DURATION_UNITS.find(([name]) => name === unit)![1];
}

/**
 * Writes milliseconds as the shortest canonical duration (`5400000` -> `1h30m`), largest unit
 * first; `parseDuration(formatDuration(ms)) === ms` for every finite, non-negative `ms`.
 */
export function formatDuration(ms: number): string {
    if (!Number.isFinite(ms) || ms < 0) {
        throw new Error(`Cannot write ${ms} ms as a duration: a duration is a finite, non-negative number of milliseconds.`);
    }
    if (ms === 0) return '0s';
    let rest = ms;
    let text = '';
    for (const [unit, size] of DURATION_UNITS) {
        if (unit === 'ms') break;
        const count = Math.floor(rest / size);
        if (count > 0) {
            text += `${count}${unit}`;
            rest -= count * size;
        }
    }
    if (rest > 0) text += `${formatNumber(rest)}ms`;
    return text;
}

/** Writes a number without exponent notation (the language's NUMBER has none). */
function formatNumber(value: number): string {
    const plain = String(value);
    if (!/e/i.test(plain)) return plain;
    return value.toFixed(20).replace(/\.?0+$/, '');
}

const SIZE_UNITS: Readonly<Record<string, number>> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };

/** Parses a size such as `1GB`, `512 MB` or `100KB` into bytes (binary multiples: 1KB = 1024 B). */
export function parseSize(text: string): number {
    const match = /^\s*([0-9]+(?:\.[0-9]+)?)\s*(B|KB|MB|GB)\s*$/i.exec(text);
    if (!match) {
        throw new Error(`Invalid size "${text}": write a number followed by B, KB, MB or GB, for example 1GB or 512MB.`);
    }
    return Math.round(Number(match[1]) * SIZE_UNITS[match[2].toUpperCase()]);
}

/** The size in the largest unit (KB, MB, GB) that divides it evenly, for the language's `size N UNIT`. */
export function sizeToUnit(bytes: number): { value: number; unit: 'KB' | 'MB' | 'GB' } {
    for (const unit of ['GB', 'MB'] as const) {
        if (bytes >= SIZE_UNITS[unit] && bytes % SIZE_UNITS[unit] === 0) return { value: bytes / SIZE_UNITS[unit], unit };
    }
    return { value: bytes / SIZE_UNITS.KB, unit: 'KB' };
}

const ISO_DATE_TIME = /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]+)?)?(Z|[+-]([0-9]{2}):([0-9]{2}))?$/;

/**
 * Whether `text` is an ISO 8601 date-time as the language writes it (`2024-02-15T17:00:00Z`,
 * seconds and zone optional) naming a real moment: month 1-12, a day that exists in that month,
 * hours below 24, minutes and seconds below 60, zone offsets below 24h.
 */
export function isIsoDateTime(text: string): boolean {
    return dateTimeProblem(text) === undefined;
}

/** What is wrong with a date-time, or undefined when it is valid. */
export function dateTimeProblem(text: string): string | undefined {
    const match = ISO_DATE_TIME.exec(text);
    if (!match) return `"${text}" is not an ISO 8601 date-time: write it as 2024-02-15T17:00:00Z`;
    const [year, month, day, hour, minute] = match.slice(1, 6).map(Number);
    const second = match[6] === undefined ? 0 : Number(match[6]);
    if (month < 1 || month > 12) return `"${text}" has month ${month}: months are 01 to 12`;
    const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
    if (day < 1 || day > daysInMonth) return `"${text}" has day ${day}: that month has ${daysInMonth} days`;
    if (hour > 23 || minute > 59 || second > 59) return `"${text}" is not a time of day: hours are 00-23, minutes and seconds 00-59`;
    if (match[8] !== undefined && (Number(match[8]) > 23 || Number(match[9]) > 59)) {
        return `"${text}" has an invalid zone offset: write Z or +hh:mm`;
    }
    return undefined;
}

/** Milliseconds since the epoch; a date-time without a zone is read as UTC, so results never depend on the machine. */
export function parseDateTime(text: string): number {
    const problem = dateTimeProblem(text);
    if (problem) throw new Error(`Invalid date-time: ${problem}.`);
    const zoned = /(Z|[+-][0-9]{2}:[0-9]{2})$/.test(text) ? text : `${text}Z`;
    return Date.parse(zoned);
}

/** `HH:MM` (24 hours), as `repeat daily at "09:00"` writes a time of day. */
export function isTimeOfDay(text: string): boolean {
    const match = /^([0-9]{2}):([0-9]{2})$/.exec(text);
    return match !== null && Number(match[1]) < 24 && Number(match[2]) < 60;
}
