/**
 * Stable diagnostic codes. Code actions, fixtures and the CLI's `[code]` suffix key on these,
 * never on message text. Each code has a fixture under test/fixtures/validation/.
 */
export const IssueCodes = {
    DuplicateName: 'flow/duplicate-name',
    UnknownReference: 'flow/unknown-reference',
    DependencyCycle: 'flow/dependency-cycle',
    ConditionNotUpstream: 'flow/condition-not-upstream',
    TypeMismatch: 'flow/type-mismatch',
    InvalidMemberAccess: 'flow/invalid-member-access',
    NotPrecedence: 'flow/not-precedence',
    InvalidDuration: 'flow/invalid-duration',
    InvalidDateTime: 'flow/invalid-datetime',
    NoCapableAgent: 'flow/no-capable-agent',
    OutOfRange: 'flow/out-of-range',
    ConstantCondition: 'flow/constant-condition',
    DeadlineTooShort: 'flow/deadline-too-short',
    InvalidInterpolation: 'flow/invalid-interpolation',
    /** `item` read outside a batch, where there is no current item. */
    ItemOutsideBatch: 'flow/item-outside-batch',
    /** A deadline earlier than the task's (or the workflow's) start. */
    DeadlineBeforeStart: 'flow/deadline-before-start',
    /** `workflow W from T` where T is not declared as a `template`. */
    NotATemplate: 'flow/not-a-template',
    /** A template parameter without a default that the instantiation does not give. */
    MissingArgument: 'flow/missing-argument',
    /** A `repeat` whose time of day, cron expression or time zone is not valid. */
    InvalidSchedule: 'flow/invalid-schedule',
    /** A batch with no `items`, so it has nothing to run. */
    MissingItems: 'flow/missing-items',
    /** The same task named twice in one task's dependencies. */
    DuplicateDependency: 'flow/duplicate-dependency',
    /** A lexing or parsing error (the message says what was expected). */
    SyntaxError: 'flow/syntax-error'
} as const;

export type IssueCode = typeof IssueCodes[keyof typeof IssueCodes];
