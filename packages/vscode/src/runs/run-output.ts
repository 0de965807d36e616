import * as vscode from 'vscode';
import type { RunManager } from './run-manager.js';
import { loadWorkflowRuntime } from '../runtime/load-runtime.js';

/** The output channel every run writes its events to, in the words `flowctl run` uses. */
export const RUN_OUTPUT_CHANNEL = 'Flow Runs';

/**
 * Writes each run's notable events to the "Flow Runs" output channel, one timestamped line
 * each, with the run's log folder and a closing summary line.
 */
export class RunOutput implements vscode.Disposable {
    readonly channel = vscode.window.createOutputChannel(RUN_OUTPUT_CHANNEL);
    private readonly subscriptions: vscode.Disposable[] = [];
    /** Tasks whose runner is a demo built-in, by run, so that their completion says so. */
    private readonly demoTasks = new Map<string, Set<string>>();

    constructor(runs: RunManager) {
        this.subscriptions.push(
            runs.onDidStartRun(run => {
                this.demoTasks.set(run.id, new Set());
                this.channel.appendLine(`${stamp()} ${run.workflow} (${vscode.workspace.asRelativePath(run.file)})` +
                    `${run.scope ? `, only ${run.scope}` : ''}: task logs in ${vscode.workspace.asRelativePath(run.logDir)}`);
            }),
            runs.onDidReceiveEvent(({ run, event }) => {
                const demo = this.demoTasks.get(run.id) ?? new Set<string>();
                if (event.type === 'task.started' && event.demo) demo.add(event.task);
                const line = loadWorkflowRuntime().describeEvent(event, demo);
                if (line !== undefined) this.channel.appendLine(`${stamp(event.time)} ${line}`);
            }),
            runs.onDidEndRun(({ run, result }) => {
                this.demoTasks.delete(run.id);
                this.channel.appendLine(`${stamp(result.finishedAt)} ${result.workflow}: ${result.status} — ${countStatuses(result.tasks.map(task => task.status))}`);
            })
        );
    }

    show(): void {
        this.channel.show(true);
    }

    /** Writes a dry run's plan (each line already says `[dry run]`) and reveals it. */
    showDryRun(file: vscode.Uri, lines: readonly string[]): void {
        this.channel.appendLine(`${stamp()} [dry run] ${vscode.workspace.asRelativePath(file)}: nothing was run.`);
        for (const line of lines) this.channel.appendLine(line);
        this.show();
    }

    dispose(): void {
        for (const subscription of this.subscriptions) subscription.dispose();
        this.channel.dispose();
    }
}

/** "3 completed, 1 skipped": how many tasks ended in each status. */
export function countStatuses(statuses: readonly string[]): string {
    const counts = new Map<string, number>();
    for (const status of statuses) counts.set(status, (counts.get(status) ?? 0) + 1);
    return [...counts].map(([status, count]) => `${count} ${status.replace('_', ' ')}`).join(', ') || 'no tasks';
}

function stamp(time = Date.now()): string {
    return `[${new Date(time).toLocaleTimeString('en-GB', { hour12: false })}]`;
}
