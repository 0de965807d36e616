import { describe, expect, it } from 'vitest';
import { explainTaskScore } from '@flow/engine';
import { agent, agentTask, CoreDriver, task, workflow } from '../../engine/test/harness.js';
import { explainWaitingTask } from '../src/runtime/explain-waiting.js';

// The engine's pure core is driven by hand, so its real state is there to compare with: what
// the panel rebuilds from the events must be what `explainTaskScore` says of that state.

function explain(driver: CoreDriver, taskId: string) {
    return explainWaitingTask(driver.state.model, driver.events, taskId, driver.now);
}

describe('explainWaitingTask', () => {
    it('says that a queued task waits for its full pool, and scores it as the engine does', () => {
        const driver = new CoreDriver(workflow([task('a', { pool: 'p' }), task('b', { pool: 'p' })], { pools: [{ name: 'p', concurrency: 1, types: [] }] }));
        driver.start();
        // Past two aging intervals, so that waiting has raised its score.
        driver.advance(11 * 60_000);
        const explanation = explain(driver, 'b');
        expect(explanation).toMatchObject({ status: 'ready', waiting: true, waitingFor: ['pool p is full: 1 of 1 slots taken by a'] });
        expect(explanation.score).toEqual(explainTaskScore(driver.state, 'b', driver.now));
        expect(explanation.score!.aging.intervals).toBe(2);
    });

    it('names the busy agents of a task that waits for one', () => {
        const driver = new CoreDriver(workflow([agentTask('a', ['build']), agentTask('b', ['build'])], { agents: [agent('builder', ['build'])] }));
        driver.start();
        const explanation = explain(driver, 'b');
        expect(explanation.waitingFor).toEqual(['no free agent: builder runs 1 of 1']);
        expect(explanation.score).toEqual(explainTaskScore(driver.state, 'b', driver.now));
    });

    it('lists the unfinished dependencies of a task that is not queued yet, with the score it would have', () => {
        const driver = new CoreDriver(workflow([task('a'), task('b'), task('c', { after: ['a', 'b'] })]));
        driver.start();
        driver.succeed('a');
        const explanation = explain(driver, 'c');
        expect(explanation).toMatchObject({ status: 'pending', waiting: true, waitingFor: ['its dependency: b (running)'] });
        expect(explanation.score).toEqual(explainTaskScore(driver.state, 'c', driver.now));
    });

    it('says when a failed attempt is retried', () => {
        const driver = new CoreDriver(workflow([task('a', { retry: { attempts: 2, baseMs: 4_000, on: ['timeout'] } })]));
        driver.start();
        driver.fail('a', 'timeout');
        expect(explain(driver, 'a')).toMatchObject({ waiting: true, waitingFor: ['attempt 2: it retries in 4 s, after its backoff delay'] });
    });

    it('says a running or finished task is not waiting', () => {
        const driver = new CoreDriver(workflow([task('a'), task('b')]));
        driver.start();
        driver.succeed('a');
        expect(explain(driver, 'a')).toMatchObject({ status: 'completed', waiting: false, waitingFor: [] });
        expect(explain(driver, 'b')).toMatchObject({ status: 'running', waiting: false });
    });
});
