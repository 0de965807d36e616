/**
 * The workflow model: the contract between the compiler, the importer, the engine and every
 * view. Plain JSON (no classes, no functions, no cycles), versioned by `schemaVersion`, and
 * described by the JSON Schema in `schema/workflow-model.schema.json`. All durations are
 * milliseconds; all date-times are ISO 8601 strings. Values are *effective*: type defaults and
 * workflow policies are already merged into each task, so a consumer never has to resolve them.
 */

export const SCHEMA_VERSION = 1;

/** Any JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export type PriorityLevel = 'urgent' | 'high' | 'normal' | 'low';
export const PRIORITY_LEVELS: readonly PriorityLevel[] = ['urgent', 'high', 'normal', 'low'];

/** Where a model element was declared, for messages that point at the source. */
export interface SourceLocation {
    /** File path or URI as given to the compiler or importer. */
    file: string;
    /** 1-based line. */
    line: number;
    /** 1-based column. */
    column: number;
}

export interface WorkflowModel {
    schemaVersion: typeof SCHEMA_VERSION;
    name: string;
    /**
     * A display name besides `name`, when the source has one that is not an identifier (the
     * seed's JSON names workflows "Content Creation Pipeline"); written `title "..."`.
     */
    title?: string;
    description?: string;
    version?: string;
    /** True for a template: it is instantiated, never run directly. */
    template?: boolean;
    source?: SourceLocation;
    params: ParamDef[];
    agents: AgentDef[];
    pools: PoolDef[];
    /** Every task type a task of this workflow uses, by name, with its effective settings. */
    types: Record<string, TaskTypeDef>;
    notifications: NotificationDef[];
    policies: Policies;
    phases: PhaseDef[];
    /** Every task and batch, flat, in declaration order. */
    tasks: TaskDef[];
    checkpoints: MarkerDef[];
    milestones: MarkerDef[];
    completion: CompletionDef;
    recurrence?: RecurrenceDef;
    onFailure: OnFailureDef;
}

export type ParamType =
    | { kind: 'string' | 'number' | 'boolean' | 'duration' | 'datetime' | 'object' | 'list' }
    | { kind: 'enum'; values: string[] };

export interface ParamDef {
    name: string;
    type: ParamType;
    /** Default value; durations are milliseconds, date-times ISO strings. */
    default?: Json;
    description?: string;
}

export interface AgentDef {
    name: string;
    capabilities: string[];
    /** How many tasks the agent runs at once. @default 1 */
    concurrency: number;
    /** Share of work under weighted round robin. @default 1 */
    weight: number;
    run?: RunnerDef;
    description?: string;
}

export interface PoolDef {
    name: string;
    /** How many tasks of the pool run at once. */
    concurrency: number;
    priority?: PriorityLevel;
    /** Task types whose tasks join this pool unless they name another. */
    types: string[];
}

export interface TaskTypeDef {
    name: string;
    description?: string;
    builtin: boolean;
    timeoutMs?: number;
    requires: string[];
    outputFormat?: string;
    checks: string[];
    parameters: Record<string, Json>;
    tools: string[];
    permissions: string[];
    /** `true`/`false` from `rollback true|false`, or the compensation runner. */
    rollback?: boolean | RunnerDef;
    pool?: string;
}

export interface NotificationDef {
    name: string;
    /** Events that notify this target on their own (besides `notify` statements). */
    on: Array<'completed' | 'failed' | 'milestone' | 'started' | 'cancelled'>;
    run?: RunnerDef;
}

export type RunnerDef =
    | { kind: 'shell'; command: string }
    | { kind: 'node'; module: string; export?: string }
    | { kind: 'http'; method: string; url: string; headers: Record<string, Json>; body?: string; timeoutMs?: number }
    | { kind: 'vscode_task'; label: string }
    | { kind: 'lm'; prompt: string; model?: string; system?: string }
    | { kind: 'sleep'; ms: number }
    | { kind: 'echo'; value: Json }
    | { kind: 'fail'; message: string; errorKind?: string; exitCode?: number };

export type BackoffKind = 'fixed' | 'linear' | 'exponential';

export interface RetryPolicy {
    /** Total attempts including the first. @default 1 */
    attempts: number;
    backoff: BackoffKind;
    /** @default 1000 */
    baseMs: number;
    maxMs?: number;
    /** Random spread as a fraction of the delay (0.2 = ±20 %). @default 0 */
    jitter: number;
    /** Error kinds that are retried. @default ['timeout', 'agent_unavailable', 'resource_exhausted'] */
    on: string[];
    /** Process exit codes that count as retryable. */
    exitCodes: number[];
}

export interface FailoverPolicy {
    alternatives: boolean;
    degraded: boolean;
    /** Notify after this many failovers of one task. */
    notifyAfter?: number;
}

export interface BreakerPolicy {
    /** Consecutive failures that open an agent's breaker; 0 disables the breaker. */
    failures: number;
    recoveryMs: number;
    probes: number;
}

export interface RollbackPolicy {
    checkpoints: boolean;
    atomic: boolean;
    compensation: boolean;
}

export interface CachePolicy {
    ttlMs?: number;
    /** Size bound in bytes of cached results. */
    maxBytes?: number;
    maxEntries?: number;
    /** Task types whose tasks are cached unless a task says otherwise. */
    types: string[];
}

