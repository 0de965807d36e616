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
    InvalidInterpolation: 'flow/invalid-interpolation'
} as const;

export type IssueCode = typeof IssueCodes[keyof typeof IssueCodes];
