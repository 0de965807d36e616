import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { requireTools } from './tools.js';

/** A headless Debian Chromium with its own profile in a temp folder that `close()` removes. */
export class Browser {
    private constructor(readonly context: BrowserContext, readonly page: Page, private readonly profile: string) {}

    static async launch(): Promise<Browser> {
        const { chromium: executablePath } = requireTools();
        const profile = await mkdtemp(path.join(os.tmpdir(), 'flow-chromium-'));
        const context = await chromium.launchPersistentContext(profile, {
            executablePath,
            headless: true,
            viewport: { width: 1280, height: 800 },
            args: [
                '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
                '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'
            ],
            timeout: 60_000,
            // Chromium keeps crash reports and dconf state in the home folder; keep them in the profile.
            env: { ...process.env, HOME: profile, XDG_CONFIG_HOME: path.join(profile, '.config'), XDG_CACHE_HOME: path.join(profile, '.cache') }
        });
        // Every wait is bounded; a scenario that waits longer than this is broken, not slow.
        context.setDefaultTimeout(30_000);
        const page = context.pages()[0] ?? await context.newPage();
        return new Browser(context, page, profile);
    }

    async close(): Promise<void> {
        await this.context.close().catch(() => undefined);
        await rm(this.profile, { recursive: true, force: true, maxRetries: 3 });
    }
}
