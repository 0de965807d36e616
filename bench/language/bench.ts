/**
 * Language benchmarks: parse, link and validate documents of 100 to 10,000 tasks, completion at
 * the end of the document, and language-server start-up. Ratios compare with floors measured in
 * the same run: the Flow lexer alone over the same text, and JSON.parse of the compiled model.
 * Writes its BENCHMARKS.md section (Markdown) to stdout, progress to stderr.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DocumentState, URI, type LangiumDocument } from 'langium';
import { createFlowServicesWithBuiltins } from '../../packages/language/src/flow-module.js';
import { compileDocument } from '../../packages/language/src/compiler/compiler.js';
import type * as ast from '../../packages/language/src/generated/ast.js';
import { generateWorkflow } from './generate-workflow.js';
import { budgetTable, measuredOn, median, percentile } from '../stats.js';

const SIZES = [100, 1_000, 10_000];
const COMPLETION_SIZES = [500, 10_000];
/** Runs per size: enough for a stable median without making the 10k case take minutes. */
const RUNS: Record<number, number> = { 100: 15, 500: 9, 1_000: 9, 10_000: 5 };
const COMPLETION_RUNS: Record<number, number> = { 500: 40, 10_000: 20 };
const SERVER_RUNS = 9;

const BUDGET = {
    msPer1000Lines: 30,
    tenThousandTasksMs: 2_000,
    completionP95At500Ms: 50,
    completionP95At10kMs: 300,
    serverReadyMs: 250
};

const log = (message: string) => process.stderr.write(`  ${message}\n`);


function collectGarbage(): void {
    (globalThis as { gc?: () => void }).gc?.();
}

interface BuildTimes {
    parse: number;
    link: number;
    validate: number;
    lexer: number;
    jsonParse?: number;
    errors: number;
}

/** One cold build in fresh services: parse, then link (indexing, scopes, linking, reference index), then validate. */
async function measureBuild(text: string, measureFloors: boolean): Promise<BuildTimes> {
    const { shared, Flow } = await createFlowServicesWithBuiltins();
    collectGarbage();
    const uri = URI.parse('file:///bench/generated.flow');
    const lexerStart = performance.now();
    Flow.parser.Lexer.tokenize(text);
    const lexer = performance.now() - lexerStart;

    const parseStart = performance.now();
    const document = shared.workspace.LangiumDocumentFactory.fromString(text, uri) as LangiumDocument<ast.FlowFile>;
    const parse = performance.now() - parseStart;
    shared.workspace.LangiumDocuments.addDocument(document);

    let linkedAt = 0;
    const listener = shared.workspace.DocumentBuilder.onBuildPhase(DocumentState.IndexedReferences, () => {
        linkedAt = performance.now();
    });
    const buildStart = performance.now();
    await shared.workspace.DocumentBuilder.build([document], { validation: true });
    const builtAt = performance.now();
    listener.dispose();

    let jsonParse: number | undefined;
    if (measureFloors) {
        // The floor a JSON workflow format would have: parsing the compiled model of the same workflow.
        const compiled = compileDocument(document, Flow);
        if (compiled.models.length > 0) {
            const json = JSON.stringify(compiled.models);
            const jsonStart = performance.now();
            JSON.parse(json);
            jsonParse = performance.now() - jsonStart;
        }
    }
    const errors = (document.diagnostics ?? []).filter(diagnostic => diagnostic.severity === 1).length;
    return { parse, link: linkedAt - buildStart, validate: builtAt - linkedAt, lexer, jsonParse, errors };
}

async function measureCompletion(taskCount: number): Promise<{ median: number; p95: number; items: number }> {
    const generated = generateWorkflow(taskCount, true);
    const { shared, Flow } = await createFlowServicesWithBuiltins();
    const uri = URI.parse('file:///bench/completion.flow');
    const document = shared.workspace.LangiumDocumentFactory.fromString(generated.text, uri);
    shared.workspace.LangiumDocuments.addDocument(document);
    await shared.workspace.DocumentBuilder.build([document], { validation: true });
    const params = { textDocument: { uri: uri.toString() }, position: document.textDocument.positionAt(generated.completionOffset) };
    const times: number[] = [];
    let items = 0;
    // One warm-up call: the first completion also pays for lazy initialisation.
    await Flow.lsp.CompletionProvider!.getCompletion(document, params);
    for (let run = 0; run < COMPLETION_RUNS[taskCount]; run++) {
        const start = performance.now();
        const list = await Flow.lsp.CompletionProvider!.getCompletion(document, params);
        times.push(performance.now() - start);
        items = list?.items.length ?? 0;
    }
    return { median: median(times), p95: percentile(times, 95), items };
}

/** Spawns the bundled server with --stdio and times `initialize` until its response arrives. */
function measureServerStart(serverPath: string): Promise<number> {
    return new Promise((resolve, reject) => {
        const start = performance.now();
        const server = spawn(process.execPath, [serverPath, '--stdio'], { stdio: ['pipe', 'pipe', 'ignore'] });
        const request = JSON.stringify({
            jsonrpc: '2.0', id: 1, method: 'initialize',
            params: { processId: process.pid, rootUri: null, capabilities: {}, workspaceFolders: null }
        });
        server.stdin.write(`Content-Length: ${Buffer.byteLength(request)}\r\n\r\n${request}`);
        let received = '';
        server.stdout.on('data', (chunk: Buffer) => {
            received += chunk.toString('utf8');
            if (/"id"\s*:\s*1\b/.test(received) && /"result"/.test(received)) {
                const elapsed = performance.now() - start;
                server.kill();
                resolve(elapsed);
            }
        });
        server.on('error', reject);
        server.on('exit', code => {
            if (!/"result"/.test(received)) reject(new Error(`the server exited (${code}) before answering initialize`));
        });
    });
}

