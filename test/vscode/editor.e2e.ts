/**
 * The extension in a real VS Code (code-server 4.139.1, VS Code 1.139.1) driven in headless
 * Debian Chromium: the extension-host suite through the smoke-test driver, then what a person
 * sees, with screenshots for the README in docs/screenshots/. Fails (never skips) when
 * code-server or Chromium is missing, saying how to install them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Browser } from './harness/browser.js';
import { CodeServer, type CodeServerOptions } from './harness/code-server.js';
import { runExtensionHostSuite } from './harness/extension-host.js';
import { REPORT_START } from './suite/report-start.js';
import { NODE24, REPO_ROOT, requireTools } from './harness/tools.js';
import type { FrameLocator } from 'playwright-core';
import { FAILURE_DIR, Workbench } from './harness/workbench.js';

const FIXTURE = path.join(REPO_ROOT, 'test/vscode/fixtures/workspace');
const SUITE_INDEX = path.join(REPO_ROOT, 'test/vscode/out/suite/index.js');
/**
 * A test-only extension contributing the language model vendor the suite's chat models use. It
 * is installed, not loaded beside the extension under development: code-server loads only the
 * last `extensionDevelopmentPath` of a payload.
 */
const LM_TEST_PROVIDER = path.join(REPO_ROOT, 'test/vscode/fixtures/lm-test-provider');

let buildDir: string;
let vsix: string;
let lmTestProviderVsix: string;

function node(args: string[], what: string, cwd = REPO_ROOT): void {
    const result = spawnSync(NODE24, args, { cwd, encoding: 'utf8', timeout: 120_000 });
    if (result.status !== 0) throw new Error(`${what} failed (exit ${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
}

beforeAll(async () => {
    requireTools();
    // Fresh bundles, suite and .vsix, so that `npm run test:vscode` alone never tests stale code.
    node(['esbuild.mjs'], 'Bundling the extension (node esbuild.mjs)');
    node(['test/vscode/build.mjs'], 'Compiling the extension-host suite');
    buildDir = await mkdtemp(path.join(os.tmpdir(), 'flow-vsix-'));
    vsix = path.join(buildDir, 'flow-workflows.vsix');
    node(['scripts/package-vsix.mjs', vsix], 'Packaging the extension');
    lmTestProviderVsix = path.join(buildDir, 'flow-test-language-models.vsix');
    node([path.join(REPO_ROOT, 'node_modules/@vscode/vsce/vsce'), 'package', '--no-dependencies', '--skip-license', '--allow-missing-repository',
        '--out', lmTestProviderVsix], 'Packaging the test language model vendor', LM_TEST_PROVIDER);
});

afterAll(async () => {
    if (buildDir) await rm(buildDir, { recursive: true, force: true });
});

/** A code-server and a browser page on it for one describe block; on a failed test, its log and a screenshot. */
function useEditor(options: () => CodeServerOptions): { server: () => CodeServer; workbench: () => Workbench } {
    let server: CodeServer | undefined;
    let browser: Browser | undefined;
    beforeAll(async () => {
        server = await CodeServer.start(FIXTURE, options());
        browser = await Browser.launch();
    });
    afterAll(async () => {
        await browser?.close();
        await server?.stop();
    });
    beforeEach(({ task, onTestFailed }) => {
        onTestFailed(async () => {
            await mkdir(FAILURE_DIR, { recursive: true });
            const shot = path.join(FAILURE_DIR, `${task.name.replace(/[^\w-]+/g, '-')}.png`);
            await browser?.page.screenshot({ path: shot }).catch(() => undefined);
            console.error(`Screenshot of the failure: ${shot}\ncode-server's log:\n${server?.log().split('\n').slice(-80).join('\n')}`);
        });
    });
    return {
        server: () => server!,
        workbench: () => new Workbench(browser!.page)
    };
}

