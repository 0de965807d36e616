import { readFileSync } from 'node:fs';
import { TextDocument } from 'langium';
import { parseHelper, testCodeAction } from 'langium/test';
import type { CodeAction, Diagnostic } from 'vscode-languageserver';
import { describe, expect, it } from 'vitest';
import { IssueCodes } from '../../src/validation/issue-codes.js';
import { useFlowServices } from './lsp-services.js';

const services = useFlowServices();

/** Expects exactly one diagnostic with the code and exactly one fix for it, which turns the text into `fixed`. */
async function expectFix(text: string, code: string, fixed: string): Promise<void> {
    await testCodeAction(services().Flow)(text, code, fixed);
}

/** The fixes offered for the one diagnostic with the code. */
async function fixesFor(text: string, code: string): Promise<{ actions: CodeAction[]; apply: (title: string) => string }> {
    const { Flow } = services();
    const document = await parseHelper(Flow)(text, { validation: true });
    const diagnostics = (document.diagnostics ?? []).filter(diagnostic => diagnostic.code === code);
    expect(diagnostics).toHaveLength(1);
    const actions = await Flow.lsp.CodeActionProvider!.getCodeActions(document, {
        textDocument: { uri: document.textDocument.uri }, range: diagnostics[0].range, context: { diagnostics }
    }) as CodeAction[];
    const apply = (title: string) => {
        const action = actions.find(candidate => candidate.title === title);
        expect(action, `no fix titled "${title}" among ${actions.map(a => a.title).join(', ')}`).toBeDefined();
        return TextDocument.applyEdits(document.textDocument, action!.edit!.changes![document.textDocument.uri]);
    };
    return { actions, apply };
}

describe('code actions', () => {
    it('adds the dependency a condition needs to the task header', async () => {
        await expectFix(
            'workflow W { task market: research task launch: research { when market.status == "completed" } }',
            IssueCodes.ConditionNotUpstream,
            'workflow W { task market: research task launch: research after market { when market.status == "completed" } }');
    });

    it("appends the missing dependency to the task's `after` list", async () => {
        await expectFix(
            'workflow W { task market: research task other: research task launch: research { after other when market.status == "completed" } }',
            IssueCodes.ConditionNotUpstream,
            'workflow W { task market: research task other: research task launch: research { after other, market when market.status == "completed" } }');
    });

    it('adds the dependency an interpolation needs', async () => {
        await expectFix(
            'workflow W { task market: research task launch: research "Launch" { run shell "go {{market.result.size}}" } }',
            IssueCodes.ConditionNotUpstream,
            'workflow W { task market: research task launch: research "Launch" after market { run shell "go {{market.result.size}}" } }');
    });

    it('offers no dependency that would make a cycle', async () => {
        const { actions } = await fixesFor(
            'workflow W { task market: research after launch task launch: research { when market.status == "completed" } }',
            IssueCodes.ConditionNotUpstream);
        expect(actions).toEqual([]);
    });

    it('replaces a misspelled reference with the suggestion', async () => {
        await expectFix(
            'workflow W { task market: research task launch: research after markt }',
            IssueCodes.UnknownReference,
            'workflow W { task market: research task launch: research after market }');
    });

    it('replaces a misspelled parameter inside an interpolation', async () => {
        await expectFix(
            'workflow W { param topic: string task a: research { run shell "go {{param.topik}}" } }',
            IssueCodes.UnknownReference,
            'workflow W { param topic: string task a: research { run shell "go {{param.topic}}" } }');
    });

    it('creates an unknown agent with the capabilities the task requires, after the other agents', async () => {
        await expectFix(
            'workflow W {\n  agent crawler {}\n  task a: research { agent writer }\n}',
            IssueCodes.UnknownReference,
            'workflow W {\n  agent crawler {}\n  agent writer { capabilities web_search, document_analysis }\n  task a: research { agent writer }\n}');
    });

    it('creates an unknown pool at the top of the workflow when it declares nothing', async () => {
        await expectFix(
            'workflow W {\n  task a: research { pool gpu }\n}',
            IssueCodes.UnknownReference,
            'workflow W {\n  pool gpu { concurrency 1 }\n  task a: research { pool gpu }\n}');
    });

    it('creates an unknown task type', async () => {
        await expectFix(
            'workflow W {\n  task a: audit\n}',
            IssueCodes.UnknownReference,
            'workflow W {\n  type audit {}\n  task a: audit\n}');
    });

    it('offers both the suggestion and a new agent for a misspelled agent', async () => {
        const { actions } = await fixesFor('workflow W { agent crawler {} task a: research { agent crawlr } }', IssueCodes.UnknownReference);
        expect(actions.map(action => action.title)).toEqual(["Did you mean 'crawler'?", "Create agent 'crawlr'"]);
    });

    it('offers both parenthesised readings of a `not` before a comparison', async () => {
        const text = 'workflow W { task a: research task b: research after a { when not a.result.x == 1 } }';
        const { apply } = await fixesFor(text, IssueCodes.NotPrecedence);
        expect(apply("Write 'not (a.result.x == 1)'")).toBe(text.replace('not a.result.x == 1', 'not (a.result.x == 1)'));
        expect(apply("Write 'a.result.x != 1'")).toBe(text.replace('not a.result.x == 1', 'a.result.x != 1'));
    });

    it('removes a repeated dependency', async () => {
        await expectFix(
            'workflow W { task a: research task b: research after a, a }',
            IssueCodes.DuplicateDependency,
            'workflow W { task a: research task b: research after a }');
    });

    it('removes an `after` statement that only repeats the header', async () => {
        await expectFix(
            'workflow W { task a: research task b: research after a { after a priority high } }',
            IssueCodes.DuplicateDependency,
            'workflow W { task a: research task b: research after a { priority high } }');
    });

    it('adds the capabilities an assigned agent lacks to that agent', async () => {
        await expectFix(
            'workflow W { agent writer { capabilities web_search } task a: research { agent writer } }',
            IssueCodes.NoCapableAgent,
            'workflow W { agent writer { capabilities web_search, document_analysis } task a: research { agent writer } }');
    });

    it('keys on the diagnostic code and data, not on the message', async () => {
        const { Flow } = services();
        const document = await parseHelper(Flow)('workflow W { task market: research task launch: research after markt }');
        const reference = document.textDocument.getText().indexOf('markt');
        const range = { start: document.textDocument.positionAt(reference), end: document.textDocument.positionAt(reference + 5) };
        const diagnostic: Diagnostic = { range, message: 'reworded by a translator', data: { code: IssueCodes.UnknownReference, suggestion: 'market' } };
        const actions = await Flow.lsp.CodeActionProvider!.getCodeActions(document, {
            textDocument: { uri: document.textDocument.uri }, range, context: { diagnostics: [diagnostic] }
        }) as CodeAction[];
        expect(actions.map(action => action.title)).toEqual(["Did you mean 'market'?"]);
    });

    it('answers every diagnostic of an example cut off anywhere, without throwing', async () => {
        const { Flow } = services();
        const example = readFileSync(new URL('../../../../examples/product-launch.flow', import.meta.url), 'utf8');
        let answered = 0;
        for (let end = 0; end <= example.length; end += 41) {
            const document = await parseHelper(Flow)(example.slice(0, end), { validation: true });
            for (const diagnostic of document.diagnostics ?? []) {
                await Flow.lsp.CodeActionProvider!.getCodeActions(document, {
                    textDocument: { uri: document.textDocument.uri }, range: diagnostic.range, context: { diagnostics: [diagnostic] }
                });
                answered++;
            }
        }
        expect(answered).toBeGreaterThan(50);
    });
});
