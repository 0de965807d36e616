import { beforeAll, describe, expect, it } from 'vitest';
import { AstUtils } from 'langium';
import { clearDocuments, parseHelper } from 'langium/test';
import { createFlowServicesWithBuiltins, type FlowServiceSet } from '../../src/flow-module.js';
import * as ast from '../../src/generated/ast.js';

let services: FlowServiceSet;
beforeAll(async () => {
    services = await createFlowServicesWithBuiltins();
});

/** Parses a document (no validation) and returns its first workflow with a task lookup. */
async function workflowOf(text: string) {
    const document = await parseHelper<ast.FlowFile>(services.Flow)(text);
    const workflow = document.parseResult.value.elements.find(ast.isWorkflow)!;
    const graph = services.Flow.workflow.TaskGraph.graphOf(workflow);
    const task = (name: string) => {
        const found = AstUtils.streamAst(workflow).find(node => (ast.isTask(node) || ast.isBatch(node)) && node.name === name);
        if (!found) throw new Error(`no task ${name}`);
        return found as ast.Schedulable;
    };
    const names = (tasks: ast.Schedulable[]) => tasks.map(t => t.name).sort();
    const dependencies = (name: string) => graph.dependenciesOf(task(name)).map(d => `${d.name}:${d.origin}`).sort();
    return { document, workflow, graph, task, names, dependencies, dispose: () => clearDocuments(services.shared, [document]) };
}

describe('FlowTaskGraph', () => {
    it('lists written dependencies as declared, from the header and the body', async () => {
        const { dependencies, dispose } = await workflowOf(`type job {}
            workflow W { task a: job  task b: job  task c: job after a { after b } }`);
        expect(dependencies('c')).toEqual(['a:declared', 'b:declared']);
        await dispose();
    });

    it('makes the tasks of a later phase wait for the exit tasks of the earlier phase', async () => {
        const { dependencies, dispose } = await workflowOf(`type job {}
            workflow W {
              phase one { task a: job  task b: job after a  task c: job }
              phase two after one { task d: job  stream s { task e: job } }
            }`);
        // 'a' is upstream of 'b', so the exits of phase one are 'b' and 'c'.
        expect(dependencies('d')).toEqual(['b:phase', 'c:phase']);
        expect(dependencies('e')).toEqual(['b:phase', 'c:phase']);
        await dispose();
    });

    it('chains a sequential stream in declaration order', async () => {
        const { dependencies, dispose } = await workflowOf(`type job {}
            workflow W { phase p { stream s sequential { task a: job  task b: job  task c: job } } }`);
        expect(dependencies('a')).toEqual([]);
        expect(dependencies('b')).toEqual(['a:stream']);
        expect(dependencies('c')).toEqual(['b:stream']);
        await dispose();
    });

    it('counts a stream as one element of a sequential phase', async () => {
        const { dependencies, dispose } = await workflowOf(`type job {}
            workflow W { phase p sequential { task intro: job  stream s { task x: job  task y: job }  task outro: job } }`);
        expect(dependencies('x')).toEqual(['intro:phase']);
        expect(dependencies('y')).toEqual(['intro:phase']);
        expect(dependencies('outro')).toEqual(['x:phase', 'y:phase']);
        await dispose();
    });

    it('keeps phase ordering transitive across an empty phase', async () => {
        const { dependencies, dispose } = await workflowOf(`type job {}
            workflow W { phase a { task first: job }  phase b after a {}  phase c after b { task last: job } }`);
        expect(dependencies('last')).toEqual(['first:phase']);
        await dispose();
    });

    it('answers upstream transitively and dependents directly', async () => {
        const { graph, task, names, dispose } = await workflowOf(`type job {}
            workflow W { task a: job  task b: job after a  task c: job after b  task d: job }`);
        expect(names(graph.upstream(task('c')))).toEqual(['a', 'b']);
        expect(graph.isUpstream(task('c'), task('a'))).toBe(true);
        expect(graph.isUpstream(task('a'), task('c'))).toBe(false);
        expect(names(graph.dependents(task('a')))).toEqual(['b']);
        await dispose();
    });

    it('finds a self-dependency as a cycle of one edge', async () => {
        const { graph, dispose } = await workflowOf(`type job {}
            workflow W { task a: job after a }`);
        expect(graph.cycles().map(cycle => cycle.path)).toEqual([['a', 'a']]);
        await dispose();
    });

    it('finds a cycle through phase ordering', async () => {
        const { graph, dispose } = await workflowOf(`type job {}
            workflow W { phase one { task a: job after b }  phase two after one { task b: job } }`);
        const [cycle] = graph.cycles();
        expect(cycle.path).toEqual(['a', 'phase two', 'b', 'a']);
        expect(cycle.edges.map(edge => edge.origin).sort()).toEqual(['declared', 'phase']);
        await dispose();
    });

    describe('on a chain of 10,000 tasks', () => {
        const chain = (closed: boolean) => {
            const lines = ['type job {}', 'workflow Long {'];
            lines.push(closed ? '  task t0: job after t9999' : '  task t0: job');
            for (let i = 1; i < 10_000; i++) lines.push(`  task t${i}: job after t${i - 1}`);
            lines.push('}');
            return lines.join('\n');
        };

        it('finds no cycle and the whole chain upstream, without overflowing the stack', async () => {
            const { graph, task, dispose } = await workflowOf(chain(false));
            expect(graph.cycles()).toEqual([]);
            expect(graph.upstream(task('t9999'))).toHaveLength(9999);
            expect(graph.isUpstream(task('t9999'), task('t0'))).toBe(true);
            await dispose();
        });

        it('finds the one cycle that closing the chain creates, with every edge on it', async () => {
            const { graph, dispose } = await workflowOf(chain(true));
            const cycles = graph.cycles();
            expect(cycles).toHaveLength(1);
            expect(cycles[0].edges).toHaveLength(10_000);
            expect(cycles[0].path).toHaveLength(10_001);
            expect(cycles[0].path[0]).toBe('t0');
            await dispose();
        });
    });
});