describe('extension-host suite (mocha in the extension host, through the smoke-test driver)', () => {
    const editor = useEditor(() => ({ smokeTestDriver: true, vsix: lmTestProviderVsix }));

    it('passes', async () => {
        const outcome = await runExtensionHostSuite(editor.server(), editor.workbench().page, REPO_ROOT, SUITE_INDEX, 180_000);
        const report = outcome.output.slice(Math.max(0, outcome.output.indexOf(REPORT_START))).join('\n');
        console.log(report);
        // On a failure, everything the workbench and the extension host logged.
        expect(outcome.exitCode, `the suite failed:\n${outcome.output.join('\n')}`).toBe(0);
        // A suite that ran nothing also exits 0.
        expect(report).toMatch(/\d+ passing/);
        expect(report).not.toMatch(/\d+ failing/);
    }, 200_000);
});

describe('UI in a trusted workspace', () => {
    const editor = useEditor(() => ({ vsix }));
    beforeAll(async () => editor.workbench().open(editor.server().workbenchUrl()));

    it('underlines an error and lists it in Problems', async () => {
        const workbench = editor.workbench();
        await workbench.openFile('broken.flow');
        await workbench.page.locator('.monaco-editor .squiggly-error').first().waitFor();
        await workbench.runCommand('Problems: Focus on Problems View');
        await workbench.page.locator('.markers-panel .monaco-list-row', { hasText: "Unknown task 'frist'" }).waitFor();
        await workbench.screenshot('diagnostics');
    });

    it('completes task names after `after `', async () => {
        const workbench = editor.workbench();
        await workbench.openFile('draft.flow');
        await workbench.goToEndOfLine(5);
        // Back over ` { run shell "true" }` to the end of the header, where dependencies go.
        for (let i = 0; i < ' { run shell "true" }'.length; i++) await workbench.page.keyboard.press('ArrowLeft');
        await workbench.page.keyboard.type(' after ');
        const suggestions = await workbench.suggest('collect');
        await suggestions.filter({ hasText: 'summarize' }).waitFor();
        await workbench.screenshot('completion');
        await workbench.page.keyboard.press('Escape');
    });

    it('runs a workflow from the palette and shows how it went', async () => {
        const workbench = editor.workbench();
        await workbench.openFile('hello.flow');
        // The editor's Run button is there in a trusted folder (the Restricted Mode test expects none).
        await workbench.page.locator('.editor-actions [aria-label^="Run Workflow"]').waitFor();
        await workbench.runCommand('Flow: Run Workflow');
        await workbench.settled(workbench.notification('Flow: Hello completed'));
        await workbench.statusBarItem('Hello completed').waitFor();
        await workbench.screenshot('run-workflow');
        expect(readFileSync(path.join(editor.server().workspace, 'out/greeting.txt'), 'utf8')).toBe('hello\nsigned\n');

        await workbench.runCommand('Flow: Show Run Log');
        await workbench.page.locator('.panel .monaco-editor .view-lines', { hasText: 'sign completed' }).waitFor();
        await workbench.screenshot('run-output');

        // The status bar item opens the run's progress panel (closed again: the next scenario opens its own).
        await workbench.statusBarItem('Hello completed').click();
        await workbench.webview().locator('.percent', { hasText: /^100 %$/ }).waitFor();
        await workbench.runCommand('View: Close Editor');
    });

    it('follows a run in the progress panel: its graph, its percentage to 100 %, a waiting task\'s reasons, a task\'s log', async () => {
        const workbench = editor.workbench();
        // The whole editor area for the panel (an earlier scenario may have left Problems open).
        if (await workbench.page.locator('.part.panel.bottom').isVisible()) await workbench.runCommand('View: Hide Panel');
        // Earlier runs' toasts would cover the screenshots.
        await workbench.runCommand('Notifications: Clear All Notifications');
        const webview = await runPipelineAndShowProgress(workbench);
        const tasks = webview.locator('svg.graph g.task');
        expect(await tasks.evaluateAll(nodes => nodes.map(node => node.getAttribute('data-task')))).toEqual(['fetch', 'compile', 'bundle', 'pages', 'index', 'publish']);
        await webview.locator('svg.graph .cluster-label', { hasText: 'stream docs' }).waitFor();

        // pages holds pool packer's one slot for 6 s; bundle queues behind it once compile is done.
        const bundle = webview.locator('g.task[data-task="bundle"][data-status="ready"]');
        await bundle.waitFor();
        await workbench.screenshot('progress-panel');
        await bundle.click();
        await webview.locator('.waiting-for li', { hasText: 'pool packer is full: 1 of 1 slots taken by pages' }).waitFor();
        await webview.locator('table.score tfoot', { hasText: 'score' }).waitFor();
        await workbench.screenshot('progress-task-details');

        await webview.locator('.percent', { hasText: /^100 %$/ }).waitFor();
        await webview.locator('.run-status', { hasText: 'completed' }).waitFor();
        expect(await webview.locator('g.task[data-status="completed"]').count()).toBe(6);

        await webview.locator('g.task[data-task="compile"]').click();
        await webview.locator('.details h2', { hasText: 'compile' }).waitFor();
        await webview.locator('.log-text', { hasText: 'compiled' }).waitFor();
    });

    it('brings the progress panel back after a window reload, saying the run is no longer followed', async () => {
        const workbench = editor.workbench();
        await workbench.page.reload();
        await workbench.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
        const webview = workbench.webview();
        await webview.locator('.detached', { hasText: /no longer followed live.*Shown is the run as it ended/ }).waitFor({ timeout: 60_000 });
        await webview.locator('.percent', { hasText: /^100 %$/ }).waitFor();
        expect(await webview.locator('g.task[data-status="completed"]').count()).toBe(6);
    });
});

