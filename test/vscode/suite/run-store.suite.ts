import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { RunResult } from '@flow/engine';
import type { CheckpointItem } from '../../../packages/vscode/src/checkpoints/checkpoints-view.js';
import type { ResumeOutcome } from '../../../packages/vscode/src/commands/resume-from-checkpoint.js';
import type { ManagedRun } from '../../../packages/vscode/src/runs/run-manager.js';
import type { RunStoreRuntime } from '../../../packages/vscode/src/store/load-store.js';
import type { RunItem, RunTreeItem } from '../../../packages/vscode/src/views/run-tree-items.js';
import { activeFlowExtension, flowExtension, readWorkspaceText, waitFor, workspaceUri } from './helpers.js';

const run = promisify(execFile);

/** The store bundle the extension ships: the tests open the store with the code the editor uses. */
function runStore(): RunStoreRuntime {
    return require(path.join(flowExtension().extensionPath, 'dist', 'run-store.cjs')) as RunStoreRuntime;
}

/** The workspace's state folder (flow.stateDirectory is not set: `.flow`, as flowctl's). */
function stateDir(): string {
    return workspaceUri('.flow').fsPath;
}

/** What the store says of a run, read-only, as another process would see it. */
async function stored<T>(query: (store: Awaited<ReturnType<RunStoreRuntime['FlowStore']['open']>>) => T): Promise<T> {
    const store = await runStore().FlowStore.open(stateDir(), { readOnly: true });
    try {
        return query(store);
    } finally {
        await store.close();
    }
}

/** Runs report.flow from the editor and returns the run the manager kept. */
async function runReport(): Promise<ManagedRun> {
    const { runs } = await activeFlowExtension();
    let started: ManagedRun | undefined;
    const subscription = runs.onDidStartRun(managed => { started = managed; });
    try {
        const result = await vscode.commands.executeCommand<RunResult | undefined>('flow.runWorkflow', workspaceUri('report.flow'));
        assert.equal(result?.status, 'completed', result?.reason);
    } finally {
        subscription.dispose();
    }
    assert.ok(started, 'flow.runWorkflow started no run');
    return started;
}

/** The Runs view's item for a run, once it shows it (the view reads the store when told it changed). */
async function runItem(runId: string, what = `the Runs view to show run ${runId}`): Promise<RunItem> {
    const { runsTree } = await activeFlowExtension();
    return waitFor(what, async () => (await runsTree.getChildren()).find((item): item is RunItem => 'summary' in item && item.summary.runId === runId));
}

async function taskRows(item: RunTreeItem): Promise<string[]> {
    const { runsTree } = await activeFlowExtension();
    return (await runsTree.getChildren(item)).map(child => `${child.label} ${(child.iconPath as vscode.ThemeIcon).id}`);
}

/** The lines of out/report/ran.txt: which of report.flow's tasks ran, in order. */
async function ranTasks(): Promise<string[]> {
    return (await readWorkspaceText('out', 'report', 'ran.txt')).trim().split('\n');
}

/** The state document the active editor shows, parsed. */
async function shownState(checkpoint: number): Promise<{ tasks: Record<string, { status: string }> }> {
    const editor = await waitFor(`the state at checkpoint ${checkpoint} in an editor`, () => {
        const active = vscode.window.activeTextEditor;
        return active?.document.uri.scheme === 'flow-state' && new URLSearchParams(active.document.uri.query).get('at') === String(checkpoint) ? active : undefined;
    });
    return JSON.parse(editor.document.getText());
}

/** report.flow's run from the first test, which the others read, step through and resume. */
let report: ManagedRun;

