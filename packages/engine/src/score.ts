/**
 * The priority score of a ready task, after the seed's multi-factor priority system:
 *
 *     score = levelWeight × (1 + Σ factorWeight × curve(factor)) × agingFactor ^ intervalsWaited
 *
 * Each factor is a number in [0, 1] before its curve:
 * - deadline: urgency, 0 far from the deadline, 1 at or past it; the horizon is the level's SLA.
 * - value: business value over the workflow's largest business value.
 * - resources: the smaller of the free share of the task's pool and the free share of the
 *   capacity of the agents that may run it (1 for what the task does not use).
 * - dependents: tasks that wait on this one, over the workflow's largest such count.
 * The level dominates (with the default weights, factors at most double a score), and aging
 * lets a starved task climb.
 *
 * For views the same score is also given as additive parts (`parts`): the level's weight, what
 * each factor adds, and what aging adds; they sum to the score.
 */
import type { PriorityLevel, SchedulingPolicy, ScoreFactor, TaskDef, WorkflowModel } from '@flow/model';
import { parseDateTime } from '@flow/model';

export interface FactorExplanation {
    /** The factor's value in [0, 1] before its curve. */
    raw: number;
    curve: 'exponential' | 'linear' | 'step';
    /** The curve's output in [0, 1]. */
    shaped: number;
    weight: number;
    /** weight × shaped: what the factor adds to the multiplier. */
    contribution: number;
    /** What the raw value is made of, in words. */
    detail: string;
}

/** The score as a sum, in score points: what a view shows factor by factor. */
export interface ScoreParts {
    /** The priority level's weight. */
    level: number;
    /** levelWeight × weight × curve(raw), per factor. */
    deadline: number;
    value: number;
    resources: number;
    dependents: number;
    /** What waiting added: levelWeight × (1 + Σ) × (multiplier − 1). */
    aging: number;
}

export interface ScoreExplanation {
    task: string;
    level: PriorityLevel;
    levelWeight: number;
    factors: Record<ScoreFactor, FactorExplanation>;
    aging: { waitedMs: number; intervals: number; factor: number; multiplier: number };
    /** The score split into parts that add up to `score`. */
    parts: ScoreParts;
    score: number;
}

/** What the score reads besides the task and the policy. */
export interface ScoreInputs {
    /** The current time, milliseconds since the epoch. */
    now: number;
    /** How long the task has waited in the ready queue. @default 0 */
    waitedMs?: number;
    /** Free slots of the task's pool, when it has one. @default the pool's concurrency */
    poolFree?: number;
    /** The pool's concurrency, when the task has a pool. */
    poolConcurrency?: number;
    /** Free slots of the agents that may run the task, when it needs an agent. @default agentsCapacity */
    agentsFree?: number;
    /** Summed concurrency of the agents that may run the task, when it needs an agent. */
    agentsCapacity?: number;
    /** How many tasks wait on this one. */
    dependents: number;
    /** The largest `dependents` of any task of the workflow (normalises the factor). */
    maxDependents: number;
    /** The largest business value of any task of the workflow (normalises the factor). */
    maxBusinessValue: number;
}

/** Every factor's parts and the resulting score, for hovers, views and tests. */
export function computeScore(task: TaskDef, policy: SchedulingPolicy, inputs: ScoreInputs): ScoreExplanation {
    const level = policy.levels[task.priority];
    const deadlineRaw = deadlineUrgency(task.deadline, inputs.now, level.slaMs);
    const valueRaw = ratio(task.businessValue ?? 0, inputs.maxBusinessValue);
    const resourcesRaw = resourceAvailability(inputs.poolFree, inputs.poolConcurrency, inputs.agentsFree, inputs.agentsCapacity);
    const dependentsRaw = ratio(inputs.dependents, inputs.maxDependents);

    const factors: Record<ScoreFactor, FactorExplanation> = {
        deadline: explain(policy, 'deadline', deadlineRaw, task.deadline
            ? `deadline ${task.deadline}, horizon ${level.slaMs} ms (the ${task.priority} level's SLA)` : 'no deadline'),
        value: explain(policy, 'value', valueRaw, `business value ${task.businessValue ?? 0} of at most ${inputs.maxBusinessValue}`),
        resources: explain(policy, 'resources', resourcesRaw, [
            task.pool ? `pool ${task.pool}: ${inputs.poolFree ?? inputs.poolConcurrency} of ${inputs.poolConcurrency} slots free` : 'no pool',
            inputs.agentsCapacity !== undefined ? `agents: ${inputs.agentsFree ?? inputs.agentsCapacity} of ${inputs.agentsCapacity} slots free` : 'no agent needed'
        ].join('; ')),
        dependents: explain(policy, 'dependents', dependentsRaw, `${inputs.dependents} tasks wait on it (most: ${inputs.maxDependents})`)
    };
    const waitedMs = Math.max(0, inputs.waitedMs ?? 0);
    const intervals = agingIntervals(policy, waitedMs);
    const multiplier = agingMultiplier(policy, waitedMs);
    const sum = factors.deadline.contribution + factors.value.contribution + factors.resources.contribution
        + factors.dependents.contribution;
    const scale = level.weight * multiplier;
    return {
        task: task.id,
        level: task.priority,
        levelWeight: level.weight,
        factors,
        aging: { waitedMs, intervals, factor: policy.agingFactor, multiplier },
        parts: {
            level: level.weight,
            deadline: level.weight * factors.deadline.contribution,
            value: level.weight * factors.value.contribution,
            resources: level.weight * factors.resources.contribution,
            dependents: level.weight * factors.dependents.contribution,
            aging: level.weight * (1 + sum) * (multiplier - 1)
        },
        // The same expression, in the same order, as the ready queue's (see core.ts `scoreUnit`).
        score: scale * (1 + sum)
    };
}

