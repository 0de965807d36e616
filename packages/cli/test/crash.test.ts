import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FlowStore } from '@flow/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, repositoryRoot, temporaryWorkspace } from './flowctl-process.js';
import { mulberry32 } from '../../../test/support/prng.js';

/*
 * A killed run loses no completed result. flowctl run is SIGKILLed at 20 random moments of a
 * real workflow (shell tasks that append their name to a marker file), each time in a fresh
 * folder, and resumed (every third time the first resume is killed too); then: the run completes; a task whose completion was recorded before a kill never runs again; every
 * event a killed process printed is in the store, once, in order; the store opens cleanly.
 */

const KILLS = 20;
const LAYERS = 6;
const WIDTH = 4;


function layeredWorkflow(): string {
    const lines = ['workflow Layers {', '  type step { timeout 1m }'];
    for (let layer = 0; layer < LAYERS; layer++) {
        for (let index = 0; index < WIDTH; index++) {
            const id = `t${layer}_${index}`;
            const after = layer === 0 ? '' : ` after ${[index, (index + 1) % WIDTH].map(i => `t${layer - 1}_${i}`).join(', ')}`;
            lines.push(`  task ${id}: step${after} { run shell "sleep 0.1; echo ${id} >> markers.log; echo '{\\"done\\": \\"${id}\\"}'" }`);
        }
    }
    lines.push('}');
    return lines.join('\n') + '\n';
}

const taskIds = Array.from({ length: LAYERS * WIDTH }, (_, n) => `t${Math.floor(n / WIDTH)}_${n % WIDTH}`);

let root: string;
let remove: () => void;
beforeAll(() => {
    ensureBuilt();
    ({ dir: root, remove } = temporaryWorkspace({}));
}, 300_000);
afterAll(() => remove?.());

function markerCounts(dir: string): Map<string, number> {
    const counts = new Map<string, number>();
    const file = join(dir, 'markers.log');
    if (!existsSync(file)) return counts;
    for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) counts.set(line, (counts.get(line) ?? 0) + 1);
    return counts;
}

/** Starts flowctl, and SIGKILLs it `delayMs` after its first event; resolves with what it printed. */
function runAndKill(dir: string, args: string[], delayMs: number | undefined): Promise<{ stdout: string; killed: boolean }> {
    return new Promise(resolve => {
        const child = spawn(process.execPath, [join(repositoryRoot, 'packages', 'cli', 'bin', 'flowctl.cjs'), ...args], {
            cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FLOW_DEBUG: '' }
        });
        let stdout = '';
        let armed = false;
        let killed = false;
        child.stdout.on('data', chunk => {
            stdout += chunk;
            if (!armed && delayMs !== undefined) {
                armed = true;
                setTimeout(() => { killed = child.kill('SIGKILL'); }, delayMs);
            }
        });
        child.on('exit', () => resolve({ stdout, killed }));
    });
}

async function readStore<T>(dir: string, read: (store: FlowStore) => T): Promise<T> {
    const store = await FlowStore.open(join(dir, '.flow'), { readOnly: true });
    try {
        return read(store);
    } finally {
        await store.close();
    }
}

/** What a killed process left: its events (checked against what it printed) and its recorded completions. */
async function afterKill(dir: string, stdout: string): Promise<{ runId: string; completed: string[]; finished: boolean }> {
    const printed = stdout.split('\n').slice(0, -1).map(line => JSON.parse(line));
    const runId = printed[0]?.runId as string | undefined;
    if (!runId) throw new Error(`flowctl printed no event before it was killed: ${stdout}`);
    const { events, state } = await readStore(dir, store => ({ events: store.events(runId), state: store.stateAt(runId) }));
    // Durable before shown: every line the process printed is in the store, once, in order.
    expect(events.map(event => event.seq)).toEqual(events.map((_, index) => index + 1));
    expect(events.slice(0, printed.length).map(event => [event.seq, event.type])).toEqual(printed.map(event => [event.seq, event.type]));
    return {
        runId,
        completed: Object.values(state.tasks).filter(task => task.status === 'completed').map(task => task.id),
        finished: events.at(-1)?.type === 'run.completed'
    };
}

describe('runs killed at 20 moments and resumed', () => {
    it('complete, never repeat a recorded task, and lose no event', async () => {
        const random = mulberry32(0xc0ffee);
        let killedMidRun = 0;
        for (let cycle = 0; cycle < KILLS; cycle++) {
            const dir = join(root, `cycle-${cycle}`);
            mkdirSync(dir);
            writeFileSync(join(dir, 'layers.flow'), layeredWorkflow());
            // Every third cycle also kills the first resume, so a resume of a resume is covered.
            const kills = cycle % 3 === 2 ? 2 : 1;
            const recorded: Array<{ task: string; count: number }> = [];
            let args = ['run', 'layers.flow', '--json'];
            let finished = false;
            for (let kill = 0; kill < kills && !finished; kill++) {
                const { stdout } = await runAndKill(dir, args, Math.floor(random() * 900));
                const left = await afterKill(dir, stdout);
                finished = left.finished;
                if (!finished) killedMidRun++;
                const counts = markerCounts(dir);
                for (const task of left.completed) recorded.push({ task, count: counts.get(task) ?? 0 });
                args = ['resume', left.runId, '--json'];
            }
            if (!finished) {
                const last = await runAndKill(dir, args, undefined);
                const events = last.stdout.trim().split('\n').map(line => JSON.parse(line));
                expect(events.at(-1), `cycle ${cycle}`).toMatchObject({ type: 'run.completed' });
            }
            const counts = markerCounts(dir);
            // A task recorded as completed before a kill never ran again.
            for (const { task, count } of recorded) expect(counts.get(task), `cycle ${cycle}: ${task}`).toBe(count);
            expect(taskIds.filter(id => !counts.has(id)), `cycle ${cycle}`).toEqual([]);

            // The store opens as a writer with nothing to report beyond the kills' torn journal lines.
            const warnings: string[] = [];
            const store = await FlowStore.open(join(dir, '.flow'), { onWarning: message => warnings.push(message) });
            const running = store.runs({ limit: 100 }).filter(run => run.status === 'running');
            await store.close();
            expect(warnings.filter(message => !/torn|truncated|incomplete/i.test(message)), `cycle ${cycle}`).toEqual([]);
            expect(running, `cycle ${cycle}`).toEqual([]);
        }
        // The kill moments are random: most must land while the run is going, or the test shows little.
        expect(killedMidRun).toBeGreaterThanOrEqual(KILLS / 2);
    }, 600_000);
});
