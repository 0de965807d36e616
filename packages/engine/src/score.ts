/**
 * The priority score of a ready task, after the seed's multi-factor priority system:
 *
 *     score = levelWeight × (1 + Σ factorWeight × curve(factor)) × agingFactor ^ intervalsWaited
 *
 * Each factor is a number in [0, 1] before its curve:
 * - deadline: urgency, 0 far from the deadline, 1 at or past it; the horizon is the level's SLA.
 * - value: business value over the workflow's largest business value.
 * - resources: free slots of the task's pool over its concurrency (1 without a pool).
 * - dependents: tasks that wait on this one, over the workflow's largest such count.
 * The level dominates (factors at most double a score), and aging lets a starved task climb.
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

export interface ScoreExplanation {
    task: string;
    level: PriorityLevel;
    levelWeight: number;
    factors: Record<ScoreFactor, FactorExplanation>;
    aging: { waitedMs: number; intervals: number; factor: number; multiplier: number };
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
    const valueRaw = inputs.maxBusinessValue > 0 ? clamp01((task.businessValue ?? 0) / inputs.maxBusinessValue) : 0;
    const resourcesRaw = inputs.poolConcurrency !== undefined && inputs.poolConcurrency > 0
        ? clamp01((inputs.poolFree ?? inputs.poolConcurrency) / inputs.poolConcurrency)
        : 1;
    const dependentsRaw = inputs.maxDependents > 0 ? clamp01(inputs.dependents / inputs.maxDependents) : 0;

    const factors: Record<ScoreFactor, FactorExplanation> = {
        deadline: explain(policy, 'deadline', deadlineRaw, task.deadline
            ? `deadline ${task.deadline}, horizon ${level.slaMs} ms (the ${task.priority} level's SLA)` : 'no deadline'),
        value: explain(policy, 'value', valueRaw, `business value ${task.businessValue ?? 0} of at most ${inputs.maxBusinessValue}`),
        resources: explain(policy, 'resources', resourcesRaw, task.pool
            ? `pool ${task.pool}: ${inputs.poolFree ?? inputs.poolConcurrency} of ${inputs.poolConcurrency} slots free` : 'no pool'),
        dependents: explain(policy, 'dependents', dependentsRaw, `${inputs.dependents} tasks wait on it (most: ${inputs.maxDependents})`)
    };
    const waitedMs = Math.max(0, inputs.waitedMs ?? 0);
    const intervals = policy.agingIntervalMs > 0 ? Math.floor(waitedMs / policy.agingIntervalMs) : 0;
    const multiplier = policy.agingFactor > 0 ? policy.agingFactor ** intervals : 1;
    const sum = factors.deadline.contribution + factors.value.contribution + factors.resources.contribution
        + factors.dependents.contribution;
    return {
        task: task.id,
        level: task.priority,
        levelWeight: level.weight,
        factors,
        aging: { waitedMs, intervals, factor: policy.agingFactor, multiplier },
        score: level.weight * (1 + sum) * multiplier
    };
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
function deadlineUrgency(deadline: string | undefined, now: number, horizonMs: number): number {
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

function clamp01(value: number): number {
    return value < 0 ? 0 : value > 1 ? 1 : value;
}
