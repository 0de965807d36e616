import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ReuseSource, RunEvent, RunHandle, RunResult, ScoreExplanation } from '@flow/engine';
import type { Json, WorkflowModel } from '@flow/model';
import type { CheckpointInfo, FlowStore, RunParent } from '@flow/store';
import { loadWorkflowRuntime } from '../runtime/load-runtime.js';
import { readFlowSettings } from '../settings.js';
import { StoreWriters } from './store-writers.js';

/** A run the manager started, while it runs and after. */
export interface ManagedRun {
    readonly id: string;
    readonly workflow: string;
    /** The `.flow` file it was compiled from. */
    readonly file: vscode.Uri;
    /** The state directory whose store records it (`flow.stateDirectory`). */
    readonly stateDirectory: string;
    /** Where its per-attempt log files go. */
    readonly logDir: string;
    readonly model: WorkflowModel;
    /** The parameter values it runs with (the workflow's defaults and what was given). */
    readonly params: Record<string, Json>;
    /** What part of the workflow runs, when not all of it: `task sign and its upstream tasks`. */
    readonly scope?: string;
    /** The run it resumes, when it is a resume. */
    readonly parent?: RunParent;
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
    /** For a resume: the run it starts from (recorded with the run) and the results it may keep. */
    resume?: { parent: RunParent; reuse: ReuseSource };
    /** Where to record the run, when not the file's `flow.stateDirectory` (a resume records it beside its parent). */
    stateDirectory?: string;
}

/**
 * Owns the runs started from the editor: records each in the run store of its state directory
 * as `flowctl run` does (the run, then every event, appended before anyone is told of it, with
 * the store's persistent results cache), runs it on the engine, keeps its events, and tells
 * subscribers (output channel, status bar, notifications, views, progress panels) about every
 * start, event and end. Views never talk to the engine.
 */
export class RunManager implements vscode.Disposable {
    private readonly active = new Map<string, { run: ManagedRun; handle: RunHandle; store: FlowStore }>();
    private readonly started: ManagedRun[] = [];
    private readonly didStart = new vscode.EventEmitter<ManagedRun>();
    private readonly didReceiveEvent = new vscode.EventEmitter<RunEventNotice>();
    private readonly didEnd = new vscode.EventEmitter<RunEndNotice>();
    private readonly didWarn = new vscode.EventEmitter<string>();
    private readonly writers = new StoreWriters(message => this.didWarn.fire(message));
    /** Set once the window closes: events are no longer recorded, stores no longer released one by one. */
    private closing = false;

