/**
 * The extension-host suite in a desktop VS Code, with @vscode/test-electron: `npm run
 * test:electron`. It downloads VS Code (FLOW_VSCODE_VERSION, default `stable`) into
 * .vscode-test/, so it works only where that site is reachable; `npm test` runs the same suite
 * in code-server instead (test/vscode/editor.e2e.ts), offline.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';

async function main(): Promise<number> {
    // Compiled to test/vscode/out/electron/: the repository root is four folders up.
    const root = path.resolve(__dirname, '../../../..');
    const scratch = await mkdtemp(path.join(os.tmpdir(), 'flow-electron-'));
    const workspace = path.join(scratch, 'workspace');
    await cp(path.join(root, 'test/vscode/fixtures/workspace'), workspace, { recursive: true });
    try {
        return await runTests({
            version: process.env.FLOW_VSCODE_VERSION ?? 'stable',
            extensionDevelopmentPath: root,
            extensionTestsPath: path.join(root, 'test/vscode/out/suite/index.js'),
            launchArgs: [
                workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes',
                '--user-data-dir', path.join(scratch, 'user-data')
            ]
        });
    } catch (error) {
        console.error(`The extension-host suite did not pass in VS Code: ${error instanceof Error ? error.message : String(error)}. ` +
            'This runner downloads VS Code first; offline, `npm run test:vscode` runs the same suite in code-server.');
        return 1;
    } finally {
        await rm(scratch, { recursive: true, force: true });
    }
}

main().then(code => { process.exitCode = code; });
