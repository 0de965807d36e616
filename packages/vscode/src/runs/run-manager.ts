import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunEvent, RunHandle, RunResult } from '@flow/engine';
import type { Json, WorkflowModel } from '@flow/model';
import { loadWorkflowRuntime } from '../runtime/load-runtime.js';
import { readFlowSettings } from '../settings.js';

/** A run the manager started, while it runs and after. */
export interface ManagedRun {
    readonly id: string;
    readonly workflow: string;
    /** The `.flow` file it was compiled from. */
    readonly file: vscode.Uri;
    /** Where its per-attempt log files go. */
    readonly logDir: string;
    readonly model: WorkflowModel;
    /** What part of the workflow runs, when not all of it: `task sign and its upstream tasks`. */
    readonly scope?: string;
    /** Every event so far, in order (a view that opens late replays them). */
    readonly events: readonly RunEvent[];
    /** Settles when the run has finished; never rejects for a failed run (see its `status`). */
    readonly result: Promise<RunResult>;
}

export interface RunEventNotice {
    run: ManagedRun;
    event: RunEvent;
}

export interface RunEndNotice {
    run: ManagedRun;
    result: RunResult;
}

export interface StartRunOptions {
    file: vscode.Uri;
    /** The workspace folder: relative paths and the `.flow/` state folder are taken from it. */
    workspaceDir: string;
    params?: Record<string, Json>;
    /** Says what part of the workflow `model` is, when it is not all of it (see `ManagedRun.scope`). */
    scope?: string;
}

/**
 * Owns the runs started from the editor: starts them on the engine, keeps their events, and
 * tells subscribers (output channel, status bar, notifications, and later the tree views and
 * the progress panel) about every start, event and end. Views never talk to the engine.
 */
export class RunManager implements vscode.Disposable {
    private readonly active = new Map<string, { run: ManagedRun; handle: RunHandle }>();
    private readonly started: ManagedRun[] = [];
    private readonly didStart = new vscode.EventEmitter<ManagedRun>();
    private readonly didReceiveEvent = new vscode.EventEmitter<RunEventNotice>();
    private readonly didEnd = new vscode.EventEmitter<RunEndNotice>();

    readonly onDidStartRun = this.didStart.event;
    readonly onDidReceiveEvent = this.didReceiveEvent.event;
    readonly onDidEndRun = this.didEnd.event;

    /** Runs that have not finished, oldest first. */
    get activeRuns(): ManagedRun[] {
        return [...this.active.values()].map(entry => entry.run);
    }

    /** Every run started in this window, running or finished, oldest first. */
    get sessionRuns(): readonly ManagedRun[] {
        return this.started;
    }

    /**
     * Starts a run with the `flow.*` settings of its file's folder (state directory, parallel
     * tasks, the shell's inherited variables) and the editor's runners. Throws the engine's `WorkflowConfigError` at once for parameters or settings
     * it cannot run with; a run that starts and then fails settles with status `failed`.
     */
    start(model: WorkflowModel, options: StartRunOptions): ManagedRun {
        const runtime = loadWorkflowRuntime();
        const id = randomUUID();
        const settings = readFlowSettings(options.file, options.workspaceDir);
        // Under the state directory as `flowctl run` writes them, so a run's logs are found whichever started it.
        const logDir = path.join(settings.stateDirectory, 'logs', id);
        const events: RunEvent[] = [];
        let run: ManagedRun | undefined;
        const handle = runtime.startWorkflow(model, {
            runId: id,
            params: options.params,
            logDir,
            maxParallel: settings.maxParallelTasks,
            runners: runtime.editorRunners({ shellInheritEnv: settings.shellInheritEnv, workspaceFolder: vscode.workspace.getWorkspaceFolder(options.file) }),
            onEvent: event => {
                events.push(event);
                // The engine emits run.started synchronously inside startWorkflow, before `run`
                // exists; those events are replayed below once it does.
                if (run) this.didReceiveEvent.fire({ run, event });
            }
        });
        const result = handle.result.then(finished => {
            this.active.delete(id);
            this.didEnd.fire({ run: run!, result: finished });
            return finished;
        }, error => {
            this.active.delete(id);
            throw error;
        });
        run = { id, workflow: model.name, file: options.file, logDir, model, scope: options.scope, events, result };
        this.active.set(id, { run, handle });
        this.started.push(run);
        this.didStart.fire(run);
        for (const event of [...events]) this.didReceiveEvent.fire({ run, event });
        return run;
    }

    /** Cancels a run: running attempts are stopped and nothing new starts. False when it is not running. */
    cancel(runId: string, reason = 'cancelled from the editor'): boolean {
        const entry = this.active.get(runId);
        entry?.handle.cancel(reason);
        return entry !== undefined;
    }

    dispose(): void {
        // Closing the window must not leave task processes behind.
        for (const { handle } of this.active.values()) handle.kill();
        this.didStart.dispose();
        this.didReceiveEvent.dispose();
        this.didEnd.dispose();
    }
}
