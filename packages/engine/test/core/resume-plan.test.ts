/** Planning a resume: which tasks keep their results, and why the others run again. */
import type { Json, WorkflowModel } from '@flow/model';
import { describe, expect, test } from 'vitest';
import { describeResumeReason, planResume, type ResumeSource } from '../../src/resume.js';
import { task, workflow } from '../harness.js';

const params = [
    { name: 'region', type: { kind: 'string' as const }, default: 'eu' },
    { name: 'depth', type: { kind: 'string' as const }, default: 'basic' }
];

function pipeline(loadCommand = 'load'): WorkflowModel {
    return workflow([
        task('extract', { run: { kind: 'shell', command: 'extract {{param.region}}' } }),
        task('transform', { after: ['extract'], run: { kind: 'shell', command: 'transform {{param.depth}}' } }),
        task('load', { after: ['transform'], run: { kind: 'shell', command: loadCommand } }),
        task('report', { after: ['extract'], run: { kind: 'shell', command: 'report' } })
    ], { params });
}

function source(outcomes: ResumeSource['outcomes'], runParams: Record<string, Json> = { region: 'eu', depth: 'basic' }): ResumeSource {
    return { runId: 'run-1', checkpoint: 'after_transform', model: pipeline(), params: runParams, outcomes };
}

const allDone = {
    extract: { status: 'completed', result: 1 }, transform: { status: 'completed', result: 2 },
    load: { status: 'completed', result: 3 }, report: { status: 'completed', result: 4 }
};

const reasons = (plan: ReturnType<typeof planResume>) => Object.fromEntries(plan.steps.map(step => [step.task, describeResumeReason(step.reason)]));

describe('a resume plan', () => {
    test('keeps everything when nothing changed, and hands over every completed result', () => {
        const plan = planResume(source(allDone), { model: pipeline(), params: { region: 'eu', depth: 'basic' } });
        expect(plan.steps.every(step => step.keep)).toBe(true);
        expect(Object.keys(plan.reuse.results).sort()).toEqual(['extract', 'load', 'report', 'transform']);
        expect(plan.reuse.from).toEqual({ runId: 'run-1', checkpoint: 'after_transform' });
    });

    test('says which parameter changed, and which tasks run again because an upstream task does', () => {
        const plan = planResume(source(allDone), { model: pipeline(), params: { region: 'eu', depth: 'full' } });
        expect(reasons(plan)).toEqual({
            extract: 'unchanged: keeps its result',
            transform: 'changed parameter depth',
            load: 'changed upstream: transform runs again (the result is kept if theirs comes out the same)',
            report: 'unchanged: keeps its result'
        });
    });

    test('names a changed definition, tasks that never ran or did not complete, and new tasks', () => {
        const outcomes = { extract: allDone.extract, transform: { status: 'failed' } };
        const changed = workflow([...pipeline('load --all').tasks, task('audit', { after: ['load'] })], { params });
        const plan = planResume(source(outcomes), { model: changed, params: { region: 'eu', depth: 'basic' } });
        expect(reasons(plan)).toMatchObject({
            extract: 'unchanged: keeps its result',
            transform: 'did not complete (failed): runs again',
            load: 'never ran: it had not ended at the checkpoint',
            audit: 'new task: not in the earlier run'
        });
        const definition = planResume(source(allDone), { model: pipeline('load --all'), params: { region: 'eu', depth: 'basic' } });
        expect(reasons(definition).load).toBe('changed definition: its command, type, settings or agents changed');
    });
});

describe('a resume of a resume', () => {
    // The second run kept extract, ran transform again (another result), and was killed before
    // it got to load and report.
    const second: ResumeSource = {
        ...source({ extract: { status: 'completed', result: 1 }, transform: { status: 'completed', result: 22 } }), runId: 'run-2'
    };

    test('takes each result from the nearest run in which the task ended', () => {
        const plan = planResume([second, source(allDone)], { model: pipeline(), params: { region: 'eu', depth: 'basic' } });
        expect(plan.reuse.results.extract).toMatchObject({ result: 1, runId: 'run-2' });
        expect(plan.reuse.results.transform).toMatchObject({ result: 22, runId: 'run-2' });
        expect(plan.reuse.results.report).toMatchObject({ result: 4, runId: 'run-1' });
        expect(plan.reuse.from.runId).toBe('run-2');
    });

    test('runs again a task whose upstream result changed in the later run', () => {
        const plan = planResume([second, source(allDone)], { model: pipeline(), params: { region: 'eu', depth: 'basic' } });
        expect(reasons(plan)).toEqual({
            extract: 'unchanged: keeps its result',
            transform: 'unchanged: keeps its result',
            load: 'changed upstream result: transform ran again since and gave another result',
            report: 'unchanged: keeps its result'
        });
    });
});
