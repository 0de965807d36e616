/**
 * The one definition of the dependency edges that phases and streams imply. The compiler (from
 * the AST) and the seed importer (from JSON) both describe a workflow's structure as a
 * {@link WorkflowLayout} and call {@link deriveDependencies}, so a `.flow` file and the JSON it
 * was converted from always yield the same edges.
 *
 * The rules, kept minimal so the graph stays readable:
 * - In a `sequential` stream each task waits for the one before it.
 * - In a `sequential` phase each element (a task or a whole stream) waits for the element
 *   before it: the element's entry tasks depend on the previous element's exit tasks.
 * - A phase `after` another: the phase's entry tasks (those that wait for nothing inside the
 *   phase) depend on the other phase's exit tasks (those nothing inside that phase waits for).
 *   An empty phase passes its own predecessors' exits through.
 */
import type { ExecutionMode } from './model.js';

/** The structure of a workflow as far as derived dependencies are concerned. */
export interface WorkflowLayout {
    /** Every task and batch in declaration order, with the dependencies written for it. */
    tasks: ReadonlyArray<{ id: string; declaredDependencies: readonly string[] }>;
    phases: readonly PhaseLayout[];
}

export interface PhaseLayout {
    name: string;
    mode: ExecutionMode;
    after: readonly string[];
    /** Tasks and streams in declaration order. */
    elements: readonly LayoutElement[];
}

export type LayoutElement =
    | { kind: 'task'; id: string }
    | { kind: 'stream'; name: string; mode: ExecutionMode; tasks: readonly string[] };

/**
 * Every task's dependencies: the declared ones first, in the order written, then the derived
 * ones, without duplicates or self-edges.
 */
export function deriveDependencies(layout: WorkflowLayout): Map<string, string[]> {
    const dependencies = new Map<string, string[]>();
    const seen = new Map<string, Set<string>>();
    for (const task of layout.tasks) {
        const unique = [...new Set(task.declaredDependencies)];
        dependencies.set(task.id, unique);
        seen.set(task.id, new Set(unique));
    }
    const addEdge = (task: string, dependency: string) => {
        const known = seen.get(task);
        if (!known || task === dependency || known.has(dependency)) return;
        known.add(dependency);
        dependencies.get(task)!.push(dependency);
    };
    const phaseTasks = new Map<string, string[]>();
    for (const phase of layout.phases) {
        phaseTasks.set(phase.name, phase.elements.flatMap(element => element.kind === 'task' ? [element.id] : element.tasks));
    }

    // Chains inside sequential streams and phases come first: they decide entries and exits.
    for (const phase of layout.phases) {
        for (const element of phase.elements) {
            if (element.kind === 'stream' && element.mode === 'sequential') {
                for (let index = 1; index < element.tasks.length; index++) addEdge(element.tasks[index], element.tasks[index - 1]);
            }
        }
        if (phase.mode === 'sequential') {
            let previousExits: string[] = [];
            for (const element of phase.elements) {
                const members = element.kind === 'task' ? [element.id] : element.tasks;
                if (members.length === 0) continue;
                for (const entry of entriesOf(members, dependencies)) {
                    for (const exit of previousExits) addEdge(entry, exit);
                }
                previousExits = exitsOf(members, dependencies);
            }
        }
    }

    // Exits are computed before any phase edge is added, so edges between phases never change them.
    const exits = new Map<string, string[]>();
    const resolving = new Set<string>();
    const phasesByName = new Map(layout.phases.map(phase => [phase.name, phase]));
    const exitsOfPhase = (name: string): string[] => {
        const known = exits.get(name);
        if (known) return known;
        const phase = phasesByName.get(name);
        // A cycle between phases is the validator's to report; here it just ends the walk.
        if (!phase || resolving.has(name)) return [];
        resolving.add(name);
        const members = phaseTasks.get(name)!;
        const result = members.length > 0
            ? exitsOf(members, dependencies)
            : [...new Set(phase.after.flatMap(exitsOfPhase))];
        resolving.delete(name);
        exits.set(name, result);
        return result;
    };
    for (const phase of layout.phases) exitsOfPhase(phase.name);

    const entries = new Map(layout.phases.map(phase => [phase.name, entriesOf(phaseTasks.get(phase.name)!, dependencies)]));
    for (const phase of layout.phases) {
        for (const earlier of phase.after) {
            for (const entry of entries.get(phase.name)!) {
                for (const exit of exitsOfPhase(earlier)) addEdge(entry, exit);
            }
        }
    }
    return dependencies;
}

/** The members that depend on no other member. */
function entriesOf(members: readonly string[], dependencies: Map<string, string[]>): string[] {
    const inside = new Set(members);
    return members.filter(member => !(dependencies.get(member) ?? []).some(dependency => inside.has(dependency)));
}

/** The members no other member depends on. */
function exitsOf(members: readonly string[], dependencies: Map<string, string[]>): string[] {
    const inside = new Set(members);
    const needed = new Set<string>();
    for (const member of members) {
        for (const dependency of dependencies.get(member) ?? []) {
            if (inside.has(dependency) && dependency !== member) needed.add(dependency);
        }
    }
    return members.filter(member => !needed.has(member));
}
