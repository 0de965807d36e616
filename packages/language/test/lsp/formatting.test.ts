import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TextDocument } from 'langium';
import { expectFormatting, parseHelper } from 'langium/test';
import { describe, expect, it } from 'vitest';
import { parseFixture } from '../validation/fixture-format.js';
import { useFlowServices } from './lsp-services.js';

const services = useFlowServices();
const format = (expected: Parameters<ReturnType<typeof expectFormatting>>[0]) => expectFormatting(services().Flow)(expected);

describe('formatting', () => {
    it('indents each level of blocks by two spaces, whatever the editor tab size', async () => {
        await format({
            before: 'workflow W {\nphase p {\ntask a: research {\npriority high\ntimeout 5m\n}\n}\n}',
            after: 'workflow W {\n  phase p {\n    task a: research {\n      priority high\n      timeout 5m\n    }\n  }\n}',
            options: { tabSize: 4, insertSpaces: false }
        });
    });

    it('puts each statement of a block with several statements on its own line', async () => {
        await format({
            before: 'workflow W { breaker { failures 5 recovery 5m probes 3 } }',
            after: 'workflow W {\n  breaker {\n    failures 5\n    recovery 5m\n    probes 3\n  }\n}'
        });
    });

    it('keeps a block with one statement on one line when it is written so', async () => {
        await format({
            before: 'pool gpu {concurrency   2}',
            after: 'pool gpu { concurrency 2 }'
        });
    });

    it('lays out a block with one statement written over several lines as a block', async () => {
        await format({
            before: 'pool gpu {\nconcurrency 2 }',
            after: 'pool gpu {\n  concurrency 2\n}'
        });
    });

    it('writes an empty block as {}', async () => {
        await format({ before: 'pool gpu {\n\n}', after: 'pool gpu {}' });
    });

    it('puts one space between tokens, none before commas and colons or around dots', async () => {
        await format({
            before: 'workflow W {\n  param  n :number=3\n  task a : research   after b,c\n  task b: research { when  not(c.result.x+1>=param.n) }\n  task c: research\n}',
            after: 'workflow W {\n  param n: number = 3\n  task a: research after b, c\n  task b: research { when not (c.result.x + 1 >= param.n) }\n  task c: research\n}'
        });
    });

    it('writes unary minus and template arguments without inner spaces', async () => {
        await format({
            before: 'workflow Q from T ( limit : - 5 ) {\n  task a: research { when - a.result.x < - 1 }\n}',
            after: 'workflow Q from T(limit: -5) {\n  task a: research { when -a.result.x < -1 }\n}'
        });
    });

    it('keeps a literal written on one line on one line', async () => {
        await format({
            before: 'agent a { run echo {x:1 ,y:[1,2]} }',
            after: 'agent a { run echo { x: 1, y: [1, 2] } }'
        });
    });

    it('puts each entry of a literal that spans lines on its own line', async () => {
        await format({
            before: 'agent a {\n  run echo { x: 1,\n  y: [1, 2] }\n}',
            after: 'agent a {\n  run echo {\n    x: 1,\n    y: [1, 2]\n  }\n}'
        });
    });

    it('keeps at most one blank line between statements and none after { or before }', async () => {
        await format({
            before: 'agent a {\n\n  concurrency 2\n\n\n\n  weight 3\n\n}',
            after: 'agent a {\n  concurrency 2\n\n  weight 3\n}'
        });
    });

    it('keeps trailing comments and indents comments on their own line', async () => {
        await format({
            before: 'agent a {\n        // own line\n  concurrency 2   // trailing\n      weight 3\n}',
            after: 'agent a {\n  // own line\n  concurrency 2   // trailing\n  weight 3\n}'
        });
    });

    it('formats names spelled like keywords as names', async () => {
        await format({
            before: 'workflow W {\n  task run : review   after  after\n  task after: review\n}',
            after: 'workflow W {\n  task run: review after after\n  task after: review\n}'
        });
    });

    it('formats only the lines of a selected range', async () => {
        await format({
            before: 'agent a {\n      concurrency   2\n      weight   3\n}',
            after: 'agent a {\n      concurrency   2\n  weight 3\n}',
            range: { start: { line: 2, character: 0 }, end: { line: 2, character: 16 } }
        });
    });

    it('leaves a document with syntax errors alone', async () => {
        await format({ before: 'workflow W {  task a: research {', after: 'workflow W {  task a: research {' });
    });
});

const repositoryRoot = fileURLToPath(new URL('../../../../', import.meta.url));

function flowFiles(folder: string): string[] {
    return readdirSync(folder).sort().flatMap(entry => {
        const path = join(folder, entry);
        if (statSync(path).isDirectory()) return flowFiles(path);
        return entry.endsWith('.flow') ? [path] : [];
    });
}

/** The examples, and the validation fixtures without their »range« markers. */
const corpus = [
    ...flowFiles(join(repositoryRoot, 'examples')).map(path => ({ path, text: readFileSync(path, 'utf8') })),
    ...flowFiles(join(repositoryRoot, 'packages/language/test/fixtures')).map(path => ({ path, text: parseFixture(readFileSync(path, 'utf8')).text }))
].map(({ path, text }) => [relative(repositoryRoot, path), text] as const);

describe('formatting every example and fixture', () => {
    async function formatted(text: string) {
        const { Flow } = services();
        const document = await parseHelper(Flow)(text);
        const edits = await Flow.lsp.Formatter!.formatDocument(document, {
            textDocument: { uri: document.uri.toString() }, options: { tabSize: 2, insertSpaces: true }
        });
        const { lexerErrors, parserErrors } = document.parseResult;
        return {
            text: TextDocument.applyEdits(document.textDocument, edits),
            errors: lexerErrors.length + parserErrors.length,
            ast: Flow.serializer.JsonSerializer.serialize(document.parseResult.value)
        };
    }

    it('has examples and fixtures to format', () => {
        expect(corpus.length).toBeGreaterThan(20);
    });

    it.each(corpus)('%s: formatting twice changes nothing more, and the parse stays the same', async (_path, text) => {
        const once = await formatted(text);
        const twice = await formatted(once.text);
        expect(twice.text).toBe(once.text);
        expect(twice.errors).toBe(once.errors);
        expect(twice.ast).toBe(once.ast);
    });
});
