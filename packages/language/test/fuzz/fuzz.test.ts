import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { URI, type LangiumDocument } from 'langium';
import { beforeEach, describe, expect, it } from 'vitest';
import { createFlowServicesWithBuiltins, type FlowServiceSet } from '../../src/flow-module.js';
import { mulberry32 } from '../../../../test/support/prng.js';

/*
 * Robustness under broken input: every language service must return (possibly an empty or
 * partial answer) for any text, never throw. Inputs come from a fixed-seed PRNG, so a failure
 * reproduces exactly; the failing input is shrunk and printed in the assertion message.
 *
 * Counts are chosen so that the file runs in well under a minute on a 2-core machine.
 */

const repositoryRoot = join(import.meta.dirname, '..', '..', '..', '..');


type Random = ReturnType<typeof mulberry32>;
const randomInt = (random: Random, below: number) => Math.floor(random() * below);
const pick = <T>(random: Random, items: readonly T[]): T => items[randomInt(random, items.length)];

/** The `.flow` files below `dir` (none if it does not exist), sorted for a stable order. */
function flowFilesUnder(dir: string): string[] {
    if (!existsSync(dir)) return [];
    const found: string[] = [];
    const pending = [dir];
    while (pending.length > 0) {
        const current = pending.pop()!;
        for (const entry of readdirSync(current)) {
            const entryPath = join(current, entry);
            if (statSync(entryPath).isDirectory()) pending.push(entryPath);
            else if (entry.endsWith('.flow')) found.push(entryPath);
        }
    }
    return found.sort();
}

/**
 * The corpus: the repository's examples and test fixtures, plus a few files of our own that
 * cover every statement of the grammar (so the fuzz test is meaningful before the others exist).
 */
const corpusFiles = [
    ...flowFilesUnder(join(repositoryRoot, 'examples')),
    ...flowFilesUnder(join(repositoryRoot, 'packages', 'language', 'test', 'fixtures')),
    ...flowFilesUnder(join(import.meta.dirname, 'corpus'))
];
const corpus = corpusFiles.map(file => ({ file, text: readFileSync(file, 'utf8') }));

let services: FlowServiceSet;
let documentCounter = 0;

// Fresh services for every test: a parser that crashed on one input must not fail the next test.
beforeEach(async () => {
    services = await createFlowServicesWithBuiltins();
});

/** What went wrong with one input, or undefined if every service returned. */
async function failureOf(text: string): Promise<string | undefined> {
    try {
        await exerciseAllServices(text);
        return undefined;
    } catch (error) {
        return error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : String(error);
    }
}

/** Parses, links and validates `text`, then asks every editor service about it. */
async function exerciseAllServices(text: string): Promise<void> {
    const { shared, Flow } = services;
    const uri = URI.parse(`file:///fuzz/input-${documentCounter++}.flow`);
    const document: LangiumDocument = shared.workspace.LangiumDocumentFactory.fromString(text, uri);
    shared.workspace.LangiumDocuments.addDocument(document);
    try {
        await shared.workspace.DocumentBuilder.build([document], { validation: true });
        const textDocument = { uri: uri.toString() };
        for (const offset of probeOffsets(text)) {
            const position = document.textDocument.positionAt(offset);
            await Flow.lsp.CompletionProvider?.getCompletion(document, { textDocument, position });
            await Flow.lsp.HoverProvider?.getHoverContent(document, { textDocument, position });
        }
        await Flow.lsp.DocumentSymbolProvider?.getSymbols(document, { textDocument });
        await Flow.lsp.FoldingRangeProvider?.getFoldingRanges(document, { textDocument });
        await Flow.lsp.SemanticTokenProvider?.semanticHighlight(document, { textDocument });
        await Flow.lsp.Formatter?.formatDocument(document, { textDocument, options: { tabSize: 2, insertSpaces: true } });
    } finally {
        shared.workspace.LangiumDocuments.deleteDocument(uri);
        shared.workspace.IndexManager.remove(uri);
    }
}

/** Where completion and hover are asked: both ends, the middle, and two offsets derived from the text. */
function probeOffsets(text: string): number[] {
    const length = text.length;
    const offsets = [0, length, Math.floor(length / 2), (length * 7919) % (length + 1), (length * 104729) % (length + 1)];
    return [...new Set(offsets)];
}

/**
 * Shrinks a failing input (delta debugging with halving chunk sizes) so the report shows the
 * smallest text that still fails the same way.
 */
async function shrink(text: string, failure: string): Promise<string> {
    const sameFailure = (candidate: string | undefined) =>
        candidate !== undefined && candidate.split('\n')[0] === failure.split('\n')[0];
    let current = text;
    for (let chunk = Math.max(1, Math.floor(current.length / 2)); chunk >= 1; chunk = Math.floor(chunk / 2)) {
        for (let start = 0; start < current.length;) {
            const candidate = current.slice(0, start) + current.slice(start + chunk);
            if (sameFailure(await failureOf(candidate))) current = candidate;
            else start += chunk;
        }
        if (chunk === 1) break;
    }
    return current;
}

/** Runs one input; on failure, fails the test with the shrunk input and the error. */
async function expectNoCrash(label: string, text: string): Promise<void> {
    const failure = await failureOf(text);
    if (failure === undefined) return;
    // Huge inputs are reported by size only: shrinking them would take longer than the suite.
    const smallest = text.length <= 20_000 ? await shrink(text, failure) : `(${text.length} characters, not shrunk)`;
    expect.fail(`${label}: a language service threw.\nSmallest input:\n${JSON.stringify(smallest)}\n${failure}`);
}

