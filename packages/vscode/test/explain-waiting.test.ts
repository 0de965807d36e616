import { describe, expect, it } from 'vitest';
import { explainTaskScore } from '@flow/engine';
import { agent, agentTask, CoreDriver, task, workflow } from '../../engine/test/harness.js';
import { explainWaitingTask } from '../src/runtime/explain-waiting.js';

// The engine's pure core is driven by hand: its events are what the panel reads the reasons
// from, and its state is what the live run's handle scores (`explainTaskScore`).

function explain(driver: CoreDriver, taskId: string) {
    return explainWaitingTask(driver.state.model, driver.events, taskId, driver.now, task => explainTaskScore(driver.state, task, driver.now));
}

describe('explainWaitingTask', () => {
    it('says that a queued task waits for its full pool', () => {
        const driver = new CoreDriver(workflow([task('a', { pool: 'p' }), task('b', { pool: 'p' })], { pools: [{ name: 'p', concurrency: 1, types: [] }] }));
        driver.start();
        // Past two aging intervals, so that waiting has raised its score.
        driver.advance(11 * 60_000);
        const explanation = explain(driver, 'b');
        expect(explanation).toMatchObject({ status: 'ready', waiting: true, waitingFor: ['pool p is full: 1 of 1 slots taken by a'] });
    });

    it('names the busy agents of a task that waits for one', () => {
        const driver = new CoreDriver(workflow([agentTask('a', ['build']), agentTask('b', ['build'])], { agents: [agent('builder', ['build'])] }));
        driver.start();
        const explanation = explain(driver, 'b');
        expect(explanation.waitingFor).toEqual(['no free agent: builder runs 1 of 1']);
    });

    it('lists the unfinished dependencies of a task that is not queued yet, and says its score is the one it would have', () => {
        const driver = new CoreDriver(workflow([task('a'), task('b'), task('c', { after: ['a', 'b'] })]));
        driver.start();
        driver.succeed('a');
        const explanation = explain(driver, 'c');
        expect(explanation).toMatchObject({ status: 'pending', waiting: true, waitingFor: ['its dependency: b (running)'] });
        expect(explanation.basis).toMatch(/not queued yet: this is the score it would have if it were queued now/);
    });

    it('asks the live run for the score of the task it explains, and for none of a task that does not wait', () => {
        const driver = new CoreDriver(workflow([task('a', { pool: 'p' }), task('b', { pool: 'p' })], { pools: [{ name: 'p', concurrency: 1, types: [] }] }));
        driver.start();
        const asked: string[] = [];
        const score = (taskId: string) => {
            asked.push(taskId);
            return explainTaskScore(driver.state, taskId, driver.now);
        };
        expect(explainWaitingTask(driver.state.model, driver.events, 'b', driver.now, score).score).toMatchObject({ task: 'b' });
        expect(explainWaitingTask(driver.state.model, driver.events, 'a', driver.now, score).score).toBeUndefined();
        expect(asked).toEqual(['b']);
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
