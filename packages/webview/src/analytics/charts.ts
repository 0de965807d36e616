/**
 * The analytics panel's charts, drawn as SVG by this code: horizontal bars (a metric per task
 * type, agent, priority or workflow), stacked columns and lines (trends by day or week). No
 * chart library: these three shapes are a few dozen lines each, and drawing them here keeps
 * every colour in the stylesheet (theme variables) and every size in SVG attributes, so the
 * page needs no inline style under its content security policy. Each chart is an `img` for
 * screen readers, labelled with what it shows; the tables below the charts hold the same numbers.
 */
import { h, svg } from '../shared/dom.js';
import { linePath, niceCeiling, scale, ticks } from './chart-geometry.js';

export interface Series {
    name: string;
    /** The CSS class that colours it (`series-p50`, `series-completed`). */
    className: string;
}

export interface Chart {
    element: HTMLElement;
}

const WIDTH = 560;

/** A chart's frame: its title, the SVG and a legend of its series. */
function frame(title: string, description: string, drawing: SVGSVGElement, series: readonly Series[]): HTMLElement {
    drawing.setAttribute('role', 'img');
    drawing.setAttribute('aria-label', `${title}: ${description}`);
    drawing.prepend(svg('title', {}, `${title}: ${description}`));
    return h('figure', { class: 'chart', attrs: { 'data-chart': title } },
        h('figcaption', { text: title }),
        drawing,
        series.length > 1 ? h('div', { class: 'chart-legend' }, ...series.map(entry =>
            h('span', { class: `legend-entry ${entry.className}` }, h('span', { class: 'swatch' }), entry.name))) : undefined);
}

export interface BarRow {
    label: string;
    /** One value per series; null where there is none (no completed task of that type). */
    values: ReadonlyArray<number | null>;
}

/**
 * One row per group, one bar per series (p50 and p95, say), the value written at the bar's end.
 * `max` fixes the axis (1 for rates); otherwise it is a round number above the largest value.
 */
export function barChart(title: string, rows: readonly BarRow[], series: readonly Series[], format: (value: number) => string, max?: number): HTMLElement {
    const labelWidth = 150;
    const valueWidth = 72;
    const barHeight = 11;
    const barGap = 3;
    const rowGap = 12;
    const top = 6;
    const axis = 18;
    const plot = WIDTH - labelWidth - valueWidth;
    const rowHeight = series.length * barHeight + (series.length - 1) * barGap;
    const largest = Math.max(0, ...rows.flatMap(row => row.values.map(value => value ?? 0)));
    const end = max ?? niceCeiling(largest);
    const height = top + rows.length * (rowHeight + rowGap) + axis;
    const drawing = svg('svg', { class: 'chart-svg', viewBox: `0 0 ${WIDTH} ${height}`, width: '100%', preserveAspectRatio: 'xMinYMin meet' });
    const grid = svg('g', { class: 'grid' });
    for (const tick of ticks(end)) {
        const x = labelWidth + scale(tick, end, plot);
        grid.append(svg('line', { x1: x, x2: x, y1: top - 2, y2: height - axis }),
            svg('text', { class: 'tick', x, y: height - 4, 'text-anchor': 'middle' }, format(tick)));
    }
    drawing.append(grid);
    rows.forEach((row, rowIndex) => {
        const y = top + rowIndex * (rowHeight + rowGap);
        drawing.append(svg('text', { class: 'row-label', x: labelWidth - 8, y: y + rowHeight / 2, 'text-anchor': 'end', 'dominant-baseline': 'middle' },
            svg('title', {}, row.label), truncate(row.label, 22)));
        row.values.forEach((value, index) => {
            const barY = y + index * (barHeight + barGap);
            const group = svg('g', { class: `bar ${series[index].className}`, 'data-series': series[index].name, 'data-label': row.label });
            if (value === null) {
                group.append(svg('text', { class: 'bar-value muted-text', x: labelWidth + 4, y: barY + barHeight / 2, 'dominant-baseline': 'middle' }, '–'));
            } else {
                const width = Math.max(1, scale(value, end, plot));
                group.append(
                    svg('rect', { x: labelWidth, y: barY, width, height: barHeight, rx: 2 }, svg('title', {}, `${row.label}, ${series[index].name}: ${format(value)}`)),
                    svg('text', { class: 'bar-value', x: labelWidth + width + 5, y: barY + barHeight / 2, 'dominant-baseline': 'middle' }, format(value)));
            }
            drawing.append(group);
        });
    });
    return frame(title, rows.map(row => `${row.label} ${row.values.map((value, index) => `${series[index].name} ${value === null ? 'none' : format(value)}`).join(', ')}`).join('; '),
        drawing, series);
}

