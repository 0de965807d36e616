/**
 * Draws a laid-out graph as SVG: groups (phases, streams) as boxes with their names, edges with
 * arrowheads, and one node per task whose class says its status. Colours come from the theme
 * through CSS (progress.css), so the same SVG fits light, dark and high-contrast themes.
 */
import type { TaskStatus } from '@flow/engine/src/events.js';
import { codiconGlyph, svg } from '../shared/dom.js';
import type { GraphTask, ProgressGraph } from './graph.js';
import { GROUP_LABEL_BASELINE, type GraphLayout } from './layout.js';
import type { TaskView } from './run-state.js';

/** The codicon and the words for each status: the words are in each node's accessible name and tooltip. */
export const STATUS_LOOK: Record<TaskStatus, { icon: string; label: string }> = {
    pending: { icon: 'circle-large-outline', label: 'pending' },
    waiting: { icon: 'clock', label: 'waiting' },
    ready: { icon: 'clock', label: 'queued' },
    running: { icon: 'sync', label: 'running' },
    completed: { icon: 'pass-filled', label: 'completed' },
    failed: { icon: 'error', label: 'failed' },
    skipped: { icon: 'debug-step-over', label: 'skipped' },
    upstream_failed: { icon: 'circle-slash', label: 'upstream failed' },
    cancelled: { icon: 'circle-slash', label: 'cancelled' }
};

const LABEL_CHARS = 22;
/** The smallest scale "fit to width" uses: node labels stay readable (about 9 px). */
const MIN_FIT_SCALE = 0.72;

export class GraphView {
    readonly element: SVGSVGElement;
    private readonly nodes = new Map<string, { group: SVGGElement; icon: SVGTextElement; status: SVGTextElement; title: SVGTitleElement }>();
    private selected?: string;

    private readonly layoutWidth: number;
    private readonly layoutHeight: number;

    constructor(private readonly graph: ProgressGraph, layout: GraphLayout, private readonly onSelect: (task: string) => void) {
        this.layoutWidth = Math.max(1, layout.width);
        this.layoutHeight = Math.max(1, layout.height);
        this.element = svg('svg', {
            class: 'graph', width: Math.ceil(layout.width), height: Math.ceil(layout.height),
            viewBox: `0 0 ${Math.ceil(layout.width)} ${Math.ceil(layout.height)}`, role: 'group', 'aria-label': `Tasks of ${graph.workflow}`
        });
        this.element.append(svg('defs', {}, svg('marker', {
            id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse'
        }, svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrowhead' }))));

        for (const group of layout.groups) {
            this.element.append(svg('g', { class: `cluster cluster-${group.kind}`, 'data-group': group.id },
                svg('rect', { x: group.x, y: group.y, width: group.width, height: group.height, rx: 6 }),
                svg('text', { x: group.x + 10, y: group.y + GROUP_LABEL_BASELINE, class: 'cluster-label' },
                    `${group.kind === 'phase' ? 'phase' : 'stream'} ${group.label}`)));
        }
        const edges = svg('g', { class: 'edges' });
        for (const edge of layout.edges) {
            if (edge.points.length === 0) continue;
            const d = edge.points.map((point, index) => `${index === 0 ? 'M' : 'L'} ${round(point.x)} ${round(point.y)}`).join(' ');
            edges.append(svg('path', { d, class: edge.declared ? 'edge' : 'edge edge-derived', 'marker-end': 'url(#arrow)', 'data-from': edge.from, 'data-to': edge.to }));
        }
        this.element.append(edges);

        const byId = new Map(graph.tasks.map(task => [task.id, task]));
        for (const box of layout.tasks) {
            const task = byId.get(box.id)!;
            const title = svg('title');
            const icon = svg('text', { x: 14, y: 29, class: 'task-icon', 'aria-hidden': 'true' });
            const status = svg('text', { x: 30, y: 36, class: 'task-status' });
            const group = svg('g', {
                class: 'task', transform: `translate(${round(box.x)} ${round(box.y)})`, 'data-task': task.id,
                tabindex: 0, role: 'button'
            },
                title,
                svg('rect', { width: box.width, height: box.height, rx: 4, class: 'task-box' }),
                svg('rect', { width: 4, height: box.height, rx: 2, class: 'task-stripe' }),
                icon,
                svg('text', { x: 30, y: 19, class: 'task-name' }, shorten(task.id)),
                status);
            group.addEventListener('click', () => this.onSelect(task.id));
            group.addEventListener('keydown', event => {
                if (event.key === 'Enter' || event.key === ' ') {
                    event.preventDefault();
                    this.onSelect(task.id);
                }
            });
            this.nodes.set(task.id, { group, icon, status, title });
            this.element.append(group);
        }
    }

    /**
     * Scales the drawing to `width` (fitted) or shows it at its actual size. Fitted, it never
     * grows, and shrinks at most to `MIN_FIT_SCALE`: smaller text cannot be read, and the panel scrolls instead.
     */
    size(width: number | undefined): void {
        const scale = width === undefined ? 1 : Math.min(1, Math.max(MIN_FIT_SCALE, width / this.layoutWidth));
        this.element.setAttribute('width', String(Math.ceil(this.layoutWidth * scale)));
        this.element.setAttribute('height', String(Math.ceil(this.layoutHeight * scale)));
    }

    /** Shows each given task's status on its node. */
    update(tasks: Record<string, TaskView>, ids: Iterable<string> = Object.keys(tasks)): void {
        const byId = new Map(this.graph.tasks.map(task => [task.id, task]));
        for (const id of ids) {
            const node = this.nodes.get(id);
            const view = tasks[id];
            const task = byId.get(id);
            if (!node || !view || !task) continue;
            const look = STATUS_LOOK[view.status];
            node.group.setAttribute('class', `task status-${view.status}${id === this.selected ? ' selected' : ''}`);
            node.group.dataset.status = view.status;
            node.icon.textContent = codiconGlyph(look.icon);
            node.status.textContent = shorten(`${task.type} · ${nodeStatusText(view)}`, 28);
            node.title.textContent = describe(task, view);
            node.group.setAttribute('aria-label', `${task.id}: ${look.label}`);
        }
    }

    select(task: string | undefined): void {
        if (this.selected !== undefined) this.nodes.get(this.selected)?.group.classList.remove('selected');
        this.selected = task;
        if (task !== undefined) this.nodes.get(task)?.group.classList.add('selected');
    }
}

function nodeStatusText(view: TaskView): string {
    const look = STATUS_LOOK[view.status];
    if (view.batch && view.status === 'running') return `${view.batch.done}/${view.batch.total} items`;
    if (view.status === 'running' && view.attempts > 1) return `${look.label} (attempt ${view.attempts})`;
    if (view.status === 'completed' && view.fromCache) return 'completed (cached)';
    return look.label;
}

function describe(task: GraphTask, view: TaskView): string {
    return [`${task.id}: ${STATUS_LOOK[view.status].label}`, task.description, `${task.type}, priority ${task.priority}`]
        .filter(Boolean).join('\n');
}

function shorten(text: string, chars = LABEL_CHARS): string {
    return text.length > chars ? `${text.slice(0, chars - 1)}…` : text;
}

function round(value: number): number {
    return Math.round(value * 10) / 10;
}