/** Whole aging intervals in `waitedMs`. */
export function agingIntervals(policy: Pick<SchedulingPolicy, 'agingIntervalMs'>, waitedMs: number): number {
    return policy.agingIntervalMs > 0 ? Math.floor(Math.max(0, waitedMs) / policy.agingIntervalMs) : 0;
}

/** agingFactor ^ intervals waited (1 when aging is off). */
export function agingMultiplier(policy: Pick<SchedulingPolicy, 'agingIntervalMs' | 'agingFactor'>, waitedMs: number): number {
    const intervals = agingIntervals(policy, waitedMs);
    return intervals > 0 && policy.agingFactor > 0 ? policy.agingFactor ** intervals : 1;
}

/**
 * The resources factor's raw value: the smaller of the pool's free share and the agents' free
 * share; a limit the task does not have counts as fully free.
 */
export function resourceAvailability(poolFree: number | undefined, poolConcurrency: number | undefined,
    agentsFree: number | undefined, agentsCapacity: number | undefined): number {
    const pool = poolConcurrency !== undefined && poolConcurrency > 0 ? clamp01((poolFree ?? poolConcurrency) / poolConcurrency) : 1;
    const agents = agentsCapacity !== undefined && agentsCapacity > 0 ? clamp01((agentsFree ?? agentsCapacity) / agentsCapacity) : 1;
    return Math.min(pool, agents);
}

/**
 * Explains the score a task of `model` would have, for a hover or a view outside a run:
 * nothing has waited, and every pool is free unless `inputs` says otherwise.
 */
export function explainScore(model: WorkflowModel, taskId: string, inputs: Partial<ScoreInputs> = {}): ScoreExplanation {
    const task = model.tasks.find(candidate => candidate.id === taskId);
    if (!task) throw new Error(`No task "${taskId}" in workflow ${model.name}.`);
    const statics = scoreStatics(model);
    const pool = task.pool ? model.pools.find(candidate => candidate.name === task.pool) : undefined;
    return computeScore(task, model.policies.scheduling, {
        now: inputs.now ?? Date.now(),
        waitedMs: inputs.waitedMs,
        poolConcurrency: inputs.poolConcurrency ?? pool?.concurrency,
        poolFree: inputs.poolFree,
        dependents: inputs.dependents ?? statics.dependents.get(taskId) ?? 0,
        maxDependents: inputs.maxDependents ?? statics.maxDependents,
        maxBusinessValue: inputs.maxBusinessValue ?? statics.maxBusinessValue
    });
}

/** The workflow-wide parts of the score: direct dependents per task and the normalisers. */
export function scoreStatics(model: WorkflowModel): { dependents: Map<string, number>; maxDependents: number; maxBusinessValue: number } {
    const dependents = new Map<string, number>();
    let maxBusinessValue = 0;
    for (const task of model.tasks) {
        for (const dependency of task.dependencies) dependents.set(dependency, (dependents.get(dependency) ?? 0) + 1);
        if (task.businessValue !== undefined && task.businessValue > maxBusinessValue) maxBusinessValue = task.businessValue;
    }
    let maxDependents = 0;
    for (const count of dependents.values()) if (count > maxDependents) maxDependents = count;
    return { dependents, maxDependents, maxBusinessValue };
}

/** 0 far from the deadline, rising to 1 at it (exponentially under the default curve). */
export function deadlineUrgency(deadline: string | undefined, now: number, horizonMs: number): number {
    if (!deadline) return 0;
    const remaining = parseDateTime(deadline) - now;
    if (remaining <= 0) return 1;
    // The raw value is linear closeness; the curve shapes it (see `shape`).
    return horizonMs > 0 ? clamp01(1 - remaining / horizonMs) : 0;
}

function explain(policy: SchedulingPolicy, factor: ScoreFactor, raw: number, detail: string): FactorExplanation {
    const { weight, curve } = policy.factors[factor];
    const shaped = shapeFactor(curve, raw);
    return { raw, curve, shaped, weight, contribution: weight * shaped, detail };
}

/**
 * Shapes a raw factor. `exponential` stays low until the raw value nears 1 and then rises
 * steeply (for the deadline: urgency grows exponentially as the deadline nears); `step` is 1 for
 * any positive value (for a deadline: once within the horizon). The engine's ready queue uses
 * the same function, so `explainScore` and the queue's order always agree.
 */
export function shapeFactor(curve: 'exponential' | 'linear' | 'step', raw: number): number {
    switch (curve) {
        case 'linear': return raw;
        case 'step': return raw > 0 ? 1 : 0;
        case 'exponential': return raw <= 0 ? 0 : (Math.exp(EXPONENTIAL_STEEPNESS * raw) - 1) / (Math.exp(EXPONENTIAL_STEEPNESS) - 1);
    }
}

/** How sharply the exponential curve rises at its end: at raw 0.5 it gives about 0.08. */
const EXPONENTIAL_STEEPNESS = 5;

/** `part / whole` in [0, 1]; 0 when nothing has any. */
export function ratio(part: number, whole: number): number {
    return whole > 0 ? clamp01(part / whole) : 0;
}

function clamp01(value: number): number {
    return value < 0 ? 0 : value > 1 ? 1 : value;
}
