import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { REPO_ROOT } from './tools.js';

/**
 * Where the scenarios' screenshots go: test-results/vscode/screenshots (git-ignored) on every run,
 * docs/screenshots (committed, shown in the README) with `npm run screenshots`. Their clocks and
 * timings differ on every run, so writing the committed ones each time would leave every
 * developer's tree modified.
 */
export const SCREENSHOT_DIR = path.resolve(REPO_ROOT, process.env.FLOW_SCREENSHOT_DIR ?? 'test-results/vscode/screenshots');
/** Where screenshots of failures go (git-ignored). */
export const FAILURE_DIR = path.join(REPO_ROOT, 'test-results/vscode');

/**
 * Drives the VS Code workbench in a page the way a person does: keyboard shortcuts, the
 * palette, quick open, clicks. Selectors are the workbench's own classes and ARIA labels.
 */
export class Workbench {
    constructor(readonly page: Page) {}

    /** Loads the workbench and waits until the explorer shows the workspace's files. */
    async open(url: string): Promise<void> {
        await this.page.goto(url);
        await this.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
        await this.page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60_000 });
    }

    /** Runs a palette command by its full title (`Flow: Run Workflow`), clicking its own row. */
    async runCommand(title: string): Promise<void> {
        await (await this.paletteRow(title)).click();
    }

    /**
     * Opens the palette on `title` and returns the row whose label is exactly that title (wait
     * for it to see that the palette offers the command).
     */
    async paletteRow(title: string): Promise<Locator> {
        await this.page.keyboard.press('F1');
        await this.page.locator('.quick-input-widget .quick-input-box input').fill(`>${title}`);
        // Enter would run whichever row is highlighted first, and a longer title that starts the
        // same (`Flow: Run Workflow from Checkpoint`) may come first: the row whose label is
        // exactly the title is the one.
        const label = this.page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(title)}$`) });
        return this.page.locator('.quick-input-list .monaco-list-row', { has: label }).first();
    }

    /** Opens a workspace file with quick open and waits for its editor tab. */
    async openFile(name: string): Promise<void> {
        await this.page.keyboard.press('Control+P');
        await this.page.locator('.quick-input-widget .quick-input-box input').fill(name);
        await this.page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().click();
        await this.page.locator(`.tabs-container .tab.active[data-resource-name="${name}"]`).waitFor();
        await this.page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor();
    }

    /** Focuses the active editor and puts the cursor at the end of a line (1-based). */
    async goToEndOfLine(line: number): Promise<void> {
        await this.editor().click();
        await this.page.keyboard.press('Control+G');
        await this.page.locator('.quick-input-widget .quick-input-box input').fill(`:${line}`);
        await this.page.keyboard.press('Enter');
        await this.page.keyboard.press('End');
    }

    editor(): Locator {
        return this.page.locator('.editor-instance .monaco-editor').first();
    }

    /** The page inside the visible webview: VS Code nests it in two iframes, its host's and the page's own. */
    webview(): FrameLocator {
        return this.page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
    }

    statusBarItem(text: string | RegExp): Locator {
        return this.page.locator('.statusbar-item', { hasText: text });
    }

    /** A notification toast whose text contains `text`. */
    notification(text: string | RegExp): Locator {
        return this.page.locator('.notifications-toasts .notification-toast', { hasText: text });
    }

    /** Waits until an element has stopped moving (a toast slides in, a widget grows), up to 5 s. */
    async settled(locator: Locator): Promise<Locator> {
        await locator.waitFor();
        let previous = '';
        let unchanged = 0;
        for (const deadline = Date.now() + 5_000; unchanged < 3 && Date.now() < deadline;) {
            const box = JSON.stringify(await locator.boundingBox());
            unchanged = box === previous ? unchanged + 1 : 0;
            previous = box;
            await this.page.waitForTimeout(100);
        }
        return locator;
    }

    /**
     * Opens the suggestions at the cursor until one with `label` shows. The first request can
     * come before the language server has the document, and then VS Code shows "No
     * suggestions"; asking again is what a person would do.
     */
    async suggest(label: string): Promise<Locator> {
        const rows = this.page.locator('.suggest-widget .monaco-list-row');
        for (let attempt = 1; ; attempt++) {
            await this.page.keyboard.press('Control+Space');
            try {
                await rows.filter({ hasText: label }).waitFor({ timeout: 5_000 });
                return rows;
            } catch (error) {
                if (attempt === 4) throw error;
                await this.page.keyboard.press('Escape');
            }
        }
    }

    async screenshot(name: string): Promise<string> {
        await mkdir(SCREENSHOT_DIR, { recursive: true });
        const file = path.join(SCREENSHOT_DIR, `${name}.png`);
        await this.page.screenshot({ path: file });
        return file;
    }
}

function escapeRegExp(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
