import { describe, expect, it } from 'vitest';
import { linePath, niceCeiling, scale, ticks } from '../src/analytics/chart-geometry.js';

describe('the analytics charts\' axes', () => {
    it.each([[7, 10], [0.87, 1], [1.2, 2], [2.3, 2.5], [4_100, 5_000], [0.3, 0.5], [1_000, 1_000]])('end %s at %s', (value, end) => {
        expect(niceCeiling(value)).toBe(end);
    });

    it('end at 1 when there is nothing to show', () => {
        expect(niceCeiling(0)).toBe(1);
        expect(niceCeiling(Number.NaN)).toBe(1);
    });

    it('put evenly spaced ticks from 0 to the end, each step a round number', () => {
        expect(ticks(50)).toEqual([0, 10, 20, 30, 40, 50]);
        expect(ticks(2.5)).toEqual([0, 0.5, 1, 1.5, 2, 2.5]);
        expect(ticks(1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
        expect(ticks(20)).toEqual([0, 5, 10, 15, 20]);
    });

    it('clamp values to the axis', () => {
        expect(scale(5, 10, 200)).toBe(100);
        expect(scale(12, 10, 200)).toBe(200);
        expect(scale(3, 0, 200)).toBe(0);
    });
});

describe('the analytics charts\' lines', () => {
    it('break where a period has no value, rather than drawing through it', () => {
        expect(linePath([{ x: 0, y: 10 }, { x: 10, y: 20 }, { x: 20, y: undefined }, { x: 30, y: 5 }, { x: 40, y: 6.25 }]))
            .toBe('M0 10 L10 20 M30 5 L40 6.3');
    });
});