describe('the run store and the Runs view', () => {
    it('records a run from the editor in the state folder, every event of it, and the Runs view shows it with its tasks', async () => {
        report = await runReport();
        const { record, status, events } = await stored(store => ({ ...store.run(report.id)!, events: store.events(report.id) }));
        assert.equal(status, 'completed');
        assert.equal(record.file, workspaceUri('report.flow').fsPath);
        assert.deepEqual(record.params, { region: 'eu' });
        assert.deepEqual(events.map(event => event.seq), report.events.map(event => event.seq));

        const item = await runItem(report.id);
        assert.equal(item.label, 'Report');
        assert.equal(item.contextValue, 'run-completed');
        assert.match(String(item.description), /^completed · \d\d:\d\d:\d\d · \d/);
        assert.deepEqual(await taskRows(item), ['fetch pass', 'summarize pass', 'publish pass']);
    });

    it('shows a run that flowctl run made in a terminal once the store\'s files change', async () => {
        const cli = path.join(flowExtension().extensionPath, 'packages', 'cli', 'bin', 'flowctl.cjs');
        const { stdout } = await run(process.execPath, [cli, 'run', 'draft.flow', '--json', '--state-dir', stateDir()], { cwd: workspaceUri().fsPath });
        const runId = JSON.parse(stdout.split('\n')[0]).runId as string;
        // No refresh: the view's file watcher sees the store change.
        const item = await runItem(runId, `the Runs view to show flowctl's run ${runId} without a refresh`);
        assert.equal(item.label, 'Draft');
        assert.deepEqual(await taskRows(item), ['collect pass', 'summarize pass', 'publish pass']);
    });

});

describe('the Checkpoints view', () => {
        async function checkpointsOfReport(): Promise<readonly CheckpointItem[]> {
            const { checkpoints } = await activeFlowExtension();
            await checkpoints.showRun({ stateDir: stateDir(), runId: report.id });
            return waitFor('the checkpoints of the run', () => checkpoints.checkpoints.length === 4 ? checkpoints.checkpoints : undefined);
        }

        it('lists a run\'s checkpoints in order, each with the tasks that changed at it', async () => {
            const items = await checkpointsOfReport();
            assert.deepEqual(items.map(item => item.label), ['0 · start', '1 · after fetch', '2 · after summarize', '3 · after publish']);
            const { checkpoints } = await activeFlowExtension();
            const changes = await checkpoints.getChildren(items[2]);
            assert.deepEqual(changes.map(change => change.label), ['summarize']);
            assert.equal(changes[0].description, 'not started → completed · eu');
        });

        it('shows the state at the selected checkpoint, and Next and Previous Checkpoint move the selection', async () => {
            const { checkpoints } = await activeFlowExtension();
            const items = await checkpointsOfReport();
            await checkpoints.reveal(items[1]);
            const atFetch = await shownState(1);
            assert.equal(atFetch.tasks.fetch.status, 'completed');
            assert.notEqual(atFetch.tasks.summarize.status, 'completed');

            assert.equal(await vscode.commands.executeCommand('flow.nextCheckpoint'), 2);
            assert.equal(checkpoints.selected?.checkpoint.id, 2);
            assert.equal((await shownState(2)).tasks.summarize.status, 'completed');
            assert.equal(await vscode.commands.executeCommand('flow.previousCheckpoint'), 1);
            assert.equal(checkpoints.selected?.checkpoint.id, 1);
        });

        it('diffs a checkpoint with the one before in a diff editor', async () => {
            const items = await checkpointsOfReport();
            await vscode.commands.executeCommand('flow.diffCheckpoint', items[2]);
            const diff = await waitFor('a diff editor', () => {
                const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
                return input instanceof vscode.TabInputTextDiff ? input : undefined;
            });
            assert.deepEqual([diff.original, diff.modified].map(uri => `${uri.scheme} ${new URLSearchParams(uri.query).get('at')}`), ['flow-state 1', 'flow-state 2']);
        });
});