/** Runs pipeline.flow from the palette and opens its progress panel (picking its run when the window has several). */
async function runPipelineAndShowProgress(workbench: Workbench): Promise<FrameLocator> {
    // From the explorer, not quick open: a webview that had the focus may keep the keyboard.
    await workbench.page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'pipeline.flow' }).click();
    await workbench.page.locator('.tabs-container .tab.active[data-resource-name="pipeline.flow"]').waitFor();
    // Run Workflow is offered in the palette for a focused .flow editor.
    await workbench.editor().click();
    await workbench.runCommand('Flow: Run Workflow');
    // Not just "Pipeline": the window's "checking pipeline.flow" progress item may still be there.
    await workbench.statusBarItem(/Pipeline \d+\/6/).waitFor();
    await workbench.runCommand('Flow: Show Run Progress');
    const webview = workbench.webview();
    const pipelineRow = workbench.page.locator('.quick-input-list .monaco-list-row', { hasText: 'Pipeline' }).first();
    // Whichever shows first; the other wait is dropped (its failure is no failure of the scenario).
    const ignore = (): void => undefined;
    await Promise.race([pipelineRow.waitFor().catch(ignore), webview.locator('svg.graph').waitFor().catch(ignore)]);
    if (await pipelineRow.isVisible()) await pipelineRow.click();
    await webview.locator('svg.graph').waitFor();
    return webview;
}

describe('UI in a light theme', () => {
    const editor = useEditor(() => ({ vsix, settings: { 'workbench.colorTheme': 'Default Light Modern' } }));
    beforeAll(async () => editor.workbench().open(editor.server().workbenchUrl()));

    it('draws the progress panel in the theme\'s colours', async () => {
        const workbench = editor.workbench();
        const webview = await runPipelineAndShowProgress(workbench);
        await webview.locator('.percent', { hasText: /^100 %$/ }).waitFor();
        await webview.locator('g.task[data-task="bundle"]').click();
        await webview.locator('.log-text', { hasText: 'bundled' }).waitFor();
        await workbench.runCommand('Notifications: Clear All Notifications');
        await workbench.screenshot('progress-panel-light');
    });
});

