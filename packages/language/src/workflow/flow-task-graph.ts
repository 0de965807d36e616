import { AstUtils, type AstNode, DocumentCache, DocumentState } from 'langium';
import type { FlowServices } from '../flow-module.js';
import * as ast from '../generated/ast.js';

/** Why one task waits for another. */
export type DependencyOrigin =
    /** Written with `after`. */
    | 'declared'
    /** Derived from `phase X after Y`, or from the order of a `sequential` phase. */
    | 'phase'
    /** Derived from the order of a `sequential` stream. */
    | 'stream';

/** A direct dependency of a task, written or derived. */
export interface Dependency {
    name: string;
    origin: DependencyOrigin;
    task: ast.Schedulable;
}

/** Where an edge is written: a node's property (with the index for lists), for diagnostics. */
export interface EdgeSource {
    node: AstNode;
    property: string;
    index?: number;
}

/** A written edge on a dependency cycle. */
export interface CycleEdge {
    origin: DependencyOrigin;
    source: EdgeSource;
}

/** A dependency cycle, as found in one workflow. */
export interface DependencyCycle {
    /**
     * The cycle in execution order, closed: `['a', 'b', 'a']` when `b` waits for `a` and `a`
     * for `b`. A phase or stream whose ordering is part of the cycle shows as `phase X`.
     */
    path: string[];
    /** The written edges that make up the cycle (each `after`, phase `after` or `sequential`). */
    edges: CycleEdge[];
}

/** The kind of a graph node: a task (or batch), or a virtual node of a phase or stream. */
const enum NodeKind {
    Task,
    /** Reached when a group may start: its tasks wait for it; it waits for earlier phases and elements. */
    Start,
    /** Reached when every task of a group is done. */
    Done
}

/** An edge from a node to a node it waits for; `member` edges are structural and written nowhere. */
interface Edge {
    to: number;
    origin: DependencyOrigin | 'member';
    source?: EdgeSource;
}

/** A phase or a stream. */
interface Group {
    node: ast.Phase | ast.Stream;
    parent?: Group;
    start: number;
    done: number;
    /** Tasks directly in the group, in declaration order. */
    tasks: number[];
    streams: Group[];
}

/** How many cycles are described per workflow at most; beyond that the rest is noise. */
const MAX_CYCLES = 200;

/**
 * The dependency graph of one workflow, built once per document and asked questions by the
 * validator, hover and the compiler.
 *
 * Tasks and batches are nodes. Phases and streams get two virtual nodes each, `start` and `done`,
 * so that `phase B after A` costs one edge (start(B) waits for done(A)) instead of |A| x |B|, while
 * cycles through phase ordering are still cycles of the graph. Every algorithm is iterative, so a
 * chain of 10,000 tasks cannot overflow the stack.
 */
export class WorkflowTaskGraph {
    /** Every task and batch of the workflow, in declaration order. */
    readonly tasks: readonly ast.Schedulable[];
    private readonly taskIndex = new Map<ast.Schedulable, number>();
    private readonly tasksByName = new Map<string, ast.Schedulable>();
    private readonly kinds: NodeKind[] = [];
    private readonly nodeGroup: Array<Group | undefined> = [];
    private readonly out: Edge[][] = [];
    private readonly groups = new Map<ast.Phase | ast.Stream, Group>();
    private readonly innermostGroup: Array<Group | undefined> = [];
    private readonly exitsCache = new Map<Group, number[]>();
    private cyclesCache?: DependencyCycle[];
    private dependentsCache?: Array<ast.Schedulable[]>;
    private dependencyCache = new Map<number, Dependency[]>();

    constructor(readonly workflow: ast.Workflow) {
        const tasks: ast.Schedulable[] = [];
        this.tasks = tasks;
        this.collect(workflow, tasks);
        this.addDeclaredEdges();
        this.addStructuralEdges();
    }

    /** The task or batch with this name (the first one declared, if the name is duplicated). */
    taskNamed(name: string): ast.Schedulable | undefined {
        return this.tasksByName.get(name);
    }

    /** Every task the given one transitively waits for, in no particular order. */
    upstream(task: ast.Schedulable): ast.Schedulable[] {
        const start = this.taskIndex.get(task);
        if (start === undefined) return [];
        const result: ast.Schedulable[] = [];
        this.search(start, node => {
            if (this.kinds[node] === NodeKind.Task) result.push(this.tasks[node]);
            return false;
        });
        return result;
    }

