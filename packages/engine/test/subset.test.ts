import { validateModel } from '@flow/model';
import { describe, expect, it } from 'vitest';
import { WorkflowConfigError } from '../src/errors.js';
import { runWorkflow } from '../src/run.js';
import { restrictToTask } from '../src/subset.js';
import { expr, task, workflow } from './harness.js';

const ids = (model: { tasks: { id: string }[] }): string[] => model.tasks.map(entry => entry.id);

describe('restrictToTask', () => {
    it('keeps the task and everything upstream of it, transitively, in declaration order', () => {
        const model = workflow([
            task('fetch'), task('unrelated'), task('parse', { after: ['fetch'] }), task('lint'),
            task('build', { after: ['parse', 'lint'] }), task('deploy', { after: ['build'] })
        ]);
        expect(ids(restrictToTask(model, 'build'))).toEqual(['fetch', 'parse', 'lint', 'build']);
    });

    it('names the workflow\'s tasks when the task is not one of them', () => {
        const model = workflow([task('a'), task('b')]);
        expect(() => restrictToTask(model, 'c')).toThrow(WorkflowConfigError);
        expect(() => restrictToTask(model, 'c')).toThrow('workflow test has no task "c"; its tasks are a, b.');
    });

    it('drops emptied streams and phases, and phase edges to dropped phases', () => {
        const model = workflow([
            task('fetch', { phase: 'prepare' }),
            task('compile', { phase: 'build', stream: 'code', after: ['fetch'] }),
            task('docs', { phase: 'build', stream: 'docs', after: ['fetch'] }),
            task('ship', { phase: 'release', after: ['compile'] })
        ], {
            phases: [
                { name: 'prepare', mode: 'parallel', after: [], streams: [], tasks: ['fetch'] },
                {
                    name: 'build', mode: 'parallel', after: ['prepare'], tasks: [],
                    streams: [{ name: 'code', mode: 'sequential', tasks: ['compile'] }, { name: 'docs', mode: 'sequential', tasks: ['docs'] }]
                },
                { name: 'release', mode: 'parallel', after: ['build'], streams: [], tasks: ['ship'] }
            ]
        });
        const subset = restrictToTask(model, 'compile');
        expect(subset.phases).toEqual([
            { name: 'prepare', mode: 'parallel', after: [], streams: [], tasks: ['fetch'] },
            { name: 'build', mode: 'parallel', after: ['prepare'], tasks: [], streams: [{ name: 'code', mode: 'sequential', tasks: ['compile'] }] }
        ]);
        expect(validateModel(subset)).toEqual([]);
    });

    it('keeps only the checkpoints, milestones and compensations whose tasks are all kept', () => {
        const model = workflow([task('a'), task('b', { after: ['a'] }), task('c')], {
            checkpoints: [{ name: 'after_a', after: ['a'] }, { name: 'after_a_and_c', after: ['a', 'c'] }],
            milestones: [{ name: 'b_done', after: ['b'] }, { name: 'c_done', after: ['c'] }],
            onFailure: { compensate: [{ task: 'a', run: { kind: 'echo', value: 'undo a' } }, { task: 'c', run: { kind: 'echo', value: 'undo c' } }], notify: [] }
        });
        const subset = restrictToTask(model, 'b');
        expect(subset.checkpoints.map(marker => marker.name)).toEqual(['after_a']);
        expect(subset.milestones.map(marker => marker.name)).toEqual(['b_done']);
        expect(subset.onFailure.compensate.map(entry => entry.task)).toEqual(['a']);
    });

    it('completes when all its tasks complete, not by a rule over tasks it does not have', () => {
        const model = workflow([task('a'), task('b')], {
            completion: { criteria: 'required_tasks_completed', require: expr.binary('==', expr.status('b'), expr.literal('completed')), notify: [], deliverables: [] }
        });
        const subset = restrictToTask(model, 'a');
        expect(subset.completion).toEqual({ criteria: 'all_tasks_completed', notify: [], deliverables: [] });
        expect(validateModel(subset)).toEqual([]);
    });

    it('runs only the kept tasks', async () => {
        const model = workflow([task('a'), task('b', { after: ['a'] }), task('c', { after: ['a'] })]);
        const result = await runWorkflow(restrictToTask(model, 'b'));
        expect(result.tasks.map(summary => [summary.id, summary.status])).toEqual([['a', 'completed'], ['b', 'completed']]);
        expect(result.status).toBe('completed');
    });

    it('leaves the model it was given as it was', () => {
        const model = workflow([task('a'), task('b', { after: ['a'] }), task('c')]);
        const before = structuredClone(model);
        restrictToTask(model, 'b');
        expect(model).toEqual(before);
    });
});
