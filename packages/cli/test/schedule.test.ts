import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { flowctl, hasStackTrace, useWorkspaces } from './flowctl-process.js';

const workspace = useWorkspaces();

// A six-field cron expression (with seconds) makes the schedule due every second.
const everySecond = `workflow Ticker {
  type step { timeout 1m }
  repeat cron "* * * * * *" timezone "UTC"
  task tick: step { run shell "echo tick >> ticks.txt" }
}
`;

describe('flowctl schedule', () => {
    it('runs the workflow at each occurrence until --max-runs', () => {
        const dir = workspace({ 'ticker.flow': everySecond });
        const result = flowctl(['schedule', 'ticker.flow', '--max-runs', '2'], dir);
        expect(result.status).toBe(0);
        expect(readFileSync(join(dir, 'ticks.txt'), 'utf8')).toBe('tick\ntick\n');
        expect(result.stderr).toMatch(/^schedule: next run of Ticker at \d{4}-\d\d-\d\dT/m);
        expect(result.stderr).toMatch(/^schedule: stopped after 2 runs$/m);
    });

    it('lists the next occurrences with --list and runs nothing', () => {
        const dir = workspace({ 'daily.flow': everySecond.replace('cron "* * * * * *"', 'daily at "09:30"') });
        const result = flowctl(['schedule', 'daily.flow', '--list', '3'], dir);
        expect(result.status).toBe(0);
        const times = result.stdout.trim().split('\n').map(line => Date.parse(line));
        expect(times).toHaveLength(3);
        expect(times.map(time => new Date(time).toISOString().slice(11, 16))).toEqual(['09:30', '09:30', '09:30']);
        expect(times[1] - times[0]).toBe(24 * 3600_000);
    });

    it('refuses a workflow without a schedule, saying how to add one', () => {
        const dir = workspace({ 'once.flow': everySecond.replace(/ *repeat .*\n/, '') });
        const result = flowctl(['schedule', 'once.flow'], dir);
        expect(result.status).toBe(2);
        expect(result.stderr).toMatch(/has no schedule\. Add `repeat daily at "09:00"`/);
        expect(hasStackTrace(result.stderr)).toBe(false);
    });
});
