import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunHistory } from '../history/run-history.js';
import type { ManagedRun, RunManager } from '../runs/run-manager.js';
import type { StoredRunRef } from '../views/run-tree-items.js';

export const OPEN_TASK_LOG_COMMAND = 'flow.openTaskLog';

/** Which log to open; CodeLenses and notifications pass it, the palette asks. */
export interface TaskLogTarget {
    runId?: string;
    task?: string;
}

/**
 * `Flow: Open Task Log`: opens the log file of a task's attempt (what its command printed) from
 * a run of this window, or from the store (a Runs item passes its task): the run and task
 * given, else picked. Log files are named as the engine names them (`<task>.attempt<n>.log`,
 * `<task>.item<i>.attempt<n>.log`, ...); an attempt that printed nothing has none. Reading a log
 * runs nothing, so Restricted Mode allows it. Resolves with the file opened.
 */
export function registerOpenTaskLog(context: vscode.ExtensionContext, runs: RunManager, history: RunHistory): void {
    context.subscriptions.push(vscode.commands.registerCommand(OPEN_TASK_LOG_COMMAND,
        async (given: TaskLogTarget | { ref: StoredRunRef & { task: string } } = {}): Promise<vscode.Uri | undefined> => {
            const target: TaskLogTarget & { stateDir?: string } = 'ref' in given ? given.ref : given;
            const run = target.runId === undefined ? await pickRun(runs.sessionRuns)
                : runs.sessionRuns.find(candidate => candidate.id === target.runId) ?? await storedRun(history, target.runId, target.stateDir);
            if (!run) {
                if (target.runId !== undefined || runs.sessionRuns.length === 0) {
                    void vscode.window.showInformationMessage(target.runId !== undefined
                        ? `Flow: there is no run ${target.runId} with logs to open (it may have been removed from the store).`
                        : 'Flow: no run of this window has logs to open; run a workflow first, or open a task\'s log from the Runs view.');
                }
                return undefined;
            }
            const files = (await logFiles(run)).filter(file => target.task === undefined || file.task === target.task);
            if (files.length === 0) {
                void vscode.window.showInformationMessage(`Flow: ${target.task ? `task ${target.task} of ${run.workflow} printed nothing` : `no task of ${run.workflow} printed anything`}, so there is no log to open ` +
                    `(logs are written to ${vscode.workspace.asRelativePath(run.logDir)}).`);
                return undefined;
            }
            // A task's newest attempt, unless it is a batch with a log per item.
            const direct = files.length === 1 || (target.task !== undefined && files.every(file => !file.attempt.startsWith('item ')));
            const file = direct ? files[0] : (await vscode.window.showQuickPick(files.map(entry => ({ label: entry.task, description: entry.attempt, entry })), {
                title: `Flow: Open Task Log of ${run.workflow}`, placeHolder: 'Which task\'s log?', matchOnDescription: true
            }))?.entry;
            if (!file) return undefined;
            const uri = vscode.Uri.file(file.path);
            await vscode.window.showTextDocument(uri, { preview: true });
            return uri;
        }));
}

/** What finding a run's logs needs: where they are and the order of its tasks. */
type RunWithLogs = Pick<ManagedRun, 'workflow' | 'logDir' | 'model'>;

/** A run from the store: its logs are under its state folder's logs/<run id>/, as flowctl and the editor write them. */
async function storedRun(history: RunHistory, runId: string, stateDir: string | undefined): Promise<RunWithLogs | undefined> {
    for (const dir of stateDir !== undefined ? [stateDir] : history.folders().map(folder => folder.dir)) {
        const record = await history.read(dir, store => store.run(runId)?.record).catch(() => undefined);
        if (record) return { workflow: record.workflow, logDir: path.join(dir, 'logs', record.runId), model: record.model };
    }
    return undefined;
}

interface LogFile {
    path: string;
    task: string;
    /** `attempt 2`, `item 3, attempt 1`, `compensation`, `notification` */
    attempt: string;
}

const LOG_NAME = /^(?:notification\.(?<target>.+)|(?<task>[^.]+)(?:\.item(?<item>\d+))?\.(?:attempt(?<attempt>\d+)|(?<compensation>compensation)))\.log$/;

/** The run's log files, newest attempt first within a task, tasks in the model's order. */
async function logFiles(run: RunWithLogs): Promise<LogFile[]> {
    const entries = await vscode.workspace.fs.readDirectory(vscode.Uri.file(run.logDir)).then(found => found, () => [] as [string, vscode.FileType][]);
    const order = new Map(run.model.tasks.map((task, index) => [task.id, index]));
    return entries
        .filter(([, type]) => type === vscode.FileType.File)
        .flatMap(([name]) => {
            const match = LOG_NAME.exec(name)?.groups;
            if (!match) return [];
            const task = match.task ?? match.target;
            const attempt = match.target !== undefined ? 'notification'
                : match.compensation ? 'compensation'
                    : `${match.item !== undefined ? `item ${Number(match.item) + 1}, ` : ''}attempt ${match.attempt}`;
            return [{ path: path.join(run.logDir, name), task, attempt, sortKey: Number(match.attempt ?? 0) }];
        })
        .sort((a, b) => (order.get(a.task) ?? Infinity) - (order.get(b.task) ?? Infinity) || b.sortKey - a.sortKey || a.attempt.localeCompare(b.attempt))
        .map(({ sortKey: _sortKey, ...file }) => file);
}

async function pickRun(sessionRuns: readonly ManagedRun[]): Promise<ManagedRun | undefined> {
    if (sessionRuns.length <= 1) return sessionRuns[0];
    const picked = await vscode.window.showQuickPick([...sessionRuns].reverse().map(run => ({
        label: run.workflow,
        description: [vscode.workspace.asRelativePath(run.file), run.scope].filter(Boolean).join(' · '),
        detail: `started ${new Date(run.events[0]?.time ?? Date.now()).toLocaleTimeString()}`,
        run
    })), { title: 'Flow: Open Task Log', placeHolder: 'Logs of which run?' });
    return picked?.run;
}