    /** Whether `task` transitively waits for `candidate`. */
    isUpstream(task: ast.Schedulable, candidate: ast.Schedulable): boolean {
        const start = this.taskIndex.get(task);
        const target = this.taskIndex.get(candidate);
        if (start === undefined || target === undefined) return false;
        return this.search(start, node => node === target);
    }

    /**
     * The tasks the given one directly waits for, each once, with why. A derived dependency on a
     * whole phase or stream names its exit tasks (those nothing else in the group waits for); the
     * group's other tasks are upstream of them. A written `after` wins over a derived origin.
     */
    dependenciesOf(task: ast.Schedulable): Dependency[] {
        const index = this.taskIndex.get(task);
        if (index === undefined) return [];
        const cached = this.dependencyCache.get(index);
        if (cached) return cached;
        const origins = new Map<number, DependencyOrigin>();
        const visitedVirtual = new Set<number>();
        const add = (target: number, origin: DependencyOrigin) => {
            const known = origins.get(target);
            if (known === undefined || (origin === 'declared' && known !== 'declared')) origins.set(target, origin);
        };
        // Virtual nodes are expanded with an explicit stack of (node, origin so far).
        const pending: Array<[number, DependencyOrigin | undefined]> = [];
        for (const edge of this.out[index]) pending.push([edge.to, edge.origin === 'member' ? undefined : edge.origin]);
        while (pending.length > 0) {
            const [node, origin] = pending.pop()!;
            const kind = this.kinds[node];
            if (kind === NodeKind.Task) {
                add(node, origin ?? 'phase');
                continue;
            }
            if (visitedVirtual.has(node)) continue;
            visitedVirtual.add(node);
            if (kind === NodeKind.Done) {
                const exits = this.exitsOf(this.nodeGroup[node]!);
                if (exits.length > 0) {
                    for (const exit of exits) add(exit, origin ?? 'phase');
                    continue;
                }
            }
            // A start node, or the done node of an empty group (which is done when it may start).
            for (const edge of this.out[node]) {
                if (this.kinds[edge.to] === NodeKind.Task && kind === NodeKind.Done) continue;
                pending.push([edge.to, origin ?? (edge.origin === 'member' ? undefined : edge.origin)]);
            }
        }
        const result = [...origins].map(([target, origin]) => ({ name: this.tasks[target].name, origin, task: this.tasks[target] }));
        this.dependencyCache.set(index, result);
        return result;
    }

    /** The tasks that directly wait for the given one (the inverse of {@link dependenciesOf}). */
    dependents(task: ast.Schedulable): ast.Schedulable[] {
        if (!this.dependentsCache) {
            const dependents: Array<ast.Schedulable[]> = this.tasks.map(() => []);
            for (const dependent of this.tasks) {
                for (const dependency of this.dependenciesOf(dependent)) {
                    dependents[this.taskIndex.get(dependency.task)!].push(dependent);
                }
            }
            this.dependentsCache = dependents;
        }
        const index = this.taskIndex.get(task);
        return index === undefined ? [] : this.dependentsCache[index];
    }

    /**
     * The dependency cycles of the workflow: every written edge that lies on a cycle is on at
     * least one of them. Self-dependencies are cycles of one edge.
     */
    cycles(): DependencyCycle[] {
        this.cyclesCache ??= this.findCycles();
        return this.cyclesCache;
    }

    // -----------------------------------------------------------------------------------------
    // Construction

    private addNode(kind: NodeKind, group?: Group): number {
        this.kinds.push(kind);
        this.nodeGroup.push(group);
        this.out.push([]);
        return this.kinds.length - 1;
    }

    private addTask(task: ast.Schedulable, tasks: ast.Schedulable[], group?: Group): void {
        // Tasks take the first node indices, so a node index below tasks.length is a task index.
        const index = this.addNode(NodeKind.Task, group);
        tasks.push(task);
        this.taskIndex.set(task, index);
        this.innermostGroup.push(group);
        group?.tasks.push(index);
        if (task.name !== undefined && !this.tasksByName.has(task.name)) this.tasksByName.set(task.name, task);
    }

    private collect(workflow: ast.Workflow, tasks: ast.Schedulable[]): void {
        for (const member of workflow.members ?? []) {
            if (isSchedulable(member)) {
                this.addTask(member, tasks);
            } else if (ast.isPhase(member)) {
                const phaseGroup = this.createGroup(member);
                for (const phaseMember of member.members ?? []) {
                    if (isSchedulable(phaseMember)) {
                        this.addTask(phaseMember, tasks, phaseGroup);
                    } else if (ast.isStream(phaseMember)) {
                        const streamGroup = this.createGroup(phaseMember, phaseGroup);
                        phaseGroup.streams.push(streamGroup);
                        for (const element of phaseMember.elements ?? []) {
                            if (isSchedulable(element)) this.addTask(element, tasks, streamGroup);
                        }
                    }
                }
            }
        }
        // Virtual nodes get their indices after all tasks.
        for (const group of this.groups.values()) {
            group.start = this.addNode(NodeKind.Start, group);
            group.done = this.addNode(NodeKind.Done, group);
        }
    }