const format = (ms: number) => ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
const verdict = (value: number, budget: number) => value <= budget ? 'yes' : '**NO**';

async function main(): Promise<void> {
    const rows: string[] = [];
    const budgetRows: string[] = [];
    const missed: string[] = [];
    let perThousandAt10k = 0;
    let totalAt10k = 0;

    for (const size of SIZES) {
        const generated = generateWorkflow(size);
        const runs: BuildTimes[] = [];
        for (let run = 0; run < RUNS[size]; run++) {
            log(`parse+link+validate ${size} tasks, run ${run + 1}/${RUNS[size]}`);
            runs.push(await measureBuild(generated.text, run === 0 || size < 10_000));
        }
        const parse = median(runs.map(run => run.parse));
        const link = median(runs.map(run => run.link));
        const validate = median(runs.map(run => run.validate));
        const total = median(runs.map(run => run.parse + run.link + run.validate));
        const lexer = median(runs.map(run => run.lexer));
        const jsonTimes = runs.flatMap(run => run.jsonParse === undefined ? [] : [run.jsonParse]);
        const json = jsonTimes.length > 0 ? median(jsonTimes) : undefined;
        const perThousand = total / (generated.lines / 1000);
        if (size === 10_000) {
            perThousandAt10k = perThousand;
            totalAt10k = total;
        }
        rows.push(`| ${size.toLocaleString('en')} | ${generated.lines.toLocaleString('en')} | ${format(parse)} | ${format(link)} | ` +
            `${format(validate)} | ${format(total)} | ${format(perThousand)} | ${format(lexer)} | ${(total / lexer).toFixed(1)}x | ` +
            `${json === undefined ? 'n/a' : format(json)} | ${json === undefined ? 'n/a' : `${(total / json).toFixed(0)}x`} | ${runs[0].errors} |`);
    }

    const completion = new Map<number, Awaited<ReturnType<typeof measureCompletion>>>();
    for (const size of COMPLETION_SIZES) {
        log(`completion at ${size} tasks`);
        completion.set(size, await measureCompletion(size));
    }

    const serverPath = join(process.cwd(), 'dist', 'server.cjs');
    let serverStart: number | undefined;
    if (existsSync(serverPath)) {
        const times: number[] = [];
        for (let run = 0; run < SERVER_RUNS; run++) {
            log(`language server start, run ${run + 1}/${SERVER_RUNS}`);
            times.push(await measureServerStart(serverPath));
        }
        serverStart = median(times);
    } else {
        log('dist/server.cjs is missing: run `npm run build` to measure the server start');
    }

    const budget = (what: string, measured: number | undefined, limit: number, unit: 'ms' | 's') => {
        const shown = measured === undefined ? 'not measured' : unit === 's' ? `${(measured / 1000).toFixed(2)} s` : `${format(measured)} ms`;
        const limitShown = unit === 's' ? `<= ${limit / 1000} s` : `<= ${limit} ms`;
        const met = measured === undefined ? 'unknown' : verdict(measured, limit);
        if (met !== 'yes') missed.push(`${what}: ${shown} against ${limitShown}`);
        budgetRows.push(`| ${what} | ${shown} | ${limitShown} | ${met} |`);
    };
    budget('parse + link + validate per 1,000 lines (10k tasks)', perThousandAt10k, BUDGET.msPer1000Lines, 'ms');
    budget('parse + link + validate, 10k tasks', totalAt10k, BUDGET.tenThousandTasksMs, 's');
    budget('completion p95 at 500 tasks', completion.get(500)?.p95, BUDGET.completionP95At500Ms, 'ms');
    budget('completion p95 at 10k tasks', completion.get(10_000)?.p95, BUDGET.completionP95At10kMs, 'ms');
    budget('language server: `initialize` answered', serverStart, BUDGET.serverReadyMs, 'ms');

    const out = [
        '## Language (bench/language)',
        '',
        `${measuredOn()}. ` +
        'Documents come from `bench/language/generate-workflow.ts`: two streams per phase of 100 tasks, ' +
        '2-3 dependencies per task, conditions, retries, tags, metadata and shell commands.',
        '',
        ...budgetTable(budgetRows),
        '',
        missed.length === 0
            ? 'Every budget is met.'
            : `Not met: ${missed.join('; ')}.`,
        '',
        '### Parse, link, validate (ms, medians of cold builds in fresh services)',
        '',
        'Link includes indexing, scope computation and the reference index. The floors: the Flow lexer alone over the ' +
        'same text, and `JSON.parse` of the compiled WorkflowModel of the same workflow. "errors" counts error ' +
        'diagnostics (expected: 0, so that the validator runs its full course).',
        '',
        '| tasks | lines | parse | link | validate | total | per 1,000 lines | lexer floor | total / lexer | JSON.parse floor | total / JSON.parse | errors |',
        '|---|---|---|---|---|---|---|---|---|---|---|---|',
        ...rows,
        '',
        '### Completion after `after ` in a task typed at the end of the document (ms)',
        '',
        '| tasks | median | p95 | runs | items offered |',
        '|---|---|---|---|---|',
        ...[...completion].map(([size, result]) =>
            `| ${size.toLocaleString('en')} | ${format(result.median)} | ${format(result.p95)} | ${COMPLETION_RUNS[size]} | ${result.items.toLocaleString('en')} |`),
        '',
        `Language server start (spawn \`dist/server.cjs --stdio\` until the \`initialize\` response), median of ${SERVER_RUNS}: ` +
        `${serverStart === undefined ? 'not measured (dist/server.cjs missing)' : `${format(serverStart)} ms`}.`
    ];
    process.stdout.write(out.join('\n') + '\n');
}

main().catch(error => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
});
