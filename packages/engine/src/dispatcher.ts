/**
 * The engine decides what runs when; a dispatcher decides where. Requests and outcomes are
 * plain JSON, so a dispatcher that sends requests to a queue and workers in other processes can
 * replace the in-process one without the engine noticing.
 */
import { join } from 'node:path';
import type { Clock } from './clock.js';
import { TaskFailure } from './errors.js';
import type { ProcessUsage } from './events.js';
import type { AttemptOutcome, AttemptRequest } from './protocol.js';
import { discardLog, fileLog } from './runners/output.js';
import type { RunnerRegistry } from './runners/registry.js';

export interface Dispatcher {
    /**
     * Runs one request to its end. Never rejects: a failure is an outcome. When `signal` aborts,
     * the work must stop and the promise settle soon after.
     */
    execute(request: AttemptRequest, signal: AbortSignal): Promise<AttemptOutcome>;
    /** Kills at once everything still running (a second Ctrl-C). */
    killAll?(): void;
}

export interface InProcessDispatcherOptions {
    runners: RunnerRegistry;
    clock: Clock;
    /** The working directory of commands and the base of relative paths. */
    workflowDir: string;
    /** The folder for per-attempt log files (named by `logFileName`); without it no log files are written. */
    logDir?: string;
    /** Most bytes written to one log file; output past it is dropped and the file says so. @default unlimited */
    maxLogBytes?: number;
}

/** Runs requests in this process with the registered runners. */
export class InProcessDispatcher implements Dispatcher {
    constructor(private readonly options: InProcessDispatcherOptions) {}

    async execute(request: AttemptRequest, signal: AbortSignal): Promise<AttemptOutcome> {
        const runner = this.options.runners.get(request.runner.kind);
        if (!runner) {
            const error = TaskFailure.nonRetryable(
                `runner kind "${request.runner.kind}" is not available here (available: ${this.options.runners.kinds().join(', ')}); ` +
                (request.runner.kind === 'vscode_task' || request.runner.kind === 'lm' ? 'run this workflow from the editor' : 'register a runner for it'),
                'runner_unavailable');
            return { ok: false, error: error.toJSON() };
        }
        const file = this.options.logDir ? fileLog(join(this.options.logDir, logFileName(request)), { maxBytes: this.options.maxLogBytes }) : undefined;
        const log = file ?? discardLog;
        let outcome: AttemptOutcome;
        let usage: ProcessUsage | undefined;
        const reportUsage = (measured: ProcessUsage): void => {
            usage = measured;
        };
        try {
            const result = await runner.run({ request, signal, clock: this.options.clock, workflowDir: this.options.workflowDir, log, reportUsage });
            outcome = { ok: true, result: result === undefined ? null : result };
        } catch (error) {
            outcome = { ok: false, error: TaskFailure.from(error).toJSON() };
        }
        if (usage) outcome.usage = usage;
        await log.close();
        if (file?.error) {
            // A log that cannot be written must not fail the work it records; say so once and go on.
            process.emitWarning(`The log of ${request.task} (attempt ${request.attempt}) could not be written to ${file.file}: ${file.error.message}`);
        } else if (file && file.bytes > 0) {
            // Only a file that exists is named: an attempt that printed nothing has no log file.
            outcome.logFile = file.file;
        }
        return outcome;
    }

    killAll(): void {
        this.options.runners.killAll();
    }
}

/** `build.attempt1.log`, `quarterly.item2.attempt1.log`, `build.compensation.log`, `notification.ops.log`. */
export function logFileName(request: AttemptRequest): string {
    const safe = (text: string): string => text.replace(/[^A-Za-z0-9_.-]/g, '_');
    switch (request.purpose) {
        case 'compensation': return `${safe(request.task)}.compensation.log`;
        case 'notification': return `notification.${safe(request.task)}.log`;
        case 'task': {
            const item = request.item ? `.item${request.item.index}` : '';
            return `${safe(request.task)}${item}.attempt${request.attempt}.log`;
        }
    }
}
