import { readFileSync } from 'node:fs';
import { type LangiumDocument, TextDocument } from 'langium';
import { expectFindReferences, expectGoToDefinition, parseHelper, replaceIndices } from 'langium/test';
import type { Range, TextEdit } from 'vscode-languageserver';
import { describe, expect, it } from 'vitest';
import { useFlowServices } from './lsp-services.js';

const services = useFlowServices();

/** Parses documents in order (so later ones link against earlier ones) and returns them. */
async function parseAll(...texts: string[]): Promise<LangiumDocument[]> {
    const { Flow } = services();
    const documents: LangiumDocument[] = [];
    for (const text of texts) documents.push(await parseHelper(Flow)(text));
    return documents;
}

function rangeOf(document: LangiumDocument, text: string, occurrence = 0): Range {
    let offset = -1;
    for (let index = 0; index <= occurrence; index++) offset = document.textDocument.getText().indexOf(text, offset + 1);
    expect(offset).toBeGreaterThanOrEqual(0);
    return { start: document.textDocument.positionAt(offset), end: document.textDocument.positionAt(offset + text.length) };
}

/** Renames at the `<|>` marker and returns the new text of each document, by URI. */
async function rename(texts: string[], newName: string): Promise<string[]> {
    const marked = texts.findIndex(text => text.includes('<|>'));
    const { output, indices } = replaceIndices({ text: texts[marked] });
    const documents = await parseAll(...texts.map((text, index) => index === marked ? output : text));
    const document = documents[marked];
    const edit = await services().Flow.lsp.RenameProvider!.rename(document, {
        textDocument: { uri: document.textDocument.uri }, position: document.textDocument.positionAt(indices[0]), newName
    });
    return documents.map(each => TextDocument.applyEdits(each.textDocument, (edit?.changes?.[each.textDocument.uri] ?? []) as TextEdit[]));
}

describe('go to definition', () => {
    it('goes from a dependency to the task', async () => {
        await expectGoToDefinition(services().Flow)({
            text: 'workflow W { task <|market|>: research task launch: research after mar<|>ket }', index: 0, rangeIndex: 0
        });
    });

    it('goes from a parameter inside an interpolation to its declaration', async () => {
        await expectGoToDefinition(services().Flow)({
            text: 'workflow W { param <|topic|>: string task a: research { run shell "go {{param.to<|>pic}}" } }', index: 0, rangeIndex: 0
        });
    });

    it('goes to an agent declared at the root of another file', async () => {
        const [agents, workflow] = await parseAll('agent crawler { capabilities web }', 'workflow W { task a: research { agent crawler } }');
        const links = await services().Flow.lsp.DefinitionProvider!.getDefinition(workflow, {
            textDocument: { uri: workflow.textDocument.uri }, position: rangeOf(workflow, 'crawler').start
        });
        expect(links?.map(link => [link.targetUri, link.targetSelectionRange])).toEqual([[agents.textDocument.uri, rangeOf(agents, 'crawler')]]);
    });
});

describe('find references', () => {
    it("finds every use of a task: after, when, checkpoint, compensate and interpolations", async () => {
        await expectFindReferences(services().Flow)({
            text: `workflow W {
  task <|bu<|>ild|>: implementation
  task ship: coordination after <|build|> { when <|build|>.status == "completed" run shell "ship {{<|build|>.result.path}}" }
  checkpoint built after <|build|>
  on failure { compensate <|build|> with "undo.sh" }
}`,
            includeDeclaration: true
        });
    });

    it('finds the uses of a root-level agent in other files', async () => {
        const [agents, first, second] = await parseAll(
            'agent crawler { capabilities web }',
            'workflow A { task a: research { agent crawler } }',
            'workflow B { task b: research { prefer crawler } }');
        const locations = await services().Flow.lsp.ReferencesProvider!.findReferences(agents, {
            textDocument: { uri: agents.textDocument.uri }, position: rangeOf(agents, 'crawler').start, context: { includeDeclaration: false }
        });
        expect(locations.map(location => [location.uri, location.range]).sort()).toEqual([
            [first.textDocument.uri, rangeOf(first, 'crawler')],
            [second.textDocument.uri, rangeOf(second, 'crawler')]
        ].sort());
    });
});

describe('rename', () => {
    it('renames a task everywhere it is used, interpolations included', async () => {
        const [renamed] = await rename([`workflow W {
  task bu<|>ild: implementation
  task ship: coordination after build { when build.status == "completed" run shell "ship {{build.result.path}} {{ build.status }}" }
  checkpoint built after build
  on failure { compensate build with "undo.sh" }
}`], 'compile');
        expect(renamed).toBe(`workflow W {
  task compile: implementation
  task ship: coordination after compile { when compile.status == "completed" run shell "ship {{compile.result.path}} {{ compile.status }}" }
  checkpoint built after compile
  on failure { compensate compile with "undo.sh" }
}`);
    });

    it('renames a parameter from inside an interpolation', async () => {
        const [renamed] = await rename(['workflow W { param topic: string task a: research { when param.topic == "x" run shell "go {{param.to<|>pic}}" } }'], 'subject');
        expect(renamed).toBe('workflow W { param subject: string task a: research { when param.subject == "x" run shell "go {{param.subject}}" } }');
    });

    it('renames a root-level agent in every file that uses it', async () => {
        const renamed = await rename(['agent craw<|>ler { capabilities web }', 'workflow A { task a: research { agent crawler } }'], 'spider');
        expect(renamed).toEqual(['agent spider { capabilities web }', 'workflow A { task a: research { agent spider } }']);
    });

    it('refuses a new name that is not a name, saying why', async () => {
        await expect(rename(['workflow W { task bu<|>ild: implementation }'], 'not')).rejects.toThrow("'not' is a reserved word");
        await expect(rename(['workflow W { task bu<|>ild: implementation }'], '2fast')).rejects.toThrow("'2fast' is not a name");
    });

    it('does not offer to rename a built-in type', async () => {
        const [document] = await parseAll('workflow W { task a: research }');
        const range = await services().Flow.lsp.RenameProvider!.prepareRename(document, {
            textDocument: { uri: document.textDocument.uri }, position: rangeOf(document, 'research').start
        });
        expect(range).toBeUndefined();
    });
});

describe('on broken input', () => {
    it('answers at every token of an example cut off anywhere, without throwing', async () => {
        const { Flow } = services();
        const example = readFileSync(new URL('../../../../examples/product-launch.flow', import.meta.url), 'utf8');
        let asked = 0;
        for (let end = 0; end <= example.length; end += 97) {
            const document = await parseHelper(Flow)(example.slice(0, end));
            const textDocument = { uri: document.textDocument.uri };
            for (const token of Flow.parser.Lexer.tokenize(document.textDocument.getText()).tokens) {
                const position = document.textDocument.positionAt(token.startOffset);
                await Flow.lsp.DefinitionProvider!.getDefinition(document, { textDocument, position });
                await Flow.lsp.ReferencesProvider!.findReferences(document, { textDocument, position, context: { includeDeclaration: true } });
                if (await Flow.lsp.RenameProvider!.prepareRename(document, { textDocument, position })) {
                    await Flow.lsp.RenameProvider!.rename(document, { textDocument, position, newName: 'renamed' });
                }
                asked++;
            }
        }
        expect(asked).toBeGreaterThan(1000);
    });
});
