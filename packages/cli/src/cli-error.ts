/** Exit statuses of every flowctl command. */
export const ExitCode = {
    /** The command did its work and found no errors. */
    Ok: 0,
    /** The workflows have errors (diagnostics, invalid JSON, import errors). */
    Problems: 1,
    /** The command could not do its work: bad arguments, unreadable or unusable input. */
    BadInput: 2
} as const;

/**
 * An error whose message is written for the user (it says what is wrong, where, and what to do).
 * The top level prints the message alone, without a stack trace, and exits with `exitCode`.
 */
export class CliError extends Error {
    constructor(message: string, readonly exitCode: number = ExitCode.BadInput) {
        super(message);
        this.name = 'CliError';
    }
}
