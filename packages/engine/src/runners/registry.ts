/**
 * Runners do a task's work. Each runner handles one `RunnerDef` kind; a registry maps kinds to
 * runners. The CLI uses `defaultRunners()`; the editor adds its own (VS Code tasks, language
 * models) with `register`.
 */
import type { Json } from '@flow/model';
import type { Clock } from '../clock.js';
import type { ProcessUsage } from '../events.js';
import type { AttemptRequest } from '../protocol.js';
import type { LogSink } from './output.js';

/** What a runner gets for one attempt. */
export interface RunnerContext {
    request: AttemptRequest;
    /** Aborted when the attempt must stop (timeout, cancellation); its reason is a `TaskFailure`. */
    signal: AbortSignal;
    clock: Clock;
    /** The workflow's folder: the working directory of commands and the base of relative paths. */
    workflowDir: string;
    /** Where the attempt's output goes (a log file, or nowhere). */
    log: LogSink;
    /** Takes what the attempt's processes used, from a runner that measures it, before it settles. */
    reportUsage?(usage: ProcessUsage): void;
}

export interface TaskRunner {
    /** The `RunnerDef` kind this runner handles. */
    readonly kind: string;
    /** Does the work: resolves to a JSON result, or throws a `TaskFailure`. */
    run(context: RunnerContext): Promise<Json>;
    /** Kills at once whatever the runner started (a second Ctrl-C). */
    killAll?(): void;
}

export class RunnerRegistry {
    private readonly runners = new Map<string, TaskRunner>();

    constructor(runners: Iterable<TaskRunner> = []) {
        for (const runner of runners) this.register(runner);
    }

    /** Adds a runner, replacing any runner of the same kind. */
    register(runner: TaskRunner): this {
        this.runners.set(runner.kind, runner);
        return this;
    }

    get(kind: string): TaskRunner | undefined {
        return this.runners.get(kind);
    }

    kinds(): string[] {
        return [...this.runners.keys()];
    }

    killAll(): void {
        for (const runner of this.runners.values()) runner.killAll?.();
    }
}
