import { expectCompletion } from 'langium/test';
import type { CompletionList } from 'vscode-languageserver';
import { describe, expect, it } from 'vitest';
import { useFlowServices } from './lsp-services.js';

const services = useFlowServices();

/** Expects exactly these labels at the `<|>` marker, in any order. */
async function expectLabels(text: string, labels: string[]): Promise<void> {
    await expectCompletion(services().Flow)({
        text, index: 0,
        assert: (list: CompletionList) => expect(list.items.map(item => item.label).sort()).toEqual([...labels].sort())
    });
}

describe('completion', () => {
    it('offers the statements allowed at the cursor', async () => {
        await expectLabels('agent a { <|> }', ['capabilities', 'concurrency', 'weight', 'run']);
    });

    it('offers nothing where a new name is declared, not the keywords a name may be spelled as', async () => {
        await expectLabels('workflow W { task <|> }', []);
    });

    it('offers only tasks and batches after `after`, without the task itself or those already listed', async () => {
        await expectLabels(
            'workflow W { agent helper {} task a: research task b: research batch c: research { items [] } task d: research after b, <|> }',
            ['a', 'c']);
    });

    it('offers the tasks, not pools or agents, in `when`', async () => {
        await expectCompletion(services().Flow)({
            text: 'workflow W { pool p {} agent helper {} task a: research task b: research after a { when <|> } }',
            index: 0,
            assert: list => {
                const labels = list.items.map(item => item.label);
                expect(labels).toContain('a');
                expect(labels).toContain('param');
                expect(labels).not.toContain('b');
                expect(labels).not.toContain('p');
                expect(labels).not.toContain('helper');
            }
        });
    });

    it('offers the capabilities that agents offer after `requires`', async () => {
        await expectLabels(
            'agent mailer { capabilities email } workflow W { agent crawler { capabilities web, pdf } task a: research { requires pdf, <|> } }',
            ['email', 'web']);
    });

    it('offers the parameter names after `param.`', async () => {
        await expectLabels('workflow W { param topic: string param depth: number task a: research { when param.<|> } }', ['topic', 'depth']);
    });

    it('offers the members of a task after `task.`', async () => {
        await expectLabels('workflow W { task a: research task b: research after a { when a.<|> } }', ['result', 'status', 'duration', 'attempts']);
    });

    it('offers the built-in and declared task types after `task x: `', async () => {
        await expectLabels('type audit {} workflow W { task a: <|> }', [
            'research', 'analysis', 'implementation', 'coordination', 'design', 'review', 'testing', 'planning', 'audit'
        ]);
    });

    it('offers units after a number where a duration is expected', async () => {
        await expectCompletion(services().Flow)({
            text: 'workflow W { task a: research { timeout 5<|> } }', index: 0,
            expectedItems: ['5ms', '5s', '5m', '5h', '5d']
        });
    });

    it('offers priority levels in order of urgency', async () => {
        await expectCompletion(services().Flow)({
            text: 'workflow W { task a: research { priority <|> } }', index: 0,
            expectedItems: ['urgent', 'high', 'normal', 'low']
        });
    });

    it('offers the parameter names after `param.` inside an interpolation', async () => {
        await expectLabels('workflow W { param topic: string task a: research { run shell "go {{param.<|>}}" } }', ['topic']);
    });

    it('offers `param` and only the upstream tasks at the start of an interpolation', async () => {
        await expectLabels(
            'workflow W { task first: research task other: research task a: research after first { run shell "go {{<|>}}" } }',
            ['param', 'first']);
    });
});
