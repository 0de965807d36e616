/**
 * Lays a workflow's graph out with dagre (layered, left to right: dependencies before the tasks
 * that wait on them), phases and streams as clusters around their tasks. Pure: positions in,
 * positions out, so it is unit-tested and the renderer only draws what it is given.
 */
import dagre, { type EdgeLabel } from '@dagrejs/dagre';
import { groupOf, type ProgressGraph } from './graph.js';

export interface Box {
    x: number;
    y: number;
    width: number;
    height: number;
}

export interface PositionedTask extends Box {
    id: string;
}

export interface PositionedGroup extends Box {
    id: string;
    kind: 'phase' | 'stream';
    label: string;
}

export interface PositionedEdge {
    from: string;
    to: string;
    /** Written with `after` (drawn solid), or derived from phase and stream order (dashed). */
    declared: boolean;
    points: { x: number; y: number }[];
}

export interface GraphLayout {
    width: number;
    height: number;
    /** Top-left corners, in the graph's declaration order. */
    tasks: PositionedTask[];
    /** Outer groups first, so that drawing in order puts streams over their phases. */
    groups: PositionedGroup[];
    edges: PositionedEdge[];
}

export const NODE_WIDTH = 184;
export const NODE_HEIGHT = 46;
/**
 * dagre keeps `edgesep` between a cluster's border and a nested cluster's, and between sibling
 * clusters, and (edgesep + nodesep) / 2 between a border and a task: wide enough here for a
 * group's label to sit inside its box above its first row, where nothing else is drawn.
 */
const SPACING = { nodesep: 20, ranksep: 56, edgesep: 28 };
/** How far below a group's top edge its label's baseline sits: inside the padding above. */
export const GROUP_LABEL_BASELINE = 17;
const MARGIN = 16;

export function layoutGraph(graph: ProgressGraph): GraphLayout {
    const g = new dagre.graphlib.Graph({ compound: true, multigraph: false });
    g.setGraph({ rankdir: 'LR', ...SPACING, marginx: MARGIN, marginy: MARGIN });
    g.setDefaultEdgeLabel(() => ({}));
    const groupIds = new Set(graph.groups.map(group => group.id));
    for (const group of graph.groups) g.setNode(group.id, { width: 0, height: 0 });
    for (const group of graph.groups) if (group.parent !== undefined && groupIds.has(group.parent)) g.setParent(group.id, group.parent);
    const ids = new Set(graph.tasks.map(task => task.id));
    for (const task of graph.tasks) {
        g.setNode(nodeId(task.id), { width: NODE_WIDTH, height: NODE_HEIGHT });
        const group = groupOf(task);
        if (group !== undefined && groupIds.has(group)) g.setParent(nodeId(task.id), group);
    }
    for (const task of graph.tasks) {
        for (const dependency of task.dependencies) {
            // A dependency the model does not list cannot be drawn; the validator reports such files.
            if (ids.has(dependency) && dependency !== task.id) g.setEdge(nodeId(dependency), nodeId(task.id));
        }
    }
    dagre.layout(g);

    const tasks = graph.tasks.map((task): PositionedTask => {
        const node = g.node(nodeId(task.id));
        return { id: task.id, x: node.x! - node.width / 2, y: node.y! - node.height / 2, width: node.width, height: node.height };
    });
    const groups = graph.groups
        .filter(group => (g.children(group.id) ?? []).length > 0)
        .map((group): PositionedGroup => {
            const node = g.node(group.id);
            return { id: group.id, kind: group.kind, label: group.label, x: node.x! - node.width / 2, y: node.y! - node.height / 2, width: node.width, height: node.height };
        })
        // Streams nest only in phases: phases first, so each stream is drawn over its phase.
        .sort((a, b) => Number(a.kind === 'stream') - Number(b.kind === 'stream'));
    const declared = new Map(graph.tasks.map(task => [task.id, new Set(task.declared)]));
    const edges = g.edges().map((edge): PositionedEdge => {
        const from = taskIdOf(edge.v);
        const to = taskIdOf(edge.w);
        return { from, to, declared: declared.get(to)?.has(from) ?? false, points: ((g.edge(edge) as EdgeLabel).points ?? []).map(({ x, y }) => ({ x, y })) };
    });
    const size = g.graph();
    return { width: size.width ?? 0, height: size.height ?? 0, tasks, groups, edges };
}

function nodeId(task: string): string {
    return `task:${task}`;
}

function taskIdOf(node: string): string {
    return node.slice('task:'.length);
}
