/**
 * The store fed by the real engine: what a run reports is what the store answers, and the
 * store's cache is the engine's cache across runs.
 */
import { describe, expect, test } from 'vitest';
import { VirtualClock, runWorkflow } from '@flow/engine';
import type { WorkflowModel } from '@flow/model';
import type { FlowStore } from '../src/index.js';
import { task, workflow } from '../../engine/test/harness.js';
import { openStore, stateDir } from './helpers.js';

const model = workflow([
    task('extract', { run: { kind: 'echo', value: { rows: 3 } }, cache: true }),
    task('transform', { after: ['extract'], run: { kind: 'echo', value: 'shaped' } }),
    task('broken', { after: ['extract'], run: { kind: 'fail', message: 'no disk' }, retry: { attempts: 1 } }),
    task('load', { after: ['transform', 'broken'] })
], { checkpoints: [{ name: 'extracted', after: ['extract'] }] });

async function run(store: FlowStore, runId: string, definition: WorkflowModel = model) {
    const clock = new VirtualClock();
    store.recordRun({ runId, workflow: definition.name, params: {}, model: definition, startedAt: clock.now() });
    const result = runWorkflow(definition, { runId, clock, cache: store.cache, onEvent: event => store.append(event) });
    await clock.runAll();
    return result;
}

describe('a run of the engine, stored', () => {
    test('each task\'s status, result and attempts in the store are those of the run\'s result', async () => {
        const store = await openStore(stateDir());
        const result = await run(store, 'r1');
        const { tasks } = store.stateAt('r1');
        expect(Object.values(tasks).map(({ id, status, result, attempts }) => ({ id, status, result, attempts })))
            .toEqual(result.tasks.map(({ id, status, result, attempts }) => ({ id, status, result, attempts })));
        expect(store.run('r1')).toMatchObject({ status: result.status, tasks: { total: 4, completed: 2, failed: 2, skipped: 0 } });
    });

    test('the workflow\'s checkpoint names the delta of the task it waits for', async () => {
        const store = await openStore(stateDir());
        await run(store, 'r1');
        const named = store.checkpoints('r1').find(checkpoint => checkpoint.name === 'extracted');
        expect(named?.task).toBe('extract');
        expect(store.stateAt('r1', 'extracted').tasks.transform.status).not.toBe('completed');
    });

    test('a second run finds the first run\'s cached result in the store, also after reopening', async () => {
        const dir = stateDir();
        const first = await openStore(dir);
        await run(first, 'r1');
        await first.close();
        const second = await openStore(dir);
        const result = await run(second, 'r2');
        expect(result.tasks.find(summary => summary.id === 'extract')).toMatchObject({ fromCache: true, result: { rows: 3 } });
        expect(second.stateAt('r2').tasks.extract.fromCache).toBe(true);
    });
});
