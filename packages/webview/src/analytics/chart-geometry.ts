/**
 * The arithmetic of the analytics charts, apart from the DOM so that it is tested on its own:
 * round axis ends and ticks, and line paths that break where a value is missing.
 */

/** The smallest "round" number (1, 2, 2.5 or 5 times a power of ten) at or above `value`; 1 for nothing to show. */
export function niceCeiling(value: number): number {
    if (!(value > 0) || !Number.isFinite(value)) return 1;
    const power = 10 ** Math.floor(Math.log10(value));
    for (const step of [1, 2, 2.5, 5, 10]) {
        const candidate = step * power;
        // Floating point: 0.3 / 0.1 is 2.9999999999999996.
        if (candidate >= value * (1 - 1e-12)) return Number(candidate.toPrecision(12));
    }
    return 10 * power;
}

/**
 * Evenly spaced ticks from 0 to `max` (both included), as many (3 to 6) as make each step a
 * round number: 0, 10, 20 … 50 rather than 0, 12.5, 25 … 50.
 */
export function ticks(max: number): number[] {
    const count = [5, 4, 3, 2].find(candidate => niceCeiling(max / candidate) === Number((max / candidate).toPrecision(12))) ?? 4;
    return Array.from({ length: count + 1 }, (_, index) => Number(((max * index) / count).toPrecision(12)));
}

export interface Point {
    x: number;
    /** Undefined where the series has no value (a day without finished tasks): the line breaks there. */
    y: number | undefined;
}

/** An SVG path through the points, one `M … L …` segment per run of points that have a value. */
export function linePath(points: readonly Point[]): string {
    const segments: string[] = [];
    let current: string[] = [];
    for (const point of points) {
        if (point.y === undefined) {
            if (current.length > 0) segments.push(current.join(' '));
            current = [];
            continue;
        }
        current.push(`${current.length === 0 ? 'M' : 'L'}${round(point.x)} ${round(point.y)}`);
    }
    if (current.length > 0) segments.push(current.join(' '));
    return segments.join(' ');
}

/** Where `value` (0..max) falls on an axis of `length` pixels; 0 stays 0. */
export function scale(value: number, max: number, length: number): number {
    return max <= 0 ? 0 : (Math.max(0, Math.min(value, max)) / max) * length;
}

function round(value: number): number {
    return Math.round(value * 10) / 10;
}