    readonly onDidStartRun = this.didStart.event;
    readonly onDidReceiveEvent = this.didReceiveEvent.event;
    readonly onDidEndRun = this.didEnd.event;
    /** What the run store recovered from or could not do (a torn journal line, a failed append), in words for the user. */
    readonly onDidWarn = this.didWarn.event;

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
     * tasks, the shell's inherited variables) and the editor's runners, recorded in the folder's
     * store. Rejects with the engine's `WorkflowConfigError` for parameters or settings it cannot
     * run with, and with a `StoreBusyError` when another process kept the store; a run that
     * starts and then fails settles with status `failed`.
     */
    async start(model: WorkflowModel, options: StartRunOptions): Promise<ManagedRun> {
        const runtime = loadWorkflowRuntime();
        const id = randomUUID();
        const settings = readFlowSettings(options.file, options.workspaceDir);
        const stateDirectory = options.stateDirectory ?? settings.stateDirectory;
        // As `flowctl run` records them: every parameter's value, defaults included, so a resume compares like with like.
        const params = runtime.resolveParams(model, options.params ?? {});
        const store = await this.writers.acquire(stateDirectory, model.name);
        // Under the state directory as `flowctl run` writes them, so a run's logs are found whichever started it.
        const logDir = path.join(stateDirectory, 'logs', id);
        const events: RunEvent[] = [];
        let run: ManagedRun | undefined;
        let recording = true;
        let handle: RunHandle;
        try {
            store.recordRun({
                runId: id, workflow: model.name, file: options.file.fsPath, params, model, startedAt: Date.now(), parent: options.resume?.parent,
                ...(options.scope !== undefined ? { scope: options.scope } : {})
            });
            handle = runtime.startWorkflow(model, {
                runId: id,
                params,
                logDir,
                maxParallel: settings.maxParallelTasks,
                cache: store.cache,
                reuse: options.resume?.reuse,
                runners: runtime.editorRunners({ shellInheritEnv: settings.shellInheritEnv, workspaceFolder: vscode.workspace.getWorkspaceFolder(options.file) }),
                onEvent: event => {
                    // Durable before anyone sees it, as `flowctl run` does: a window that dies loses no event it showed.
                    if (recording && !this.closing) recording = this.record(store, event, model.name);
                    events.push(event);
                    // The engine emits run.started synchronously inside startWorkflow, before `run`
                    // exists; those events are replayed below once it does.
                    if (run) this.didReceiveEvent.fire({ run, event });
                }
            });
        } catch (error) {
            await this.writers.release(stateDirectory);
            throw error;
        }
        const result = handle.result.then(finished => {
            this.active.delete(id);
            this.didEnd.fire({ run: run!, result: finished });
            return finished;
        }, error => {
            this.active.delete(id);
            // The views, the status bar and the notifier learn of the end as of any other: a
            // failed run, with the engine's error as its reason.
            const now = Date.now();
            const startedAt = events[0]?.time ?? now;
            this.didEnd.fire({
                run: run!, result: {
                    runId: id, workflow: model.name, status: 'failed', reason: `the engine failed: ${(error as Error).message}`,
                    startedAt, finishedAt: now, durationMs: now - startedAt, tasks: [], deliverables: []
                }
            });
            throw error;
        }).finally(() => {
            if (!this.closing) void this.writers.release(stateDirectory);
        });
        // The end is announced above; a caller that awaits `result` still sees the error.
        result.catch(() => undefined);
        run = {
            id, workflow: model.name, file: options.file, stateDirectory, logDir, model, params, scope: options.scope,
            parent: options.resume?.parent, events, result
        };
        this.active.set(id, { run, handle, store });
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

    /** The engine's own score of a task of a running run, factor by factor; undefined once the run has ended. */
    explainTaskScore(runId: string, taskId: string): ScoreExplanation | undefined {
        return this.active.get(runId)?.handle.explainTaskScore(taskId);
    }

    /**
     * Names the latest checkpoint of a run this window is running, through the store that
     * records it (another process cannot: this window holds the lock). Undefined when the run is
     * not running here.
     */
    checkpoint(runId: string, name: string, description?: string): CheckpointInfo | undefined {
        return this.active.get(runId)?.store.checkpoint(runId, name, description);
    }

    /** Appends one event; false (after saying so once) when the store cannot take it, so that the run goes on unrecorded. */
    private record(store: FlowStore, event: RunEvent, workflow: string): boolean {
        try {
            store.append(event);
            return true;
        } catch (error) {
            this.didWarn.fire(`${workflow}: the run store in ${store.stateDir} could not record event ${event.seq} (${event.type}): ` +
                `${(error as Error).message}. The run goes on, but its history there stops here and it cannot be resumed past it.`);
            return false;
        }
    }

    /**
     * Closing the window ends the runs it started (no task process may be left behind) without
     * recording an end: in the store they stay `running` with their writer gone, which every view
     * (and flowctl) shows as interrupted, to be resumed. Then the stores are exported and
     * unlocked (the journal already holds every event). `deactivate` awaits this.
     */
    async shutdown(): Promise<void> {
        this.stopRuns();
        await this.writers.closeAll();
    }

    dispose(): void {
        this.stopRuns();
        this.didStart.dispose();
        this.didReceiveEvent.dispose();
        this.didEnd.dispose();
        this.didWarn.dispose();
    }

    private stopRuns(): void {
        if (this.closing) return;
        this.closing = true;
        for (const { handle } of this.active.values()) handle.kill();
    }
}