    private createGroup(node: ast.Phase | ast.Stream, parent?: Group): Group {
        const group: Group = { node, parent, start: -1, done: -1, tasks: [], streams: [] };
        this.groups.set(node, group);
        return group;
    }

    private addEdge(from: number, to: number, origin: Edge['origin'], source?: EdgeSource): void {
        this.out[from].push({ to, origin, source });
    }

    private addDeclaredEdges(): void {
        this.tasks.forEach((task, index) => {
            this.addAfterEdges(index, task, task.after);
            for (const member of task.members ?? []) {
                if (ast.isTaskAfter(member)) this.addAfterEdges(index, member, member.after);
            }
        });
    }

    private addAfterEdges(from: number, node: AstNode, references: ast.Task['after'] | undefined): void {
        (references ?? []).forEach((reference, index) => {
            const target = reference?.ref;
            const to = target ? this.taskIndex.get(target) : undefined;
            if (to !== undefined) this.addEdge(from, to, 'declared', { node, property: 'after', index });
        });
    }

    private addStructuralEdges(): void {
        for (const group of this.groups.values()) {
            for (const task of group.tasks) {
                this.addEdge(task, group.start, 'member');
                this.addEdge(group.done, task, 'member');
            }
            for (const stream of group.streams) {
                this.addEdge(stream.start, group.start, 'member');
                this.addEdge(group.done, stream.done, 'member');
            }
            // A group is done only once it may start, so empty groups keep orderings transitive.
            this.addEdge(group.done, group.start, 'member');
            const node = group.node;
            if (ast.isPhase(node)) {
                (node.after ?? []).forEach((reference, index) => {
                    const earlier = reference?.ref ? this.groups.get(reference.ref) : undefined;
                    if (earlier) this.addEdge(group.start, earlier.done, 'phase', { node, property: 'after', index });
                });
            }
            if (node.mode === 'sequential') this.chain(group);
        }
    }

    /** A sequential group: each element waits for the one before it (a stream counts as one). */
    private chain(group: Group): void {
        const node = group.node;
        const origin: DependencyOrigin = ast.isPhase(node) ? 'phase' : 'stream';
        const source: EdgeSource = { node, property: 'mode' };
        const members = ast.isPhase(node) ? node.members ?? [] : node.elements ?? [];
        let previous: number | undefined;
        for (const member of members) {
            let first: number | undefined;
            let last: number | undefined;
            if (isSchedulable(member)) {
                first = last = this.taskIndex.get(member);
            } else if (ast.isStream(member)) {
                const stream = this.groups.get(member);
                // Empty streams are left out of the chain: they hold nothing to wait for.
                if (stream && stream.tasks.length > 0) {
                    first = stream.start;
                    last = stream.done;
                }
            }
            if (first === undefined || last === undefined) continue;
            if (previous !== undefined) this.addEdge(first, previous, origin, source);
            previous = last;
        }
    }

    // -----------------------------------------------------------------------------------------
    // Queries

    /**
     * Breadth-first search along dependencies from `start` (excluded unless reached again);
     * stops and returns true as soon as `found` returns true for a node.
     */
    private search(start: number, found: (node: number) => boolean): boolean {
        const visited = new Uint8Array(this.kinds.length);
        const queue: number[] = [start];
        for (let head = 0; head < queue.length; head++) {
            for (const edge of this.out[queue[head]]) {
                if (visited[edge.to]) continue;
                visited[edge.to] = 1;
                if (found(edge.to)) return true;
                queue.push(edge.to);
            }
        }
        return false;
    }

    /** Whether a task lies in the group, directly or in one of its streams. */
    private inGroup(task: number, group: Group): boolean {
        const innermost = this.innermostGroup[task];
        return innermost === group || innermost?.parent === group;
    }

    private tasksOf(group: Group): number[] {
        return [...group.tasks, ...group.streams.flatMap(stream => stream.tasks)];
    }

