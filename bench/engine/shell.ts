/**
 * Shell tasks: the same DAG of `true` commands run by `make -jN` from a generated Makefile, by a
 * bare Node spawner, and by the engine's `runWorkflow` with the real shell runner, without and
 * with per-attempt log files. Every function times one run: what counts is the wall time (the
 * work happens in child processes), and for the Node executors also this thread's CPU time.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowModel } from '@flow/model';
import { defaultRunners, runWorkflow } from '../../packages/engine/src/index.js';
import type { Dag } from './dags.js';
import { checkCompleted, startTiming, type Timing } from './overhead.js';

export const COMMAND = 'true';

/**
 * A Makefile with one phony target per task whose prerequisites are its dependencies. Make
 * runs a recipe without shell syntax by exec'ing it directly, without `/bin/sh`.
 */
export function writeMakefile(dag: Dag, dir: string): string {
    const lines = [`.PHONY: all ${dag.ids.join(' ')}`, `all: ${dag.ids.join(' ')}`];
    dag.ids.forEach((id, index) => lines.push(`${id}:${dag.dependencies[index].map(dependency => ` ${dependency}`).join('')}`, `\t@${COMMAND}`));
    const file = join(dir, 'Makefile');
    writeFileSync(file, lines.join('\n') + '\n');
    return file;
}

export function runMake(makefile: string, dir: string, jobs: number): Promise<number> {
    return new Promise((resolve, reject) => {
        const start = performance.now();
        const child = spawn('make', [`-j${jobs}`, '-s', '-f', makefile, 'all'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
        child.on('error', reject);
        child.on('close', code => {
            const elapsed = performance.now() - start;
            if (code === 0) resolve(elapsed);
            else reject(new Error(`make exited with code ${code}: ${stderr.trim()}`));
        });
    });
}

/**
 * The least a Node orchestrator does: `spawn('/bin/sh', ['-c', command])` for every task whose
 * dependencies are done, at most `concurrency` at once, waiting for each to exit.
 */
export function bareSpawner(dag: Dag, dir: string, concurrency: number): Promise<Timing> {
    return new Promise((resolve, reject) => {
        const stop = startTiming();
        const count = dag.ids.length;
        const indexOf = new Map(dag.ids.map((id, index) => [id, index]));
        const waiting = new Int32Array(count);
        const dependents: number[][] = Array.from({ length: count }, () => []);
        dag.dependencies.forEach((list, index) => {
            for (const dependency of list) {
                dependents[indexOf.get(dependency)!].push(index);
                waiting[index]++;
            }
        });
        const ready: number[] = [];
        for (let index = 0; index < count; index++) if (waiting[index] === 0) ready.push(index);
        let head = 0;
        let running = 0;
        let done = 0;
        const pump = (): void => {
            while (running < concurrency && head < ready.length) {
                const task = ready[head++];
                running++;
                const child = spawn('/bin/sh', ['-c', COMMAND], { cwd: dir, stdio: 'ignore' });
                child.on('error', reject);
                child.on('exit', code => {
                    if (code !== 0) {
                        reject(new Error(`${dag.ids[task]} exited with code ${code}`));
                        return;
                    }
                    running--;
                    done++;
                    for (const dependent of dependents[task]) if (--waiting[dependent] === 0) ready.push(dependent);
                    if (done === count) resolve(stop());
                    else pump();
                });
            }
        };
        pump();
    });
}

/** `runWorkflow` with the default runners (the real shell runner); with `logDir`, per-attempt log files as `flowctl run` keeps. */
export async function engineShell(model: WorkflowModel, dir: string, maxParallel: number, logDir?: string): Promise<Timing> {
    let events = 0;
    const stop = startTiming();
    const result = await runWorkflow(model, {
        runners: defaultRunners(), maxParallel, workflowDir: dir, logDir, onEvent: () => { events++; }
    });
    const timing = stop();
    checkCompleted(model, result, result.tasks.reduce((sum, task) => sum + task.attempts, 0));
    if (events === 0) throw new Error('the run emitted no event');
    return timing;
}

export function temporaryDir(prefix: string): { dir: string; remove: () => void } {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
