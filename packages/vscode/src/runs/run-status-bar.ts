import * as vscode from 'vscode';
import type { RunResult } from '@flow/engine';
import { SHOW_RUN_LOG_COMMAND } from '../commands/show-run-log.js';
import type { ManagedRun, RunManager } from './run-manager.js';

/** The progress panel's command, which takes a run id; until it is registered, a click shows the run's output. */
const SHOW_PROGRESS_COMMAND = 'flow.showProgress';

/**
 * One status bar item for the most recently started run: its workflow, tasks done/total and
 * the current phase while it runs, then how it ended. A click shows the run's progress panel
 * (else its output). Hidden until the first run.
 */
export class RunStatusBar implements vscode.Disposable {
    private readonly item = vscode.window.createStatusBarItem('flow.run', vscode.StatusBarAlignment.Left, 10);
    private readonly subscriptions: vscode.Disposable[] = [];
    private shown?: ManagedRun;
    private clickShows = 'the run\'s log';

    constructor(runs: RunManager) {
        this.item.name = 'Flow Run';
        this.item.command = SHOW_RUN_LOG_COMMAND;
        this.subscriptions.push(
            runs.onDidStartRun(run => {
                this.shown = run;
                this.showRunning(run, 0, run.model.tasks.length);
                void this.pointAt(run);
            }),
            runs.onDidReceiveEvent(({ run, event }) => {
                if (run !== this.shown || event.type !== 'progress') return;
                this.showRunning(run, event.done, event.total, event.phase);
            }),
            runs.onDidEndRun(({ run, result }) => {
                if (run === this.shown) this.showEnded(result);
            })
        );
    }

    /** Asked at each start rather than once: the panel registers its command after this item exists. */
    private async pointAt(run: ManagedRun): Promise<void> {
        const hasPanel = (await vscode.commands.getCommands(true)).includes(SHOW_PROGRESS_COMMAND);
        if (run !== this.shown) return;
        this.item.command = hasPanel
            ? { command: SHOW_PROGRESS_COMMAND, title: 'Show Progress', arguments: [run.id] }
            : SHOW_RUN_LOG_COMMAND;
        this.clickShows = hasPanel ? 'its progress' : 'the run\'s log';
    }

    private showRunning(run: ManagedRun, done: number, total: number, phase?: string): void {
        this.item.text = `$(sync~spin) ${run.workflow} ${done}/${total}`;
        this.item.tooltip = `Flow: ${run.workflow} is running — ${done} of ${total} tasks finished` +
            `${phase ? `, phase ${phase}` : ''}${run.scope ? ` (only ${run.scope})` : ''}. Click to show ${this.clickShows}.`;
        this.item.backgroundColor = undefined;
        this.item.show();
    }

    private showEnded(result: RunResult): void {
        const icon = result.status === 'completed' ? '$(check)' : result.status === 'failed' ? '$(error)' : '$(circle-slash)';
        this.item.text = `${icon} ${result.workflow} ${result.status}`;
        this.item.tooltip = `Flow: ${result.workflow} ${result.status}${result.reason ? `: ${result.reason}` : ''}. Click to show ${this.clickShows}.`;
        this.item.backgroundColor = result.status === 'failed' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    }

    dispose(): void {
        for (const subscription of this.subscriptions) subscription.dispose();
        this.item.dispose();
    }
}