    /**
     * The tasks of a group that no other task of the group waits for, in declaration order. Only
     * edges inside the group count; phase orderings point outside it. Streams have no nested
     * groups, so the recursion into a phase's streams ends there.
     */
    private exitsOf(group: Group): number[] {
        const cached = this.exitsCache.get(group);
        if (cached) return cached;
        const members = this.tasksOf(group);
        const consumed = new Set<number>();
        const interior = [...members, ...group.streams.map(stream => stream.start)];
        for (const node of interior) {
            for (const edge of this.out[node]) {
                if (edge.origin === 'member') continue;
                const kind = this.kinds[edge.to];
                if (kind === NodeKind.Task && this.inGroup(edge.to, group)) {
                    consumed.add(edge.to);
                } else if (kind === NodeKind.Done) {
                    const inner = this.nodeGroup[edge.to]!;
                    if (inner.parent === group) for (const exit of this.exitsOf(inner)) consumed.add(exit);
                }
            }
        }
        let exits = members.filter(task => !consumed.has(task));
        // Only a cycle inside the group leaves no exit; then every task stands for the group.
        if (exits.length === 0) exits = members;
        exits.sort((a, b) => a - b);
        this.exitsCache.set(group, exits);
        return exits;
    }

    // -----------------------------------------------------------------------------------------
    // Cycles

    private findCycles(): DependencyCycle[] {
        const component = this.stronglyConnectedComponents();
        const covered = new Set<Edge>();
        const cycles: DependencyCycle[] = [];
        for (let from = 0; from < this.out.length && cycles.length < MAX_CYCLES; from++) {
            for (const edge of this.out[from]) {
                if (!edge.source || covered.has(edge)) continue;
                if (component[from] < 0 || component[edge.to] !== component[from]) continue;
                const path = this.shortestPath(edge.to, from, component);
                if (!path) continue;
                const edges = [edge, ...path];
                for (const onCycle of edges) covered.add(onCycle);
                cycles.push(this.describeCycle(from, edges));
                if (cycles.length >= MAX_CYCLES) break;
            }
        }
        return cycles;
    }

    /**
     * Tarjan's algorithm with an explicit stack. Nodes on no cycle get component -1; the nodes
     * of each component with more than one node, or with a self-loop, share a number >= 0.
     */
    private stronglyConnectedComponents(): Int32Array {
        const count = this.out.length;
        const order = new Int32Array(count).fill(-1);
        const low = new Int32Array(count);
        const onStack = new Uint8Array(count);
        const component = new Int32Array(count).fill(-1);
        const stack: number[] = [];
        const callStack: Array<[node: number, nextEdge: number]> = [];
        let counter = 0;
        let components = 0;
        for (let root = 0; root < count; root++) {
            if (order[root] !== -1) continue;
            callStack.push([root, 0]);
            order[root] = low[root] = counter++;
            stack.push(root);
            onStack[root] = 1;
            while (callStack.length > 0) {
                const frame = callStack[callStack.length - 1];
                const [node, nextEdge] = frame;
                const edges = this.out[node];
                if (nextEdge < edges.length) {
                    frame[1]++;
                    const target = edges[nextEdge].to;
                    if (order[target] === -1) {
                        order[target] = low[target] = counter++;
                        stack.push(target);
                        onStack[target] = 1;
                        callStack.push([target, 0]);
                    } else if (onStack[target]) {
                        low[node] = Math.min(low[node], order[target]);
                    }
                    continue;
                }
                callStack.pop();
                if (callStack.length > 0) {
                    const parent = callStack[callStack.length - 1][0];
                    low[parent] = Math.min(low[parent], low[node]);
                }
                if (low[node] !== order[node]) continue;
                const members: number[] = [];
                let member: number;
                do {
                    member = stack.pop()!;
                    onStack[member] = 0;
                    members.push(member);
                } while (member !== node);
                const selfLoop = members.length === 1 && edges.some(edge => edge.to === node);
                if (members.length > 1 || selfLoop) {
                    for (const m of members) component[m] = components;
                    components++;
                }
            }
        }
        return component;
    }

    /** The shortest path of edges from `from` to `to` inside one component (empty if equal). */
    private shortestPath(from: number, to: number, component: Int32Array): Edge[] | undefined {
        if (from === to) return [];
        const previous = new Map<number, { node: number; edge: Edge }>();
        const queue = [from];
        previous.set(from, { node: -1, edge: undefined as unknown as Edge });
        for (let head = 0; head < queue.length; head++) {
            const node = queue[head];
            for (const edge of this.out[node]) {
                if (previous.has(edge.to) || component[edge.to] !== component[from]) continue;
                previous.set(edge.to, { node, edge });
                if (edge.to === to) {
                    const path: Edge[] = [];
                    let current = to;
                    while (current !== from) {
                        const step = previous.get(current)!;
                        path.push(step.edge);
                        current = step.node;
                    }
                    return path.reverse();
                }
                queue.push(edge.to);
            }
        }
        return undefined;
    }

