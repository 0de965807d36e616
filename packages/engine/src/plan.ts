/**
 * A dry run's plan: what a run would do, worked out without running anything. Tasks are
 * grouped in waves (a task's wave is one more than its latest upstream task's), ordered by
 * score within a wave, with the runner, candidate agents, pool, limits and conditions each
 * would have. Conditions depend on results, so the plan says they are decided at run time.
 */
import type { Json, RunnerDef, WorkflowModel } from '@flow/model';
import { DEMO_RUNNER_KINDS } from './events.js';
import { capableAgents } from './fingerprint.js';
import { explainScore } from './score.js';

export interface PlannedTask {
    id: string;
    kind: 'task' | 'batch';
    type: string;
    wave: number;
    phase?: string;
    priority: string;
    score: number;
    dependencies: string[];
    trigger: string;
    /** The runner's kind and text (`shell: ./build.sh`), or undefined when an agent's runner will do the work. */
    runner?: string;
    demo: boolean;
    /** Agents that may run the task (preferred first); empty when it runs on its own. */
    agents: string[];
    pool?: string;
    timeoutMs?: number;
    attempts: number;
    condition?: string;
    cached: boolean;
    items?: number | string;
    /** Why the task could not run, when that is known before running. */
    problem?: string;
}

export interface WorkflowPlan {
    workflow: string;
    params: Record<string, Json>;
    waves: PlannedTask[][];
}

export function planWorkflow(model: WorkflowModel, params: Record<string, Json>, now = Date.now()): WorkflowPlan {
    const wave = new Map<string, number>();
    // Kahn's algorithm, iterative: waves follow the dependency order.
    const remaining = new Map(model.tasks.map(task => [task.id, new Set(task.dependencies).size]));
    const dependents = new Map<string, string[]>();
    for (const task of model.tasks) for (const dependency of new Set(task.dependencies)) {
        dependents.set(dependency, [...(dependents.get(dependency) ?? []), task.id]);
    }
    const ready = model.tasks.filter(task => remaining.get(task.id) === 0).map(task => task.id);
    for (const id of ready) wave.set(id, 1);
    for (let index = 0; index < ready.length; index++) {
        const id = ready[index];
        for (const dependent of dependents.get(id) ?? []) {
            wave.set(dependent, Math.max(wave.get(dependent) ?? 1, wave.get(id)! + 1));
            const left = remaining.get(dependent)! - 1;
            remaining.set(dependent, left);
            if (left === 0) ready.push(dependent);
        }
    }
    const waves: PlannedTask[][] = [];
    for (const task of model.tasks) {
        const number = wave.get(task.id);
        const agents = candidateAgents(model, task.id);
        const runner = task.run ? describeRunner(task.run) : undefined;
        const planned: PlannedTask = {
            id: task.id, kind: task.kind, type: task.type, wave: number ?? 0, phase: task.phase, priority: task.priority,
            score: explainScore(model, task.id, { now }).score, dependencies: task.dependencies, trigger: task.trigger,
            runner, demo: [task.run, ...agents.map(name => model.agents.find(agent => agent.name === name)?.run)]
                .some(candidate => candidate !== undefined && DEMO_RUNNER_KINDS.has(candidate.kind)),
            agents, pool: task.pool, timeoutMs: task.timeoutMs, attempts: task.retry.attempts,
            condition: task.condition ? `${task.condition.action === 'execute' ? 'when' : 'skip when'} ${task.condition.text}` : undefined,
            cached: task.cache.enabled,
            items: task.batch ? task.batch.items?.length ?? task.batch.glob : undefined
        };
        if (number === undefined) planned.problem = 'it is part of a dependency cycle';
        else if (!task.run && agents.length === 0) {
            planned.problem = task.agent !== undefined
                ? `it names agent ${task.agent}, which has no \`run\`, and it has no \`run\` of its own`
                : 'no agent with a `run` offers every capability it requires, and it has no `run` of its own';
        }
        const index = (number ?? 1) - 1;
        (waves[index] ??= []).push(planned);
    }
    for (const list of waves) list?.sort((a, b) => b.score - a.score);
    return { workflow: model.name, params, waves: waves.filter(list => list !== undefined) };
}

/** The agents that may run a task, preferred first: those the engine would choose among. */
function candidateAgents(model: WorkflowModel, taskId: string): string[] {
    const task = model.tasks.find(candidate => candidate.id === taskId)!;
    if (task.run !== undefined && task.agent === undefined) return [];
    return capableAgents(task, model.agents).map(agent => agent.name)
        .sort((a, b) => Number(task.preferredAgents.includes(b)) - Number(task.preferredAgents.includes(a)));
}

/** A runner in one line: `shell: ./build.sh`, `http GET https://...`, `sleep 2000 ms (demo)`. */
export function describeRunner(runner: RunnerDef): string {
    switch (runner.kind) {
        case 'shell': return `shell: ${runner.command}`;
        case 'node': return `node: ${runner.module}${runner.export ? `#${runner.export}` : ''}`;
        case 'http': return `http ${runner.method.toUpperCase()} ${runner.url}`;
        case 'vscode_task': return `vscode task: ${runner.label}`;
        case 'lm': return `language model: ${runner.prompt.slice(0, 40)}`;
        case 'sleep': return `sleep ${runner.ms} ms (demo built-in)`;
        case 'echo': return `echo ${JSON.stringify(runner.value)} (demo built-in)`;
        case 'fail': return `fail "${runner.message}" (demo built-in)`;
    }
}
