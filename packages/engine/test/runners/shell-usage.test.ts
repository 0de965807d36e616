import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { InProcessDispatcher } from '../../src/dispatcher.js';
import type { ProcessUsage } from '../../src/events.js';
import { defaultRunners } from '../../src/runners/index.js';
import { ShellRunner } from '../../src/runners/shell.js';
import { attempt, context, failureOf, temporaryFolder } from './helpers.js';

const runner = new ShellRunner();
/** About a quarter of a second of CPU in dash; the loop runs in the shell itself. */
const BUSY_LOOP = 'i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done';

/** Runs a command and returns its result (or failure) with the usage the runner reported, if any. */
async function measure(command: string): Promise<{ outcome: unknown; usage: ProcessUsage | undefined; reports: number }> {
    let usage: ProcessUsage | undefined;
    let reports = 0;
    const attemptContext = context(attempt({ kind: 'shell', command }), temporaryFolder(), {
        reportUsage: measured => {
            usage = measured;
            reports++;
        }
    });
    const outcome = await runner.run(attemptContext).catch((error: unknown) => error);
    return { outcome, usage, reports };
}

describe('shell runner: CPU time of the command', () => {
    it('counts the CPU time the shell itself burns', async () => {
        const { usage, reports } = await measure(BUSY_LOOP);
        expect(reports).toBe(1);
        expect(usage!.cpuMs).toBeGreaterThan(0);
    });

    it('counts the CPU time of child processes the shell waited for', async () => {
        const { usage } = await measure(`sh -c '${BUSY_LOOP}'`);
        expect(usage!.cpuMs).toBeGreaterThan(0);
    });

    it('counts next to no CPU time for a command that waits', async () => {
        const { usage } = await measure('sleep 0.2');
        // sleep itself takes about a millisecond; the clock tick is 10 ms.
        expect(usage!.cpuMs).toBeLessThan(50);
        expect(usage!.wallMs).toBeGreaterThanOrEqual(200);
    });

    it('measures a failing command too, and keeps its exit code', async () => {
        const { outcome, usage } = await measure(`${BUSY_LOOP}; exit 3`);
        expect(outcome).toMatchObject({ kind: 'exit_code', exitCode: 3 });
        expect(usage!.cpuMs).toBeGreaterThan(0);
    });

    it('reports nothing for a command that replaces the shell, rather than a number it did not measure', async () => {
        const { outcome, reports } = await measure('exec true');
        expect(outcome).toEqual({ exitCode: 0, output: '' });
        expect(reports).toBe(0);
    });

    it("leaves a command's own EXIT trap working (that command is not measured)", async () => {
        const { outcome, reports } = await measure("trap 'echo bye' EXIT; echo hi");
        expect(outcome).toEqual({ exitCode: 0, output: 'hi\nbye\n' });
        expect(reports).toBe(0);
    });

    it('keeps the line numbers of the shell\'s messages', async () => {
        const failure = await failureOf(runner.run(context(attempt({ kind: 'shell', command: 'true\nno-such-command-flow-test' }), temporaryFolder())));
        expect(failure.message).toMatch(/: 2: no-such-command-flow-test: not found/);
    });

    it('reaches the attempt outcome through the dispatcher', async () => {
        const dispatcher = new InProcessDispatcher({ runners: defaultRunners(), clock: systemClock, workflowDir: temporaryFolder(), logDir: join(temporaryFolder(), 'logs') });
        const outcome = await dispatcher.execute(attempt({ kind: 'shell', command: BUSY_LOOP }), new AbortController().signal);
        expect(outcome.ok).toBe(true);
        expect(outcome.usage!.cpuMs).toBeGreaterThan(0);
    });
});