describe('UI: the Flow views, CodeLens, the palette, resume and analytics', () => {
    const editor = useEditor(() => ({ vsix }));
    beforeAll(async () => editor.workbench().open(editor.server().workbenchUrl()));

    it('lists every Flow command in the palette', async () => {
        const workbench = editor.workbench();
        await workbench.openFile('hello.flow');
        const titles = ['Run Workflow', 'Run Task', 'Dry Run', 'Cancel Run', 'Compile to JSON', 'Open Task Log', 'New Workflow from Template', 'Refresh Workflows',
            'Resume from Checkpoint', 'Create Checkpoint', 'Next Checkpoint', 'Previous Checkpoint', 'Show Analytics'];
        for (const title of titles) await (await workbench.paletteRow(`Flow: ${title}`)).waitFor();
        await workbench.page.keyboard.press('Escape');
        // Converting is offered where there is JSON to convert.
        await workbench.openFile('research.json');
        await (await workbench.paletteRow('Flow: Convert JSON to .flow')).waitFor();
        await workbench.page.keyboard.press('Escape');
    });

    it('shows the workspace\'s workflows in the Flow view, and selecting a task opens it', async () => {
        const workbench = editor.workbench();
        await workbench.page.locator('.activitybar .action-label[aria-label^="Flow"]').click();
        // The whole sidebar for the workflows: the Runs and Checkpoints views have their own scenarios.
        await setViewExpanded(workbench, 'Runs', false);
        await setViewExpanded(workbench, 'Checkpoints', false);
        const rows = viewRows(workbench, 'Workflows');
        // Files and workflows open expanded, down to the tasks.
        await rows.filter({ hasText: 'write_docs' }).waitFor();
        expect(await rows.evaluateAll(nodes => nodes.map(node => `${node.getAttribute('aria-level')} ${node.querySelector('.label-name')?.textContent}`)))
            .toEqual(expect.arrayContaining(['1 build.flow', '2 Build', '3 prepare', '4 fetch', '3 make', '4 code', '5 compile', '5 test', '4 docs', '5 write_docs']));
        await rows.filter({ hasText: /^test/ }).click();
        await workbench.page.locator('.tabs-container .tab.active[data-resource-name="build.flow"]').waitFor();
        await workbench.page.locator('.monaco-editor .codelens-decoration', { hasText: 'Run Task' }).first().waitFor();
        await workbench.screenshot('workflows-view');
    });

    it('runs a task from the CodeLens above it and then says how it went', async () => {
        const workbench = editor.workbench();
        await workbench.openFile('build.flow');
        await workbench.page.locator('.monaco-editor .codelens-decoration a', { hasText: /^\s*Run\s*$/ }).first().waitFor();
        // A lens's tooltip is its link's title: the one that runs `test`.
        await workbench.page.locator('.monaco-editor .codelens-decoration a[title="Run test and the tasks it depends on"]').click();
        const done = await workbench.settled(workbench.notification('Flow: Build (task test and the 2 tasks it depends on) completed'));
        await done.getByRole('button', { name: 'Show Progress' }).waitFor();
        await done.getByRole('button', { name: 'Open Log' }).waitFor();
        await workbench.page.locator('.monaco-editor .codelens-decoration', { hasText: /completed in/ }).first().waitFor();
        expect(existsSync(path.join(editor.server().workspace, 'out/build/test'))).toBe(true);
        expect(existsSync(path.join(editor.server().workspace, 'out/build/docs'))).toBe(false);
        await workbench.runCommand('Notifications: Clear All Notifications');
        await workbench.screenshot('codelens');
    });

    it('keeps runs across a window reload: the Runs view lists them with their tasks, and a run in flight then shows as interrupted', async () => {
        const workbench = editor.workbench();
        await runFromPalette(workbench, 'report.flow', 'Flow: Report completed');
        // slow.flow's task sleeps for ten minutes: the reload ends it mid-run.
        await workbench.openFile('slow.flow');
        await workbench.editor().click();
        await workbench.runCommand('Flow: Run Workflow');
        await workbench.statusBarItem('Slow 0/1').waitFor();
        await workbench.page.reload();
        await workbench.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });

        // The Flow container was open before the reload, and the workbench restores it so.
        const runsHeader = workbench.page.locator('.part.sidebar .pane-header', { hasText: /^\s*Runs/ });
        if (!await runsHeader.isVisible()) await workbench.page.locator('.activitybar .action-label[aria-label^="Flow"]').click();
        await setViewExpanded(workbench, 'Workflows', false);
        await setViewExpanded(workbench, 'Runs', true);
        await setViewExpanded(workbench, 'Checkpoints', true);
        const runs = viewRows(workbench, 'Runs');
        await runs.filter({ hasText: /Slow.*interrupted/ }).waitFor();
        // A click selects the run (the Checkpoints view follows it) and expands it.
        await runs.filter({ hasText: /Report.*completed/ }).first().click();
        await runs.filter({ hasText: 'summarize' }).waitFor();
        expect(await runs.evaluateAll(nodes => nodes.map(node => `${node.getAttribute('aria-level')} ${node.querySelector('.label-name')?.textContent}`)))
            .toEqual(expect.arrayContaining(['1 Report', '2 fetch', '2 summarize', '2 publish', '1 Slow']));
        await workbench.runCommand('Notifications: Clear All Notifications');
        await workbench.screenshot('runs-view');
    });

    it('steps through the checkpoints of the selected run, showing the state at each', async () => {
        const workbench = editor.workbench();
        // The Report run is selected in the Runs view: the Checkpoints view lists its checkpoints.
        const checkpoints = viewRows(workbench, 'Checkpoints');
        await checkpoints.filter({ hasText: '1 · after fetch' }).click();
        const state = workbench.page.locator('.editor-instance .monaco-editor .view-lines');
        await state.filter({ hasText: '"after": "fetch"' }).waitFor();
        await workbench.runCommand('Flow: Next Checkpoint');
        await state.filter({ hasText: '"after": "summarize"' }).waitFor();
        await checkpoints.filter({ hasText: '2 · after summarize' }).and(workbench.page.locator('[aria-selected="true"]')).waitFor();
        await workbench.screenshot('checkpoints-view');
    });

    it('forks a run from a checkpoint with a changed parameter, after showing what will run again', async () => {
        const workbench = editor.workbench();
        await viewRows(workbench, 'Checkpoints').filter({ hasText: '3 · after publish' }).click({ button: 'right' });
        const fork = workbench.page.locator('.monaco-menu .action-item', { hasText: 'Fork with Parameters' });
        await fork.waitFor();
        // The menu's last item, by keyboard: a click right after the menu opens can go unnoticed.
        await workbench.page.keyboard.press('ArrowUp');
        await fork.and(workbench.page.locator('.focused')).waitFor();
        await workbench.page.keyboard.press('Enter');
        // Which parameters to change (one, here), then its new value.
        const quickInput = workbench.page.locator('.quick-input-widget');
        await quickInput.locator('.quick-input-list .monaco-list-row', { hasText: 'region' }).locator('.monaco-checkbox').click();
        await quickInput.getByText('1 Selected').waitFor();
        // OK, not Enter: the focused checkbox would take Enter as a second toggle.
        await quickInput.getByRole('button', { name: 'OK' }).click();
        const input = workbench.page.locator('.quick-input-widget .quick-input-box input');
        await expect.poll(() => input.inputValue()).toBe('eu');
        await input.fill('us');
        await workbench.page.keyboard.press('Enter');
        const dialog = await workbench.settled(workbench.page.locator('.monaco-dialog-box', { hasText: 'Resume Report from checkpoint 3' }));
        await dialog.getByText('summarize — changed parameter region').waitFor();
        await dialog.getByText('fetch — unchanged: keeps its result').waitFor();
        await workbench.screenshot('resume-plan');
        await dialog.getByRole('button', { name: 'Resume' }).click();
        await workbench.settled(workbench.notification('Flow: Report completed'));
        expect(readFileSync(path.join(editor.server().workspace, 'out/report/ran.txt'), 'utf8').trim().split('\n'))
            .toEqual(['fetch', 'summarize eu', 'publish', 'summarize us', 'publish']);
        await viewRows(workbench, 'Runs').filter({ hasText: /Report.*completed/ }).nth(1).waitFor();
    });

    it('shows the store\'s analytics as charts and tables', async () => {
        const workbench = editor.workbench();
        await workbench.runCommand('Notifications: Clear All Notifications');
        await workbench.runCommand('Flow: Show Analytics');
        const webview = workbench.webview();
        await webview.locator('figure.chart svg').first().waitFor();
        await webview.locator('figure.chart[data-chart="Completion time by task type"] g.bar').first().waitFor();
        await webview.locator('figure.chart[data-chart="Runs per day"] rect.column').first().waitFor();
        await expect.poll(() => webview.locator('.figure[data-figure="Runs"] .figure-value').textContent()).toMatch(/^\d+$/);
        await webview.locator('table').first().waitFor();
        await workbench.screenshot('analytics');
    });
});

