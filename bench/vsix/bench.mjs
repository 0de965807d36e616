// The extension's package: builds the bundles and packs the .vsix as `npm run package` does
// (esbuild.mjs, then scripts/package-vsix.mjs, which admits what .vscodeignore lets through),
// then reports its size and what is in it, read from the zip's central directory. Writes its
// BENCHMARKS.md section (Markdown) to stdout, progress to stderr.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const log = message => process.stderr.write(`  ${message}\n`);

function step(what, args) {
    const started = performance.now();
    const result = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (result.status !== 0) throw new Error(`${what} failed (exit ${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
    return performance.now() - started;
}

/**
 * The entries of a zip file: name, compressed and uncompressed size, from its central directory
 * (the end-of-central-directory record is the last 22 bytes, for a zip without a comment, as
 * vsce writes them; a comment is looked for backwards). No zip64: a .vsix this size has none.
 */
function zipEntries(bytes) {
    let end = bytes.length - 22;
    while (end >= 0 && bytes.readUInt32LE(end) !== 0x06054b50) end--;
    if (end < 0) throw new Error('not a zip file: no end of central directory record');
    const count = bytes.readUInt16LE(end + 10);
    let at = bytes.readUInt32LE(end + 16);
    const entries = [];
    for (let index = 0; index < count; index++) {
        if (bytes.readUInt32LE(at) !== 0x02014b50) throw new Error(`zip central directory entry ${index} is damaged`);
        const compressed = bytes.readUInt32LE(at + 20);
        const size = bytes.readUInt32LE(at + 24);
        const nameLength = bytes.readUInt16LE(at + 28);
        const extraLength = bytes.readUInt16LE(at + 30);
        const commentLength = bytes.readUInt16LE(at + 32);
        entries.push({ name: bytes.toString('utf8', at + 46, at + 46 + nameLength), compressed, size });
        at += 46 + nameLength + extraLength + commentLength;
    }
    return entries;
}

const kb = bytes => `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KB`;
const mb = bytes => `${(bytes / 1024 / 1024).toFixed(2)} MB`;

/** What was packed: the commit, and whether what goes into the package had changes not yet committed. */
function commit() {
    const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' });
    if (head.status !== 0) return 'commit unknown';
    const sources = [...['model', 'language', 'engine', 'store', 'cli', 'vscode', 'webview'].map(name => `packages/${name}/src`), 'esbuild.mjs', '.vscodeignore', 'package.json', 'scripts/package-vsix.mjs', 'syntaxes', 'README.md'];
    const dirty = spawnSync('git', ['status', '--porcelain', '--', ...sources], { cwd: root, encoding: 'utf8' }).stdout.trim() !== '';
    return `commit ${head.stdout.trim()}${dirty ? ' with uncommitted changes to what is packed' : ''}`;
}

const out = mkdtempSync(join(tmpdir(), 'flow-vsix-bench-'));
try {
    log('building the bundles (node esbuild.mjs)');
    const buildMs = step('Bundling (node esbuild.mjs)', ['esbuild.mjs']);
    log('packing the .vsix (scripts/package-vsix.mjs)');
    const vsix = join(out, 'flow-workflows.vsix');
    const packMs = step('Packaging (scripts/package-vsix.mjs)', ['scripts/package-vsix.mjs', vsix]);
    const size = statSync(vsix).size;
    // vsce's own files ([Content_Types].xml, extension.vsixmanifest) and the extension's, under extension/.
    const entries = zipEntries(readFileSync(vsix)).filter(entry => !entry.name.endsWith('/'));
    const files = entries.filter(entry => entry.name.startsWith('extension/')).map(entry => ({ ...entry, name: entry.name.slice('extension/'.length) }));
    const unpacked = entries.reduce((total, entry) => total + entry.size, 0);
    const bySize = [...files].sort((a, b) => b.size - a.size);
    const cpu = cpus();
    const section = [
        '## Extension package (bench/vsix)',
        '',
        `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown CPU'}), ` +
        `Node ${process.version}, ${commit()}. The .vsix is packed as \`npm run package\` packs it: the bundles of esbuild.mjs, ` +
        'then scripts/package-vsix.mjs with what .vscodeignore admits (every dependency is inside dist/*.cjs; no node_modules ship).',
        '',
        '| what | measured |',
        '|---|---|',
        `| .vsix | **${mb(size)}** |`,
        `| files | ${files.length} (and ${entries.length - files.length} of vsce's own) |`,
        `| unpacked | ${mb(unpacked)} |`,
        `| bundling (esbuild.mjs), one run | ${(buildMs / 1000).toFixed(1)} s |`,
        `| packing (package-vsix.mjs), one run | ${(packMs / 1000).toFixed(1)} s |`,
        '',
        'What is in it, largest first (sizes as packed and unpacked):',
        '',
        '| file | packed | unpacked |',
        '|---|---|---|',
        ...bySize.map(entry => `| ${entry.name} | ${kb(entry.compressed)} | ${kb(entry.size)} |`)
    ];
    process.stdout.write(section.join('\n') + '\n');
} catch (error) {
    process.stderr.write(`${error.stack ?? error}\n`);
    process.exitCode = 1;
} finally {
    rmSync(out, { recursive: true, force: true });
}
