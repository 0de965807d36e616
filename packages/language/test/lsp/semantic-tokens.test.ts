import { expectSemanticToken, highlightHelper } from 'langium/test';
import { SemanticTokenTypes } from 'vscode-languageserver';
import { describe, it } from 'vitest';
import { useFlowServices } from './lsp-services.js';

const services = useFlowServices();

/** Expects the token type on every `<|...|>` range of the text. */
async function expectTokens(text: string, ...types: SemanticTokenTypes[]): Promise<void> {
    const tokens = await highlightHelper(services().Flow)(text);
    types.forEach((tokenType, rangeIndex) => expectSemanticToken(tokens, { rangeIndex, tokenType }));
}

describe('semantic tokens', () => {
    it('colours tasks and batches as functions, where declared and where referenced', async () => {
        await expectTokens('workflow W { task <|a|>: research batch <|b|>: research after <|a|> { items [] } }',
            SemanticTokenTypes.function, SemanticTokenTypes.function, SemanticTokenTypes.function);
    });

    it('colours a task called `run` as a task, not as the keyword', async () => {
        await expectTokens('workflow W { task <|run|>: research task b: research after <|run|> }',
            SemanticTokenTypes.function, SemanticTokenTypes.function);
    });

    it('colours agents, pools, types and capabilities by what they are', async () => {
        await expectTokens(
            'agent <|crawler|> { capabilities <|web|> } pool <|gpu|> {} type <|audit|> { requires <|web|> } workflow W { task a: <|audit|> { agent <|crawler|> pool <|gpu|> } }',
            SemanticTokenTypes.class, SemanticTokenTypes.enumMember, SemanticTokenTypes.struct, SemanticTokenTypes.type,
            SemanticTokenTypes.enumMember, SemanticTokenTypes.type, SemanticTokenTypes.class, SemanticTokenTypes.struct);
    });

    it('colours parameters, phases and streams', async () => {
        await expectTokens(
            'workflow W { param <|limit|>: number phase <|one|> { stream <|lane|> { task a: research } } phase two after <|one|> { task b: research { when param.<|limit|> > 1 } } }',
            SemanticTokenTypes.parameter, SemanticTokenTypes.namespace, SemanticTokenTypes.namespace, SemanticTokenTypes.namespace,
            SemanticTokenTypes.parameter);
    });

    it('colours durations and date-times as numbers', async () => {
        await expectTokens('workflow W { task a: research { timeout <|1h30m|> deadline <|2024-02-15T17:00:00Z|> } }',
            SemanticTokenTypes.number, SemanticTokenTypes.number);
    });

    it('colours the parts of an interpolation inside a string', async () => {
        await expectTokens(
            'workflow W { param topic: string task a: research task b: research after a { run shell "go <|{{|><|param|>.<|topic|><|}}|> {{<|a|>.<|result|>.path}}" } }',
            SemanticTokenTypes.operator, SemanticTokenTypes.keyword, SemanticTokenTypes.parameter, SemanticTokenTypes.operator,
            SemanticTokenTypes.function, SemanticTokenTypes.property);
    });
});