export interface Column {
    label: string;
    /** One part per series, stacked from the bottom. */
    parts: readonly number[];
}

/** Stacked columns over periods (runs per day: completed, failed, other). */
export function columnChart(title: string, columns: readonly Column[], series: readonly Series[], format: (value: number) => string): HTMLElement {
    const { drawing, x, y, step } = axes(columns.map(column => column.label), niceCeiling(Math.max(0, ...columns.map(column => sum(column.parts)))), format);
    const width = Math.max(2, Math.min(28, step * 0.7));
    columns.forEach((column, index) => {
        let base = 0;
        column.parts.forEach((part, partIndex) => {
            if (part <= 0) return;
            const top = y(base + part);
            drawing.append(svg('rect', {
                class: `column ${series[partIndex].className}`, x: x(index) - width / 2, y: top, width, height: y(base) - top,
                'data-series': series[partIndex].name, 'data-label': column.label
            }, svg('title', {}, `${column.label}, ${series[partIndex].name}: ${format(part)}`)));
            base += part;
        });
    });
    return frame(title, columns.map(column => `${column.label} ${column.parts.map((part, index) => `${series[index].name} ${format(part)}`).join(', ')}`).join('; '),
        drawing, series);
}

export interface LineSeries extends Series {
    values: ReadonlyArray<number | null>;
}

/** Lines over periods (completion time p50 and p95 per day); a period without a value breaks the line. */
export function lineChart(title: string, labels: readonly string[], lines: readonly LineSeries[], format: (value: number) => string, max?: number): HTMLElement {
    const end = max ?? niceCeiling(Math.max(0, ...lines.flatMap(line => line.values.map(value => value ?? 0))));
    const { drawing, x, y } = axes(labels, end, format);
    for (const line of lines) {
        const points = line.values.map((value, index) => ({ x: x(index), y: value === null ? undefined : y(value) }));
        const group = svg('g', { class: `line ${line.className}`, 'data-series': line.name },
            svg('path', { d: linePath(points) }));
        line.values.forEach((value, index) => {
            if (value === null) return;
            group.append(svg('circle', { cx: x(index), cy: y(value), r: 3 }, svg('title', {}, `${labels[index]}, ${line.name}: ${format(value)}`)));
        });
        drawing.append(group);
    }
    return frame(title, lines.map(line => `${line.name}: ${line.values.map((value, index) => `${labels[index]} ${value === null ? 'none' : format(value)}`).join(', ')}`).join('; '),
        drawing, lines);
}

/** The frame of a chart over periods: a value axis on the left with gridlines, period labels below. */
function axes(labels: readonly string[], end: number, format: (value: number) => string) {
    const height = 170;
    const plotLeft = 56;
    const plotRight = WIDTH - 12;
    const top = 10;
    const bottom = height - 24;
    const drawing = svg('svg', { class: 'chart-svg', viewBox: `0 0 ${WIDTH} ${height}`, width: '100%', preserveAspectRatio: 'xMinYMin meet' });
    const step = (plotRight - plotLeft) / Math.max(1, labels.length);
    const x = (index: number): number => plotLeft + step * (index + 0.5);
    const y = (value: number): number => bottom - scale(value, end, bottom - top);
    const grid = svg('g', { class: 'grid' });
    for (const tick of ticks(end)) {
        grid.append(svg('line', { x1: plotLeft, x2: plotRight, y1: y(tick), y2: y(tick) }),
            svg('text', { class: 'tick', x: plotLeft - 6, y: y(tick), 'text-anchor': 'end', 'dominant-baseline': 'middle' }, format(tick)));
    }
    // As many period labels as fit without overlapping (about 64 px each), always the last one.
    const every = Math.max(1, Math.ceil(64 / step));
    labels.forEach((label, index) => {
        if (index % every !== 0 && index !== labels.length - 1) return;
        grid.append(svg('text', { class: 'tick', x: x(index), y: height - 6, 'text-anchor': 'middle' }, label));
    });
    drawing.append(grid);
    return { drawing, x, y, step };
}

function sum(values: readonly number[]): number {
    return values.reduce((total, value) => total + value, 0);
}

function truncate(text: string, length: number): string {
    return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}
