import * as vscode from 'vscode';
import type { RunManager } from './run-manager.js';
import type { TaskOutcome } from './task-outcome-label.js';

/**
 * The latest outcome of every task that ran in this window, by file, workflow and task, kept
 * from the run manager's events (a task's start, end or skip), so that CodeLenses and the
 * Workflows view say how each task last went without asking the engine.
 */
export class TaskOutcomes implements vscode.Disposable {
    private readonly outcomes = new Map<string, TaskOutcome>();
    private readonly didChange = new vscode.EventEmitter<vscode.Uri>();
    private readonly subscriptions: vscode.Disposable[];
    /** Fires with the `.flow` file whose tasks changed. */
    readonly onDidChange = this.didChange.event;

    constructor(runs: RunManager) {
        this.subscriptions = [runs.onDidReceiveEvent(({ run, event }) => {
            let outcome: TaskOutcome;
            switch (event.type) {
                case 'task.started':
                    outcome = { status: 'running', runId: run.id, attempt: event.attempt };
                    break;
                case 'task.completed':
                    outcome = { status: 'completed', runId: run.id, durationMs: event.durationMs, fromCache: event.fromCache, reused: event.reused !== undefined };
                    break;
                case 'task.failed':
                    outcome = { status: 'failed', runId: run.id, durationMs: event.durationMs, message: event.error.message };
                    break;
                case 'task.skipped':
                    outcome = { status: event.status, runId: run.id, reason: event.reason };
                    break;
                default:
                    return;
            }
            this.outcomes.set(key(run.file, run.workflow, event.task), outcome);
            this.didChange.fire(run.file);
        })];
    }

    get(file: vscode.Uri, workflow: string, task: string): TaskOutcome | undefined {
        return this.outcomes.get(key(file, workflow, task));
    }

    dispose(): void {
        for (const subscription of this.subscriptions) subscription.dispose();
        this.didChange.dispose();
    }
}

function key(file: vscode.Uri, workflow: string, task: string): string {
    return JSON.stringify([file.toString(), workflow, task]);
}