export type Algorithm = 'priority_fifo' | 'weighted_round_robin' | 'least_loaded';
export type ScoreFactor = 'deadline' | 'value' | 'resources' | 'dependents';

export interface SchedulingPolicy {
    algorithm: Algorithm;
    /** Score multiplier applied every `agingIntervalMs` a task waits. */
    agingFactor: number;
    agingIntervalMs: number;
    levels: Record<PriorityLevel, { weight: number; slaMs: number }>;
    factors: Record<ScoreFactor, { weight: number; curve: 'exponential' | 'linear' | 'step' }>;
    spillover: boolean;
    spilloverThreshold: number;
}

export type RecoveryAction =
    | { action: 'reassign'; timeoutFactor: number }
    | { action: 'retry'; delayMs: number; attempts: number }
    | { action: 'modify'; modifications: Record<string, Json> }
    | { action: 'escalate'; severity: 'low' | 'medium' | 'high' | 'critical'; notify: string[] };

export interface RecoveryRule {
    /** Error kinds the rule applies to; `other` matches any kind no earlier rule names. */
    on: string[];
    then: RecoveryAction;
}

export interface Policies {
    retry: RetryPolicy;
    failover: FailoverPolicy;
    breaker: BreakerPolicy;
    rollback: RollbackPolicy;
    cache: CachePolicy;
    scheduling: SchedulingPolicy;
    recovery: RecoveryRule[];
    /** Time limit of the whole workflow. */
    timeoutMs?: number;
}

export type ExecutionMode = 'sequential' | 'parallel';

export interface PhaseDef {
    name: string;
    mode: ExecutionMode;
    /** Phases that must finish before this one starts. */
    after: string[];
    streams: StreamDef[];
    /** Tasks of the phase outside any stream, in declaration order. */
    tasks: string[];
}

export interface StreamDef {
    name: string;
    mode: ExecutionMode;
    tasks: string[];
}

export type TriggerRule = 'all_success' | 'all_done' | 'one_success' | 'none_failed';

export interface TaskDef {
    id: string;
    kind: 'task' | 'batch';
    type: string;
    description?: string;
    phase?: string;
    stream?: string;
    priority: PriorityLevel;
    deadline?: string;
    /** The task does not start before this time. */
    startAt?: string;
    /** Effective timeout: the task's own, else its type's. */
    timeoutMs?: number;
    /** Effective retry policy: the task's override merged over the workflow's. */
    retry: RetryPolicy;
    tags: string[];
    metadata: Record<string, Json>;
    /** Every task this one waits for: written with `after`, and derived from phases and streams. */
    dependencies: string[];
    /** The subset of `dependencies` written in the source (`after`). */
    declaredDependencies: string[];
    condition?: ConditionDef;
    trigger: TriggerRule;
    pool?: string;
    /** An agent the task is assigned to by name. */
    agent?: string;
    preferredAgents: string[];
    /** Effective required capabilities: the type's and the task's own. */
    requires: string[];
    businessValue?: number;
    inputFile?: string;
    outputDir?: string;
    namespace?: string;
    /** The task's own runner; without one, its agent's runner does the work. */
    run?: RunnerDef;
    cache: { enabled: boolean; ttlMs?: number };
    inputs: Record<string, Json>;
    gates: Record<string, Json>;
    outputFormat?: string;
    checks: string[];
    batch?: BatchDef;
    source?: SourceLocation;
}

export interface ConditionDef {
    expression: Expression;
    /** `execute`: run only when true (`when`); `skip`: skip when true (`skip when`). */
    action: 'execute' | 'skip';
    /** The condition as written, for messages. */
    text: string;
}

export interface BatchDef {
    items?: Json[];
    /** A file glob, relative to the workflow's folder, whose matches become the items. */
    glob?: string;
    concurrency: number;
    aggregate: 'list' | 'merge' | 'none';
    onFailure: 'continue' | 'stop';
}

/** A named checkpoint or milestone, reached once all of `after` are done. */
export interface MarkerDef {
    name: string;
    after: string[];
    description?: string;
}

export interface CompletionDef {
    criteria: 'all_tasks_completed' | 'any_task_completed' | 'required_tasks_completed';
    require?: Expression;
    notify: string[];
    deliverables: string[];
}

export type RecurrenceDef =
    | { kind: 'daily'; time: string; timezone?: string; start?: string }
    | { kind: 'cron'; expression: string; timezone?: string; start?: string };

export interface OnFailureDef {
    /** In declaration order; the engine runs them in reverse order of task completion. */
    compensate: Array<{ task: string; run: RunnerDef }>;
    notify: string[];
    escalate?: 'low' | 'medium' | 'high' | 'critical';
}

/** A condition or requirement: a small safe expression tree (no eval). */
export type Expression =
    | { kind: 'literal'; value: Json }
    | { kind: 'param'; name: string }
    | { kind: 'task'; task: string }
    | { kind: 'item' }
    | { kind: 'member'; object: Expression; property: string }
    | { kind: 'not'; operand: Expression }
    | { kind: 'negate'; operand: Expression }
    | { kind: 'binary'; operator: BinaryOperator; left: Expression; right: Expression };

export type BinaryOperator = '*' | '/' | '+' | '-' | '<' | '<=' | '>' | '>=' | '==' | '!=' | 'and' | 'or';
