import { describe, expect, it } from 'vitest';
import { layoutGraph, type Box } from '../src/progress/layout.js';
import { graph, graphTask } from './fixtures.js';

function inside(inner: Box, outer: Box): boolean {
    return inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.width <= outer.x + outer.width && inner.y + inner.height <= outer.y + outer.height;
}

function box(layout: ReturnType<typeof layoutGraph>, id: string): Box {
    const found = layout.tasks.find(task => task.id === id) ?? layout.groups.find(group => group.id === id);
    if (!found) throw new Error(`no box ${id}`);
    return found;
}

describe('layoutGraph', () => {
    it('puts a task to the right of the task it waits for', () => {
        const layout = layoutGraph(graph([graphTask('build'), graphTask('test', { dependencies: ['build'], declared: ['build'] })]));
        const build = box(layout, 'build');
        expect(box(layout, 'test').x).toBeGreaterThan(build.x + build.width);
    });

    it('draws a dependency as an edge from the upstream task to the downstream one', () => {
        const layout = layoutGraph(graph([graphTask('build'), graphTask('test', { dependencies: ['build'], declared: ['build'] })]));
        expect(layout.edges).toHaveLength(1);
        const [edge] = layout.edges;
        const build = box(layout, 'build');
        const test = box(layout, 'test');
        expect(edge).toMatchObject({ from: 'build', to: 'test', declared: true });
        expect(edge.points[0].x).toBeCloseTo(build.x + build.width, 0);
        expect(edge.points.at(-1)!.x).toBeCloseTo(test.x, 0);
    });

    it('tells a dependency written with `after` from one that phase order adds', () => {
        const layout = layoutGraph(graph([graphTask('a'), graphTask('b', { dependencies: ['a'], declared: [] })]));
        expect(layout.edges[0].declared).toBe(false);
    });

    it('keeps tasks apart', () => {
        const layout = layoutGraph(graph([graphTask('a'), graphTask('b'), graphTask('c', { dependencies: ['a', 'b'] })]));
        const [a, b] = [box(layout, 'a'), box(layout, 'b')];
        const overlap = a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
        expect(overlap).toBe(false);
    });

    it('draws a phase around its tasks and a stream inside its phase around its own', () => {
        const layout = layoutGraph(graph(
            [
                graphTask('spec', { phase: 'dev', stream: 'product' }),
                graphTask('plan', { phase: 'dev', stream: 'marketing' }),
                graphTask('ship', { dependencies: ['spec', 'plan'] })
            ],
            [
                { id: 'phase:dev', kind: 'phase', label: 'dev' },
                { id: 'stream:dev/product', kind: 'stream', label: 'product', parent: 'phase:dev' },
                { id: 'stream:dev/marketing', kind: 'stream', label: 'marketing', parent: 'phase:dev' }
            ]));
        expect(inside(box(layout, 'spec'), box(layout, 'stream:dev/product'))).toBe(true);
        expect(inside(box(layout, 'plan'), box(layout, 'stream:dev/marketing'))).toBe(true);
        expect(inside(box(layout, 'stream:dev/product'), box(layout, 'phase:dev'))).toBe(true);
        expect(inside(box(layout, 'ship'), box(layout, 'phase:dev'))).toBe(false);
        // Drawn in order, each stream lies over its phase.
        expect(layout.groups.map(group => group.kind)).toEqual(['phase', 'stream', 'stream']);
    });

    it('leaves room in a group above its first row for its label', () => {
        const layout = layoutGraph(graph([graphTask('spec', { phase: 'dev' })], [{ id: 'phase:dev', kind: 'phase', label: 'dev' }]));
        expect(box(layout, 'spec').y - box(layout, 'phase:dev').y).toBeGreaterThanOrEqual(20);
    });

    it('draws no edge for a dependency the graph does not list', () => {
        const layout = layoutGraph(graph([graphTask('test', { dependencies: ['gone'] })]));
        expect(layout.edges).toEqual([]);
        expect(layout.tasks.map(task => task.id)).toEqual(['test']);
    });

    it('makes the drawing as large as what it holds', () => {
        const layout = layoutGraph(graph([graphTask('a'), graphTask('b', { dependencies: ['a'] })]));
        for (const task of layout.tasks) {
            expect(task.x + task.width).toBeLessThanOrEqual(layout.width);
            expect(task.y + task.height).toBeLessThanOrEqual(layout.height);
        }
    });
});
