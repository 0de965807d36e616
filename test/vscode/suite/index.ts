/**
 * The extension-host suite's entry: what `extensionTestsPath` names, for @vscode/test-electron
 * and for the code-server harness alike. The editor calls `run()` in its extension host; the
 * suite then drives the real `vscode` API, the installed extension and its language server.
 */
import * as path from 'node:path';
import Mocha from 'mocha';
import { REPORT_START } from './report-start.js';

/** In the order they run: activation is checked before anything else opens a .flow file. */
const SUITE_FILES = [
    'activation.suite.js', 'language.suite.js',
    // Before anything runs a task, so that the view and the lenses show no outcomes yet.
    'workflows-view.suite.js', 'code-lens.suite.js',
    'run-workflow.suite.js', 'progress.suite.js', 'commands.suite.js', 'editor-runners.suite.js', 'run-store.suite.js'
];

export function run(): Promise<void> {
    console.log(REPORT_START);
    const mocha = new Mocha({ ui: 'bdd', reporter: 'spec', color: false, timeout: 30_000 });
    for (const file of SUITE_FILES) mocha.addFile(path.join(__dirname, file));
    return new Promise((resolve, reject) => {
        mocha.run(failures => failures > 0 ? reject(new Error(`${failures} extension-host test(s) failed.`)) : resolve());
    });
}