/** The tokens of a text (as the Flow lexer cuts them), with their offsets. */
function tokensOf(text: string): Array<{ image: string; offset: number }> {
    return services.Flow.parser.Lexer.tokenize(text).tokens.map(token => ({ image: token.image, offset: token.startOffset }));
}

/** Applies one to three random token-level edits: delete, insert (a token seen in the corpus) or swap. */
function mutateTokens(random: Random, text: string, vocabulary: readonly string[]): string {
    let result = text;
    const edits = 1 + randomInt(random, 3);
    for (let edit = 0; edit < edits; edit++) {
        const tokens = tokensOf(result);
        if (tokens.length < 2) break;
        const index = randomInt(random, tokens.length);
        const token = tokens[index];
        const end = token.offset + token.image.length;
        switch (randomInt(random, 3)) {
            case 0:
                result = result.slice(0, token.offset) + result.slice(end);
                break;
            case 1:
                result = `${result.slice(0, token.offset)}${pick(random, vocabulary)} ${result.slice(token.offset)}`;
                break;
            default: {
                const other = tokens[randomInt(random, tokens.length)];
                if (other === token) break;
                const [first, second] = token.offset < other.offset ? [token, other] : [other, token];
                const firstEnd = first.offset + first.image.length;
                result = result.slice(0, first.offset) + second.image + result.slice(firstEnd, second.offset) +
                    first.image + result.slice(second.offset + second.image.length);
            }
        }
    }
    return result;
}

describe('fuzz: every language service returns on broken input', () => {
    it('has a corpus to mutate', () => {
        expect(corpus.length).toBeGreaterThanOrEqual(3);
    });

    it('survives the corpus itself', async () => {
        for (const { file, text } of corpus) await expectNoCrash(file, text);
    });

    it('survives deleted, inserted and swapped tokens', async () => {
        const random = mulberry32(0xf10e);
        const vocabulary = [...new Set(corpus.flatMap(({ text }) => tokensOf(text).map(token => token.image)))].sort();
        // Spread a fixed budget of mutants over the corpus, however many files it has.
        const mutantsPerFile = Math.max(4, Math.floor(240 / corpus.length));
        for (const { file, text } of corpus) {
            for (let mutant = 0; mutant < mutantsPerFile; mutant++) {
                await expectNoCrash(`${file}, mutant ${mutant}`, mutateTokens(random, text, vocabulary));
            }
        }
    });

    it('survives truncation at every position of one example', async () => {
        // The smallest corpus file keeps this linear sweep affordable.
        const { file, text } = [...corpus].sort((a, b) => a.text.length - b.text.length)[0];
        const example = text.slice(0, 1200);
        for (let end = 0; end <= example.length; end++) {
            await expectNoCrash(`${file} truncated at ${end}`, example.slice(0, end));
        }
    });

    it('survives binary garbage', async () => {
        const random = mulberry32(0xbad);
        for (let sample = 0; sample < 40; sample++) {
            const length = 1 + randomInt(random, 2000);
            const garbage = Array.from({ length }, () => String.fromCharCode(randomInt(random, 256))).join('');
            await expectNoCrash(`binary garbage ${sample}`, garbage);
        }
        // Garbage made of the language's own punctuation reaches deeper into the parser.
        const punctuation = ['{', '}', '(', ')', '[', ']', ',', ':', '.', '"', '{{', '}}', '/*', '*/', '//', '\n', ' ', '-', '=='];
        for (let sample = 0; sample < 40; sample++) {
            const pieces = Array.from({ length: 1 + randomInt(random, 300) }, () => pick(random, punctuation));
            await expectNoCrash(`punctuation garbage ${sample}`, pieces.join(''));
        }
    });

    it('survives a 1 MB single line', async () => {
        const statements: string[] = [];
        let length = 'workflow Huge { '.length;
        for (let index = 0; length < 1_000_000; index++) {
            const statement = `task t${index}: research "step ${index}" ${index > 0 ? `after t${index - 1} ` : ''}{ priority high timeout 5m } `;
            statements.push(statement);
            length += statement.length;
        }
        await expectNoCrash('1 MB of tasks on one line', `workflow Huge { ${statements.join('')}}`);
        await expectNoCrash('1 MB string literal', `workflow W { version "${'x'.repeat(1_000_000)}" }`);
    });

    it('survives 10,000 nested parentheses, brackets and braces', async () => {
        const depth = 10_000;
        await expectNoCrash('nested parentheses',
            `workflow W { task a: research task b: research after a { when ${'('.repeat(depth)}a.result${')'.repeat(depth)} } }`);
        await expectNoCrash('unclosed parentheses', `workflow W { task a: research { when ${'('.repeat(depth)} } }`);
        await expectNoCrash('nested arrays', `workflow W { task a: research { metadata { x: ${'['.repeat(depth)}${']'.repeat(depth)} } } }`);
        await expectNoCrash('nested objects', `workflow W { task a: research { metadata ${'{ a: '.repeat(depth)}1${' }'.repeat(depth)} } }`);
        await expectNoCrash('nested not', `workflow W { task a: research { when ${'not '.repeat(depth)}true } }`);
    });

    it('survives unterminated strings, interpolations and comments', async () => {
        const random = mulberry32(0x57e1);
        const openers = ['"', '"{{', '"{{param.', '{{', '/*', '/**', '//'];
        for (const { file, text } of corpus) {
            for (let sample = 0; sample < 8; sample++) {
                const at = randomInt(random, text.length + 1);
                const opener = pick(random, openers);
                await expectNoCrash(`${file} with ${opener} at ${at}`, text.slice(0, at) + opener + text.slice(at));
            }
        }
        for (const opener of openers) {
            await expectNoCrash(`a file ending in ${opener}`, `workflow W { task a: research ${opener}`);
        }
    });
});
