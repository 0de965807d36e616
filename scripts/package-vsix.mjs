// Packages the extension into a .vsix: `node scripts/package-vsix.mjs [out.vsix]` (after the
// bundles are built; `npm run package` does both).
//
// vsce lists every file under its folder before it applies .vscodeignore, and this repository
// holds the workspaces' node_modules and .tools/code-server (tens of thousands of files): run at
// the root it takes half a minute. So the files that .vscodeignore lets through (its `!` lines;
// its `**` ignores everything else) are copied to a staging folder, and vsce packages that.
import { spawnSync } from 'node:child_process';
import { cp, glob, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const manifest = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
const out = path.resolve(process.argv[2] ?? path.join(root, `${manifest.name}-${manifest.version}.vsix`));

const ignoreFile = await readFile(path.join(root, '.vscodeignore'), 'utf8');
const admitted = ignoreFile.split('\n').map(line => line.trim()).filter(line => line.startsWith('!')).map(line => line.slice(1));
const staging = await mkdtemp(path.join(os.tmpdir(), 'flow-vsix-'));
try {
    await cp(path.join(root, '.vscodeignore'), path.join(staging, '.vscodeignore'));
    for (const pattern of admitted) {
        let matched = false;
        for await (const file of glob(pattern, { cwd: root })) {
            matched = true;
            await cp(path.join(root, file), path.join(staging, file), { recursive: true });
        }
        if (!matched) {
            console.error(`package-vsix: nothing matches '${pattern}' of .vscodeignore; build the bundles first (node esbuild.mjs).`);
            process.exit(1);
        }
    }
    const require = createRequire(import.meta.url);
    const vsce = require.resolve('@vscode/vsce/vsce');
    // --no-dependencies: esbuild has put every dependency into dist/*.cjs, so no node_modules ship.
    const result = spawnSync(process.execPath, [vsce, 'package', '--no-dependencies', '--no-rewrite-relative-links', '--out', out],
        { cwd: staging, stdio: 'inherit' });
    process.exitCode = result.status ?? 1;
} finally {
    await rm(staging, { recursive: true, force: true });
}
