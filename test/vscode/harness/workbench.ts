import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import type { Locator, Page } from 'playwright-core';
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
        await this.page.keyboard.press('F1');
        const input = this.page.locator('.quick-input-widget .quick-input-box input');
        await input.fill(`>${title}`);
        // Enter would run whichever row is highlighted first; the matching row is clicked instead.
        await this.page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().click();
    }

    /** The palette rows shown for a query, as their labels. */
    async paletteRows(query: string): Promise<string[]> {
        await this.page.keyboard.press('F1');
        await this.page.locator('.quick-input-widget .quick-input-box input').fill(`>${query}`);
        // The list settles a moment after typing; "No matching commands" is a row too.
        await this.page.locator('.quick-input-list .monaco-list-row').first().waitFor();
        const rows = await this.page.locator('.quick-input-list .monaco-list-row').allInnerTexts();
        await this.page.keyboard.press('Escape');
        return rows;
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

    statusBarItem(text: string): Locator {
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

    async screenshot(name: string): Promise<string> {
        await mkdir(SCREENSHOT_DIR, { recursive: true });
        const file = path.join(SCREENSHOT_DIR, `${name}.png`);
        await this.page.screenshot({ path: file });
        return file;
    }
}
