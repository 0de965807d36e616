import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));

it('keeps Langium, the language, the engine and the run store out of what activation loads', async () => {
    // What dist/extension.cjs is made of; the runtime bundle is required only when a run starts, the
    // store's (sql.js) when a view first reads the runs.
    const { metafile } = await esbuild.build({
        entryPoints: [path.join(root, 'packages/vscode/src/extension.ts')],
        bundle: true, platform: 'node', format: 'cjs', external: ['vscode'], write: false, metafile: true, logLevel: 'silent',
        outfile: 'extension.cjs'
    });
    const inputs = Object.keys(metafile.inputs);
    expect(inputs).toContain('packages/vscode/src/extension.ts');
    expect(inputs.filter(input => /node_modules\/(langium|chevrotain|sql\.js)\/|packages\/(language|engine|store)\//.test(input))).toEqual([]);
});
