// Compiles the extension-host suite (suite/*.ts) and the @vscode/test-electron runner to
// CommonJS in test/vscode/out/, one file per source file: mocha loads each suite file itself,
// and `vscode` and `mocha` are required at run time from the editor and from node_modules.
// The extension's own bundles come from the root esbuild.mjs.
import * as esbuild from 'esbuild';
import { glob } from 'node:fs/promises';
import * as path from 'node:path';

const here = import.meta.dirname;
const entryPoints = [];
for await (const file of glob(['suite/**/*.ts', 'electron/**/*.ts'], { cwd: here })) entryPoints.push(path.join(here, file));

await esbuild.build({
    entryPoints,
    outdir: path.join(here, 'out'),
    outbase: here,
    bundle: false,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    logLevel: 'warning'
});
