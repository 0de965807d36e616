// Bundles the language server, the CLI and the extension to CommonJS (vscode stays external:
// the editor provides it). Type checking is `tsc --noEmit`, not esbuild's.
import * as esbuild from 'esbuild';

const watch = process.argv.includes('--watch');

/** @type {esbuild.BuildOptions} */
const common = {
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: true,
    external: ['vscode'],
    logLevel: 'warning',
    // flowctl's built-in templates (packages/cli/templates/*.flow) are bundled as strings.
    loader: { '.flow': 'text' },
    // Langium's ESM code reads import.meta.url in a few places; give the CJS bundle a value.
    define: { 'import.meta.url': 'importMetaUrl' },
    banner: { js: "const importMetaUrl = require('url').pathToFileURL(__filename).href;" }
};

const entries = [
    { entryPoints: ['packages/language/src/main.ts'], outfile: 'dist/server.cjs' },
    { entryPoints: ['packages/cli/src/main.ts'], outfile: 'dist/flowctl.cjs' },
    // The extension, and apart from it what only a run needs (Langium, compiler, engine): the
    // extension requires that bundle on first use, so activation stays light.
    { entryPoints: ['packages/vscode/src/extension.ts'], outfile: 'dist/extension.cjs' },
    { entryPoints: ['packages/vscode/src/runtime/workflow-runtime.ts'], outfile: 'dist/workflow-runtime.cjs' },
    // The run store (sql.js), which the editor's views read without a run: a bundle of its own.
    { entryPoints: ['packages/vscode/src/store/store-runtime.ts'], outfile: 'dist/run-store.cjs' },
    // The progress panel's webview: browser code, not Node's. Its CSS (with codicons') and the
    // codicon font land beside it in dist/webview/, the only folder the webview may load from.
    {
        entryPoints: ['packages/webview/src/progress/main.ts'], outfile: 'dist/webview/progress.js',
        platform: 'browser', format: 'iife', target: 'es2022', minify: true, external: [], define: {}, banner: {},
        loader: { '.ttf': 'file' }, assetNames: '[name]'
    },
    // The analytics panel's webview, likewise.
    {
        entryPoints: ['packages/webview/src/analytics/main.ts'], outfile: 'dist/webview/analytics.js',
        platform: 'browser', format: 'iife', target: 'es2022', minify: true, external: [], define: {}, banner: {},
        loader: { '.ttf': 'file' }, assetNames: '[name]'
    }
];

if (watch) {
    for (const entry of entries) {
        const context = await esbuild.context({ ...common, ...entry });
        await context.watch();
    }
} else {
    await Promise.all(entries.map(entry => esbuild.build({ ...common, ...entry })));
}
