import { format } from 'node:util';
import type { Page } from 'playwright-core';
import type { CodeServer } from './code-server.js';

export interface SuiteOutcome {
    /** What the suite's `run()` ended with: 0 when every test passed. */
    exitCode: number;
    /** What the extension host logged (mocha's report among it), one entry per call. */
    output: string[];
}

/**
 * Runs an extension-host suite in code-server, as @vscode/test-electron does in a desktop VS Code:
 * the workbench is loaded with a smoke-driver `payload` naming the extension under development
 * and the suite's compiled index; VS Code calls the suite's `run()` in the Node extension host
 * and reports its log and exit code through two functions the page exposes. The server must
 * have been started with `smokeTestDriver: true`.
 */
export async function runExtensionHostSuite(server: CodeServer, page: Page, extensionPath: string, suiteIndex: string, timeoutMs: number): Promise<SuiteOutcome> {
    const output: string[] = [];
    let exited!: (code: number) => void;
    const exit = new Promise<number>(resolve => { exited = resolve; });
    await page.exposeFunction('codeAutomationLog', (_level: string, args: unknown[]) => {
        // The arguments of a console call, printf-style.
        output.push(format(...(Array.isArray(args) ? args : [args])));
    });
    await page.exposeFunction('codeAutomationExit', (code: number) => exited(code));
    await page.goto(server.workbenchUrl([
        ['extensionDevelopmentPath', server.remoteUri(extensionPath)],
        ['extensionTestsPath', server.remoteUri(suiteIndex)],
        ['skipWelcome', 'true']
    ]));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the extension-host suite did not finish within ${timeoutMs / 1000} s. It logged:\n${output.join('\n')}`)), timeoutMs);
    });
    try {
        return { exitCode: await Promise.race([exit, timeout]), output };
    } finally {
        clearTimeout(timer);
    }
}