    /**
     * Describes a cycle given as edges in dependency direction, the first leaving `first`. The
     * path is shown in execution order: tasks by name, and a phase or stream whose start is on
     * the cycle as `phase X` / `stream X`.
     */
    private describeCycle(first: number, edges: Edge[]): DependencyCycle {
        const nodes = [first, ...edges.map(edge => edge.to)];
        nodes.pop();
        nodes.reverse();
        const labels: string[] = [];
        const labelNodes: number[] = [];
        for (const node of nodes) {
            const label = this.label(node);
            if (label !== undefined && labels[labels.length - 1] !== label) {
                labels.push(label);
                labelNodes.push(node);
            }
        }
        while (labels.length > 1 && labels[0] === labels[labels.length - 1]) {
            labels.pop();
            labelNodes.pop();
        }
        // Start at the task declared first (else the phase or stream declared first), so the
        // message is the same whichever edge the search found the cycle from.
        let startAt = 0;
        const rank = (node: number) => this.kinds[node] === NodeKind.Task ? node : this.tasks.length + node;
        labelNodes.forEach((node, position) => {
            if (rank(node) < rank(labelNodes[startAt])) startAt = position;
        });
        const rotated = [...labels.slice(startAt), ...labels.slice(0, startAt)];
        const written: CycleEdge[] = [];
        for (const edge of [...edges].reverse()) {
            const source = edge.source;
            if (!source || edge.origin === 'member') continue;
            // Two steps of one sequential group share their source (the `sequential` keyword).
            const same = written.some(known => known.source.node === source.node
                && known.source.property === source.property && known.source.index === source.index);
            if (!same) written.push({ origin: edge.origin, source });
        }
        return { path: [...rotated, rotated[0]], edges: written };
    }

    private label(node: number): string | undefined {
        const kind = this.kinds[node];
        if (kind === NodeKind.Task) return this.tasks[node].name ?? '?';
        if (kind === NodeKind.Done) return undefined;
        const group = this.nodeGroup[node]!;
        return `${ast.isPhase(group.node) ? 'phase' : 'stream'} ${group.node.name ?? '?'}`;
    }
}

function isSchedulable(node: unknown): node is ast.Schedulable {
    return ast.isTask(node) || ast.isBatch(node);
}

/**
 * The task graph service: one {@link WorkflowTaskGraph} per workflow, cached per document and
 * rebuilt after the document is linked again.
 */
export class FlowTaskGraph {
    private readonly cache: DocumentCache<ast.Workflow, WorkflowTaskGraph>;

    constructor(services: FlowServices) {
        this.cache = new DocumentCache(services.shared, DocumentState.Linked);
    }

    /** The graph of a workflow. */
    graphOf(workflow: ast.Workflow): WorkflowTaskGraph {
        const document = AstUtils.findRootNode(workflow).$document;
        if (!document) return new WorkflowTaskGraph(workflow);
        return this.cache.get(document.uri, workflow, () => new WorkflowTaskGraph(workflow));
    }

    /** The graph of the workflow a task belongs to. */
    graphOfTask(task: ast.Schedulable): WorkflowTaskGraph | undefined {
        const workflow = AstUtils.getContainerOfType(task, ast.isWorkflow);
        return workflow ? this.graphOf(workflow) : undefined;
    }

    /** Every task the given one transitively waits for. */
    upstream(task: ast.Schedulable): ast.Schedulable[] {
        return this.graphOfTask(task)?.upstream(task) ?? [];
    }

    /** Whether `task` transitively waits for `candidate`. */
    isUpstream(task: ast.Schedulable, candidate: ast.Schedulable): boolean {
        return this.graphOfTask(task)?.isUpstream(task, candidate) ?? false;
    }

    /** Direct dependencies, written and derived, with their origin. */
    dependenciesOf(task: ast.Schedulable): Dependency[] {
        return this.graphOfTask(task)?.dependenciesOf(task) ?? [];
    }

    /** Tasks that directly wait for the given one. */
    dependents(task: ast.Schedulable): ast.Schedulable[] {
        return this.graphOfTask(task)?.dependents(task) ?? [];
    }

    /** The dependency cycles of a workflow. */
    cycles(workflow: ast.Workflow): DependencyCycle[] {
        return this.graphOf(workflow).cycles();
    }
}
