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
import { FAILURE_DIR, Workbench } from './harness/workbench.js';

const FIXTURE = path.join(REPO_ROOT, 'test/vscode/fixtures/workspace');
const SUITE_INDEX = path.join(REPO_ROOT, 'test/vscode/out/suite/index.js');

let buildDir: string;
let vsix: string;

function node(args: string[], what: string): void {
    const result = spawnSync(NODE24, args, { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 });
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
    const editor = useEditor(() => ({ smokeTestDriver: true }));

    it('passes', async () => {
        const outcome = await runExtensionHostSuite(editor.server(), editor.workbench().page, REPO_ROOT, SUITE_INDEX, 120_000);
        const report = outcome.output.slice(Math.max(0, outcome.output.indexOf(REPORT_START))).join('\n');
        console.log(report);
        // On a failure, everything the workbench and the extension host logged.
        expect(outcome.exitCode, `the suite failed:\n${outcome.output.join('\n')}`).toBe(0);
        // A suite that ran nothing also exits 0.
        expect(report).toMatch(/\d+ passing/);
        expect(report).not.toMatch(/\d+ failing/);
    });
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

        // The status bar item opens the run's log.
        await workbench.statusBarItem('Hello completed').click();
        await workbench.page.locator('.panel .monaco-editor .view-lines', { hasText: 'sign completed' }).waitFor();
        await workbench.screenshot('run-output');
    });
});

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
});