/** Opens a workspace file, runs its workflow from the palette and waits for the notification that it ended. */
async function runFromPalette(workbench: Workbench, file: string, ended: string): Promise<void> {
    await workbench.openFile(file);
    await workbench.editor().click();
    await workbench.runCommand('Flow: Run Workflow');
    await workbench.settled(workbench.notification(ended));
}

/** The rows of one view of the Flow container (its pane is found by its header's title). */
function viewRows(workbench: Workbench, title: string) {
    return workbench.page.locator('.part.sidebar .pane', { has: workbench.page.locator('.pane-header', { hasText: new RegExp(`^\\s*${title}`) }) })
        .locator('.monaco-list-row');
}

/** Expands or collapses a view of the sidebar (to make room for the others). */
async function setViewExpanded(workbench: Workbench, title: string, expanded: boolean): Promise<void> {
    const header = workbench.page.locator('.part.sidebar .pane-header', { hasText: new RegExp(`^\\s*${title}`) });
    await header.waitFor();
    if ((await header.getAttribute('aria-expanded') === 'true') !== expanded) await header.click();
    await workbench.page.locator(`.part.sidebar .pane-header[aria-expanded="${expanded}"]`, { hasText: new RegExp(`^\\s*${title}`) }).waitFor();
}

describe('UI in Restricted Mode (Workspace Trust on, folder not trusted)', () => {
    const editor = useEditor(() => ({ vsix, trust: 'untrusted' }));
    beforeAll(async () => editor.workbench().open(editor.server().workbenchUrl()));

    it('still checks .flow files', async () => {
        const workbench = editor.workbench();
        await workbench.openFile('broken.flow');
        await workbench.page.locator('.monaco-editor .squiggly-error').first().waitFor();
    });

    it('refuses to run a workflow and says why', async () => {
        const workbench = editor.workbench();
        await workbench.openFile('hello.flow');
        await workbench.page.locator('.monaco-editor .view-lines', { hasText: 'workflow Hello' }).waitFor();
        expect(await workbench.page.locator('.editor-actions [aria-label^="Run Workflow"]').count()).toBe(0);
        await workbench.runCommand('Flow: Run Workflow');
        const refusal = await workbench.settled(workbench.notification('disabled in Restricted Mode'));
        await refusal.getByRole('button', { name: 'Manage Workspace Trust' }).waitFor();
        await workbench.screenshot('restricted-mode');
        expect(existsSync(path.join(editor.server().workspace, 'out'))).toBe(false);
    });

    it('refuses the other commands that run or make workflows, and says why', async () => {
        const workbench = editor.workbench();
        await workbench.openFile('build.flow');
        for (const [title, reason] of [
            ['Flow: Run Task', 'running a task is disabled in Restricted Mode'],
            ['Flow: Dry Run', 'a dry run is disabled in Restricted Mode'],
            ['Flow: Compile to JSON', 'compiling to JSON is disabled in Restricted Mode'],
            ['Flow: New Workflow from Template', 'making a workflow from a template is disabled in Restricted Mode']
        ]) {
            await workbench.runCommand('Notifications: Clear All Notifications');
            await workbench.runCommand(title);
            await workbench.notification(reason).waitFor();
        }
        expect(existsSync(path.join(editor.server().workspace, 'out'))).toBe(false);
    });
});
