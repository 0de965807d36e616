/**
 * Default policies and the built-in task types. The compiler and the importer start from these
 * and merge what a workflow writes over them, so every model carries complete, effective values;
 * the generator compares against them to write only what differs.
 */
import type {
    BreakerPolicy, CachePolicy, CompletionDef, FailoverPolicy, OnFailureDef, Policies, RetryPolicy,
    RollbackPolicy, SchedulingPolicy, TaskTypeDef
} from './model.js';

/** One attempt, no retry; when retries are enabled they back off exponentially from 1 s. */
export const DEFAULT_RETRY: Readonly<RetryPolicy> = Object.freeze<RetryPolicy>({
    attempts: 1,
    backoff: 'exponential',
    baseMs: 1000,
    jitter: 0,
    on: ['timeout', 'agent_unavailable', 'resource_exhausted'],
    exitCodes: []
});

export const DEFAULT_FAILOVER: Readonly<FailoverPolicy> = Object.freeze<FailoverPolicy>({
    alternatives: true,
    degraded: false
});

/** The seed's circuit breaker: open after 5 failures, probe after 5 minutes with 3 requests. */
export const DEFAULT_BREAKER: Readonly<BreakerPolicy> = Object.freeze<BreakerPolicy>({
    failures: 5,
    recoveryMs: 5 * 60_000,
    probes: 3
});

export const DEFAULT_ROLLBACK: Readonly<RollbackPolicy> = Object.freeze<RollbackPolicy>({
    checkpoints: true,
    atomic: false,
    compensation: true
});

/** Nothing is cached unless a cache policy names task types or a task asks for it. */
export const DEFAULT_CACHE: Readonly<CachePolicy> = Object.freeze<CachePolicy>({
    types: []
});

/** The seed's multi-factor priority system (levels, factors and dynamic adjustment). */
export const DEFAULT_SCHEDULING: Readonly<SchedulingPolicy> = Object.freeze<SchedulingPolicy>({
    algorithm: 'priority_fifo',
    agingFactor: 1.1,
    agingIntervalMs: 5 * 60_000,
    levels: {
        urgent: { weight: 1000, slaMs: 3_600_000 },
        high: { weight: 100, slaMs: 7_200_000 },
        normal: { weight: 10, slaMs: 86_400_000 },
        low: { weight: 1, slaMs: 604_800_000 }
    },
    factors: {
        deadline: { weight: 0.4, curve: 'exponential' },
        value: { weight: 0.3, curve: 'linear' },
        resources: { weight: 0.2, curve: 'linear' },
        dependents: { weight: 0.1, curve: 'step' }
    },
    spillover: false,
    spilloverThreshold: 0.8
});

export const DEFAULT_COMPLETION: Readonly<CompletionDef> = Object.freeze<CompletionDef>({
    criteria: 'all_tasks_completed',
    notify: [],
    deliverables: []
});

/** Defaults of statements that leave a value out. */
export const DEFAULT_AGENT_CONCURRENCY = 1;
export const DEFAULT_AGENT_WEIGHT = 1;
export const DEFAULT_BATCH_CONCURRENCY = 1;
export const DEFAULT_PRIORITY = 'normal' as const;
export const DEFAULT_TRIGGER = 'all_success' as const;
export const DEFAULT_HTTP_METHOD = 'GET';
/** `reassign` without `timeout x N` keeps the task's timeout. */
export const DEFAULT_REASSIGN_TIMEOUT_FACTOR = 1;
/** `retry after 1m` without `attempts` tries once more. */
export const DEFAULT_RECOVERY_RETRY_ATTEMPTS = 1;
/** `escalate` without a severity. */
export const DEFAULT_ESCALATION_SEVERITY = 'high' as const;

/** A deep copy of the default policies, safe to modify. */
export function defaultPolicies(): Policies {
    return {
        retry: clone(DEFAULT_RETRY),
        failover: clone(DEFAULT_FAILOVER),
        breaker: clone(DEFAULT_BREAKER),
        rollback: clone(DEFAULT_ROLLBACK),
        cache: clone(DEFAULT_CACHE),
        scheduling: clone(DEFAULT_SCHEDULING),
        recovery: []
    };
}

export function defaultCompletion(): CompletionDef {
    return clone(DEFAULT_COMPLETION);
}

export function emptyOnFailure(): OnFailureDef {
    return { compensate: [], notify: [] };
}

/** A custom task type with no settings: what a type name the seed uses but never defines becomes. */
export function emptyTaskType(name: string): TaskTypeDef {
    return { name, builtin: false, requires: [], checks: [], parameters: {}, tools: [], permissions: [] };
}

/**
 * The built-in task types, with the seed guide's configurations. The language loads the same
 * definitions from its built-in library document (a test keeps the two equal); consumers that
 * never see Langium, such as the seed importer and the engine, read them here.
 */
export const BUILTIN_TASK_TYPES: Readonly<Record<string, Readonly<TaskTypeDef>>> = Object.freeze<Record<string, TaskTypeDef>>({
    research: {
        name: 'research', description: 'Information gathering and analysis.', builtin: true,
        timeoutMs: 600_000,
        requires: ['web_search', 'document_analysis'],
        outputFormat: 'structured_report',
        checks: ['fact_verification', 'source_citation'],
        parameters: {
            depth: ['basic', 'standard', 'comprehensive'],
            sources: ['web', 'academic', 'industry', 'internal'],
            format: ['summary', 'detailed', 'analysis']
        },
        tools: [], permissions: []
    },
    analysis: {
        name: 'analysis', description: 'Data analysis and insight generation.', builtin: true,
        timeoutMs: 900_000,
        requires: ['data_analysis', 'statistical_modeling'],
        outputFormat: 'analytical_report',
        checks: ['statistical_validity', 'visualization_clarity'],
        parameters: {
            methods: ['descriptive', 'predictive', 'prescriptive'],
            visualizations: ['charts', 'graphs', 'dashboards'],
            metrics: ['standard', 'custom', 'comparative']
        },
        tools: [], permissions: []
    },
    implementation: {
        name: 'implementation', description: 'Code development and system implementation.', builtin: true,
        timeoutMs: 1_800_000,
        requires: ['code_generation', 'testing', 'documentation'],
        outputFormat: 'code_package',
        checks: ['syntax_validation', 'test_coverage', 'security_scan'],
        parameters: {
            languages: ['typescript', 'python', 'rust', 'go'],
            frameworks: ['express', 'fastapi', 'actix', 'gin'],
            testing: ['unit', 'integration', 'e2e']
        },
        tools: [], permissions: []
    },
    coordination: simpleBuiltin('coordination', 'Project management and coordination.', 'coordination'),
    design: simpleBuiltin('design', 'Product and system design.', 'design'),
    review: simpleBuiltin('review', 'Review and editing of work products.', 'review'),
    testing: simpleBuiltin('testing', 'Verification of work products.', 'testing'),
    planning: simpleBuiltin('planning', 'Planning and strategy.', 'planning')
});

function simpleBuiltin(name: string, description: string, capability: string): TaskTypeDef {
    return {
        name, description, builtin: true, timeoutMs: 1_800_000, requires: [capability], checks: [],
        parameters: {}, tools: [], permissions: []
    };
}

/** A deep copy of a plain JSON value. */
export function clone<T>(value: T): T {
    return structuredClone(value) as T;
}