describe('Resume from Checkpoint', () => {
    it('resumes from a checkpoint with a changed parameter, running again only what it changed', async () => {
        const before = await ranTasks();
        // By the run's id, as the Resume button of the notification at a run's end passes it.
        const outcome = await vscode.commands.executeCommand<ResumeOutcome | undefined>('flow.resumeFromCheckpoint',
            report.id, { checkpoint: 3, params: { region: 'us' }, preview: false });
        assert.ok(outcome, 'nothing was resumed');
        assert.equal(outcome.result.status, 'completed', outcome.result.reason);
        assert.deepEqual(outcome.plan.map(step => `${step.task} ${step.keep ? 'keep' : 'run'}`), ['fetch keep', 'summarize run', 'publish run']);
        assert.deepEqual((await ranTasks()).slice(before.length), ['summarize us', 'publish']);
        const resumed = (await activeFlowExtension()).runs.sessionRuns.find(candidate => candidate.id === outcome.runId)!;
        assert.deepEqual(resumed.events.filter(event => event.type === 'task.reused').map(event => 'task' in event && event.task), ['fetch']);
        assert.deepEqual(await stored(store => store.run(outcome.runId)!.record.parent), { runId: report.id, checkpoint: 3, mode: 'fork' });
    });

    it('shows a run whose process went away as interrupted, and resumes it to completion without repeating what it did', async () => {
        // A writer in a process of its own records a run and its first events, up to fetch's end,
        // and exits without closing the store: as a flowctl run (or a window) that was killed.
        const runId = `interrupted-${Date.now()}`;
        const upToFetch = report.events.slice(0, report.events.findIndex(event => event.type === 'task.completed') + 1)
            .map(event => ({ ...event, runId }));
        const writer = `
            const { FlowStore } = require(${JSON.stringify(path.join(flowExtension().extensionPath, 'dist', 'run-store.cjs'))});
            const [dir, record, events] = JSON.parse(process.argv[1]);
            FlowStore.open(dir).then(store => {
                store.recordRun(record);
                for (const event of events) store.append(event);
                process.exit(0);
            });`;
        await run(process.execPath, ['-e', writer, JSON.stringify([stateDir(),
            { runId, workflow: 'Report', file: workspaceUri('report.flow').fsPath, params: report.params, model: report.model, startedAt: Date.now() }, upToFetch])],
        { timeout: 15_000 });
        (await activeFlowExtension()).history.refresh();
        const item = await runItem(runId);
        assert.equal(item.contextValue, 'run-interrupted');
        assert.match(String(item.description), /^interrupted · .* · 1 of 3 tasks done$/);

        const before = await ranTasks();
        const outcome = await vscode.commands.executeCommand<ResumeOutcome | undefined>('flow.resumeFromCheckpoint', item, { checkpoint: 1, params: {}, preview: false });
        assert.equal(outcome?.result.status, 'completed', outcome?.result.reason);
        assert.deepEqual((await ranTasks()).slice(before.length), ['summarize eu', 'publish']);
        assert.deepEqual(await stored(store => store.run(outcome.runId)!.record.parent), { runId, checkpoint: 1, mode: 'continue' });
    });
});

describe('Create Checkpoint and Show Analytics', () => {
    it('names a checkpoint of a run while it runs, through the store the run writes', async () => {
        const { runs } = await activeFlowExtension();
        const started = new Promise<ManagedRun>(resolve => {
            const subscription = runs.onDidStartRun(managed => {
                subscription.dispose();
                resolve(managed);
            });
        });
        const finished = vscode.commands.executeCommand<RunResult | undefined>('flow.runWorkflow', workspaceUri('slow.flow'));
        const slow = await started;
        const named = await vscode.commands.executeCommand<{ id: number } | undefined>('flow.createCheckpoint',
            { stateDir: stateDir(), runId: slow.id }, { name: 'before_the_wait', description: 'nothing has ended yet' });
        assert.equal(named?.id, 0);
        runs.cancel(slow.id);
        await finished;
        assert.deepEqual(await stored(store => store.checkpoints(slow.id).filter(checkpoint => checkpoint.name).map(checkpoint => `${checkpoint.id} ${checkpoint.name}`)),
            ['0 before_the_wait']);
    });

    it('opens Show Analytics in a panel under the same strict content security policy as the progress panel', async () => {
        const { analytics } = await activeFlowExtension();
        const panel = await vscode.commands.executeCommand<vscode.WebviewPanel>('flow.showAnalytics');
        assert.equal(panel, analytics.current);
        const html = panel.webview.html;
        const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
        assert.ok(csp, 'the page has no content security policy');
        assert.match(csp, /default-src 'none'/);
        assert.match(csp, /script-src 'nonce-[A-Za-z0-9+/=]{16,}'(;|$)/);
        assert.doesNotMatch(html, /<style|\sstyle="|<script(?![^>]*\ssrc=)/, 'inline style or script, which the policy would block');
        const bundleFolder = panel.webview.asWebviewUri(vscode.Uri.joinPath(flowExtension().extensionUri, 'dist', 'webview')).toString();
        assert.deepEqual([...html.matchAll(/\s(?:src|href)="([^"]+)"/g)].map(match => match[1].slice(bundleFolder.length)).sort(), ['/analytics.css', '/analytics.js']);
        panel.dispose();
    });
});
