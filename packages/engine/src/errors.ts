/**
 * The engine's typed errors. Retry decisions key on a failure's `kind`, never on its message:
 * a runner throws `TaskFailure.retryable('HTTP 503 from api', 'agent_unavailable')`, and the
 * workflow's retry policy (`on timeout, agent_unavailable`) decides whether it is tried again.
 */
import type { Json } from '@flow/model';

/**
 * Kinds the engine and its runners produce. Workflows may name other kinds (a `fail` runner's
 * `kind`, a node module's `TaskFailure`), so any string is accepted.
 */
export type FailureKind =
    /** The attempt ran longer than its timeout and was killed. */
    | 'timeout'
    /** The agent (or the service behind an http runner) could not take the work. */
    | 'agent_unavailable'
    /** A limit was reached (HTTP 429, out of memory, disk full). */
    | 'resource_exhausted'
    /** A process exited with a non-zero code; `exitCode` says which. */
    | 'exit_code'
    /** The output or the inputs did not pass a check. */
    | 'validation_failed'
    /** The run was cancelled while the attempt ran. */
    | 'cancelled'
    /** An HTTP response with a client error status (4xx other than 429). */
    | 'http_status'
    /** The runner itself broke (a module that throws a plain Error, a command that cannot start). */
    | 'runner_error'
    /** The task has no runner of its own and no agent that has one. */
    | 'no_runner'
    /** No agent of the workflow offers every capability the task requires. */
    | 'no_capable_agent'
    /** The runner kind exists in the language but not in this host (vscode_task or lm in the CLI). */
    | 'runner_unavailable'
    /** A `fail` built-in without a kind of its own. */
    | 'demo_failure'
    | (string & {});

/** A failure as plain JSON: how it travels between a worker and the engine, and into events. */
export interface FailureInfo {
    kind: FailureKind;
    message: string;
    /** Set when the failure must not be retried whatever the policy says. */
    nonRetryable: boolean;
    /** The process exit code, for `exit_code` failures. */
    exitCode?: number;
    /** Anything else a runner wants to report (an HTTP status, the tail of stderr). */
    details?: Json;
}

/** The root of the engine's errors, so callers can tell them from programming errors. */
export class FlowError extends Error {
    override name = 'FlowError';
}

/** Why an attempt of a task failed. Create it with the named constructors. */
export class TaskFailure extends FlowError {
    override name = 'TaskFailure';

    private constructor(
        message: string,
        readonly kind: FailureKind,
        readonly nonRetryable: boolean,
        readonly exitCode?: number,
        readonly details?: Json
    ) {
        super(message);
    }

    /** A failure that the retry policy may retry if it lists `kind`. */
    static retryable(message: string, kind: FailureKind, details?: Json): TaskFailure {
        return new TaskFailure(message, kind, false, undefined, details);
    }

    /** A failure that is never retried, whatever the retry policy lists. */
    static nonRetryable(message: string, kind: FailureKind, details?: Json): TaskFailure {
        return new TaskFailure(message, kind, true, undefined, details);
    }

    /** A process exited with a non-zero code; retried only if the policy lists the code. */
    static exitCode(code: number, message: string, details?: Json): TaskFailure {
        return new TaskFailure(message, 'exit_code', false, code, details);
    }

    static timeout(timeoutMs: number): TaskFailure {
        return new TaskFailure(`timed out after ${timeoutMs} ms and was stopped`, 'timeout', false);
    }

    static cancelled(reason: string): TaskFailure {
        return new TaskFailure(`cancelled: ${reason}`, 'cancelled', true);
    }

    /** Rebuilds a failure that travelled as JSON. */
    static fromJSON(info: FailureInfo): TaskFailure {
        return new TaskFailure(info.message, info.kind, info.nonRetryable, info.exitCode, info.details);
    }

    /**
     * Turns anything a runner threw into a failure: a `TaskFailure` stays as it is; any other
     * error is a `runner_error`, which the default policy does not retry.
     */
    static from(error: unknown): TaskFailure {
        if (error instanceof TaskFailure) return error;
        const message = error instanceof Error ? error.message : String(error);
        return new TaskFailure(message, 'runner_error', false);
    }

    toJSON(): FailureInfo {
        const info: FailureInfo = { kind: this.kind, message: this.message, nonRetryable: this.nonRetryable };
        if (this.exitCode !== undefined) info.exitCode = this.exitCode;
        if (this.details !== undefined) info.details = this.details;
        return info;
    }
}

/**
 * A workflow the engine cannot run as given (an unknown parameter, a parameter of the wrong
 * type, a pool with no capacity). The message names the field and says what to do.
 */
export class WorkflowConfigError extends FlowError {
    override name = 'WorkflowConfigError';

    constructor(readonly field: string, message: string) {
        super(message);
    }
}
