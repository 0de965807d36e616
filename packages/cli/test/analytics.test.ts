/**
 * flowctl analytics on runs made with flowctl run: the structure of the report and the values a
 * test can know (counts, rates, CPU time of a task that burns CPU against one that sleeps),
 * never wall-clock times.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, flowctl, hasStackTrace, temporaryWorkspace } from './flowctl-process.js';

// burn loops in the shell (about a quarter of a second of CPU); nap only waits.
const busy = `workflow Busy {
  task burn: analysis { run shell "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done" }
  task nap: research { run shell "sleep 0.2" }
  task report: review after burn, nap { run shell "true" }
}
`;

// fetch fails its first attempt and is retried; publish always fails.
const flaky = `workflow Flaky {
  task fetch: research {
    retry { attempts 2 backoff fixed 10ms exit 3 }
    run shell "if [ \\"$FLOW_ATTEMPT\\" = 1 ]; then exit 3; fi"
  }
  task publish: review after fetch { run shell "echo 'no route to host' >&2; exit 4" }
}
`;

let workspace: { dir: string; remove: () => void };
const runIds: string[] = [];

function runWorkflow(file: string): void {
    const result = flowctl(['run', file], workspace.dir);
    expect([0, 1], result.stderr).toContain(result.status);
    runIds.push(result.stderr.match(/^run ([0-9a-f-]{36}) · state: /m)![1]);
}

beforeAll(() => {
    ensureBuilt();
    workspace = temporaryWorkspace({ 'busy.flow': busy, 'flaky.flow': flaky });
    runWorkflow('busy.flow');
    runWorkflow('busy.flow');
    runWorkflow('flaky.flow');
}, 300_000);

afterAll(() => workspace?.remove());

function report(args: string[] = []): any {
    const result = flowctl(['analytics', '--json', ...args], workspace.dir);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    return JSON.parse(result.stdout);
}

describe('flowctl analytics --json', () => {
    it('counts the runs and tasks that flowctl run recorded', () => {
        const { runs, tasks, workflows, empty } = report();
        expect([empty, workflows]).toEqual([false, ['Busy', 'Flaky']]);
        expect(runs).toMatchObject({ runs: 3, completed: 2, failed: 1, successRate: 0.6667 });
        expect(tasks.status).toMatchObject({ completed: 7, failed: 1 });
        // fetch: 2 attempts, publish: 1, and one for each of Busy's 6 tasks.
        expect(tasks.attempts).toMatchObject({ total: 9, retries: 1, retriedTasks: 1 });
        expect(tasks.successRate).toBe(0.875);
    });

    it('measures the CPU time of a task that burns CPU, and next to none for one that sleeps', () => {
        const { breakdown } = report(['--workflows', 'Busy', '--breakdown', 'task_type']);
        const byType = Object.fromEntries(breakdown.task_type.map((group: any) => [group.key, group.tasks.resources]));
        expect(byType.analysis).toMatchObject({ attempts: 2, measuredAttempts: 2 });
        expect(byType.analysis.cpuMs).toBeGreaterThan(0);
        expect(byType.research.cpuMs).toBeLessThan(50);
    });

    it('gives only the metrics asked for', () => {
        const { tasks, metrics } = report(['--metrics', 'success_rate,resource_usage']);
        expect(metrics).toEqual(['success_rate', 'resource_usage']);
        expect(Object.keys(tasks)).toEqual(expect.arrayContaining(['successRate', 'resources']));
        expect(tasks).not.toHaveProperty('completionTime');
        expect(tasks).not.toHaveProperty('queueWait');
    });

    it('compares workflows side by side', () => {
        const { compare } = report(['--workflows', 'Busy,Flaky', '--compare']);
        expect(compare.map((entry: any) => [entry.workflow, entry.runs.runs, entry.tasks.successRate])).toEqual([['Busy', 2, 1], ['Flaky', 1, 0.5]]);
    });

    it('lists the critical path of each run, the most recent first, and the failing task as a hotspot', () => {
        const { bottlenecks } = report();
        expect(bottlenecks.criticalPaths.map((path: any) => path.runId)).toEqual([...runIds].reverse());
        const busyPath = bottlenecks.criticalPaths[1].tasks.map((step: any) => step.task);
        expect(busyPath.at(-1)).toBe('report');
        expect(['burn', 'nap']).toContain(busyPath[0]);
        // Equal failed attempts: the one that failed its run comes first.
        expect(bottlenecks.failureHotspots.map((spot: any) => [spot.task, spot.failedAttempts, spot.failedRuns, spot.lastError.kind])).toEqual([
            ['publish', 1, 1, 'exit_code'], ['fetch', 1, 0, 'exit_code']
        ]);
    });

    it('says a timeframe without runs is empty', () => {
        const empty = flowctl(['analytics', '--json', '--state-dir', 'nothing-here'], workspace.dir);
        expect(JSON.parse(empty.stdout)).toMatchObject({ empty: true, runs: { runs: 0 }, recommendations: [] });
    });
});

describe('flowctl analytics as tables', () => {
    it('prints the metrics, trends, bottlenecks and recommendations', () => {
        const result = flowctl(['analytics', '--breakdown', 'agent_type'], workspace.dir);
        expect(result.status).toBe(0);
        expect(result.stdout).toMatch(/^Runs started in the last 30 days \(since .* UTC\): 3 run\(s\) of Busy, Flaky$/m);
        for (const section of ['completion time', 'success rate', 'resource usage', 'By agent', 'Trends by day, UTC', 'Trends by ISO week, UTC',
            'Critical path of the most recent runs', 'Longest queue waits:', 'Failure hotspots:', 'Recommendations:']) {
            expect(result.stdout).toContain(section);
        }
        expect(result.stdout).toMatch(/│ success rate +│ tasks 88% \(7 of 8 that ran\) · runs 67% \(2 of 3 that ended\)/);
    });

    it('says so when the store holds no runs', () => {
        const result = flowctl(['analytics', '--state-dir', 'nothing-here'], workspace.dir);
        expect(result.status).toBe(0);
        expect(result.stdout).toBe('no runs in nothing-here started in the last 30 days (since ' +
            result.stdout.match(/since (.* UTC)\)/)![1] + '); try --timeframe all, or `flowctl run <file>` to make one.\n');
    });
});

describe('flowctl analytics refuses bad options', () => {
    it.each([
        [['--timeframe', 'yesterday'], '--timeframe yesterday: give last-N-days, last-N-hours, last-N-weeks'],
        [['--metrics', 'cost'], '--metrics: no metric cost; give any of completion_time, success_rate'],
        [['--breakdown', 'colour'], '--breakdown: no dimension colour; give any of task_type, agent'],
        [['--workflows', 'Nope'], '--workflows: .flow has no runs of Nope; it has runs of Busy, Flaky.']
    ])('%j', (args, message) => {
        const result = flowctl(['analytics', ...args], workspace.dir);
        expect(result.status).toBe(2);
        expect(result.stderr).toContain(`flowctl: ${message}`);
        expect(hasStackTrace(result.stderr)).toBe(false);
    });
});
