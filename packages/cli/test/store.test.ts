import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { flowctl, hasStackTrace, repositoryRoot, useWorkspaces } from './flowctl-process.js';

const workspace = useWorkspaces();

// Each task appends its name to ran.log, so a test sees what really ran, and how often.
const pipeline = `workflow Pipeline {
  type step { timeout 1m }
  param depth: string = "basic"
  task extract: step { run shell "echo extract >> ran.log; echo '{\\"rows\\": 3}'" }
  task transform: step after extract { run shell "echo transform >> ran.log; echo {{param.depth}} > depth.txt; echo '{\\"clean\\": true}'" }
  task load: step after transform { run shell "echo load >> ran.log" }
  checkpoint extracted after extract "The data is in"
}
`;

const ran = (dir: string) => readFileSync(join(dir, 'ran.log'), 'utf8').trim().split('\n');

function json(dir: string, args: string[]): any {
    const result = flowctl(args, dir);
    expect(result.stderr, args.join(' ')).toBe('');
    expect(result.status, args.join(' ')).toBe(0);
    return JSON.parse(result.stdout);
}

function runOnce(dir: string, args: string[] = []): string {
    const result = flowctl(['run', 'pipeline.flow', ...args], dir);
    expect(result.status, result.stderr).toBe(0);
    return result.stderr.match(/^run ([0-9a-f-]{36}) · state: /m)![1];
}

describe('runs in the state directory', () => {
    it('are recorded by run and listed by runs, newest first, with their status', () => {
        const dir = workspace({ 'pipeline.flow': pipeline });
        const first = runOnce(dir);
        const second = runOnce(dir);
        const runs = json(dir, ['runs', '--json']);
        expect(runs.map((run: any) => [run.runId, run.workflow, run.status, run.tasks.completed])).toEqual([
            [second, 'Pipeline', 'completed', 3], [first, 'Pipeline', 'completed', 3]
        ]);
        expect(existsSync(join(dir, '.flow'))).toBe(true);
    });

    it('live where --state-dir or FLOW_STATE_DIR says', () => {
        const dir = workspace({ 'pipeline.flow': pipeline });
        const result = flowctl(['run', 'pipeline.flow'], dir, { FLOW_STATE_DIR: join(dir, 'elsewhere') });
        expect(result.stderr).toMatch(/· state: elsewhere · logs: elsewhere\/logs\//);
        expect(json(dir, ['runs', '--json', '--state-dir', 'elsewhere'])).toHaveLength(1);
        expect(json(dir, ['runs', '--json'])).toEqual([]);
    });

    it('show each task\'s status, result and attempts, now and at a named checkpoint', () => {
        const dir = workspace({ 'pipeline.flow': pipeline });
        const runId = runOnce(dir);
        const now = json(dir, ['show', runId.slice(0, 8), '--json']).state;
        expect(Object.values(now.tasks).map((task: any) => [task.id, task.status, task.attempts])).toEqual([
            ['extract', 'completed', 1], ['transform', 'completed', 1], ['load', 'completed', 1]
        ]);
        const early = json(dir, ['show', runId, '--at', 'extracted', '--json']).state;
        expect(early.at).toMatchObject({ name: 'extracted', task: 'extract' });
        expect(Object.values(early.tasks).map((task: any) => task.status)).toEqual(['completed', 'pending', 'pending']);
        expect(early.tasks.extract.result).toEqual({ rows: 3 });
    });

    it('list checkpoints (one per finished task), name one, and diff two', () => {
        const dir = workspace({ 'pipeline.flow': pipeline });
        const runId = runOnce(dir);
        expect(flowctl(['checkpoint', runId, '--name', 'all_done', '--description', 'everything ran'], dir).stdout)
            .toMatch(/^checkpoint 3 of run .* is named all_done \(after load\)$/m);
        const checkpoints = json(dir, ['checkpoints', runId, '--json']);
        expect(checkpoints.map((checkpoint: any) => [checkpoint.id, checkpoint.name, checkpoint.task])).toEqual([
            [1, 'extracted', 'extract'], [2, undefined, 'transform'], [3, 'all_done', 'load']
        ]);
        const changes = json(dir, ['diff', runId, 'extracted', 'all_done', '--json']);
        expect(changes.map((change: any) => [change.task, change.before?.status, change.after?.status])).toEqual([
            ['transform', 'pending', 'completed'], ['load', 'pending', 'completed']
        ]);
    });

    it('say what exists when a run or checkpoint is unknown, without a stack trace', () => {
        const dir = workspace({ 'pipeline.flow': pipeline });
        const runId = runOnce(dir);
        const unknownRun = flowctl(['show', 'ffffffff'], dir);
        expect(unknownRun.status).toBe(2);
        expect(unknownRun.stderr).toMatch(new RegExp(`no run ffffffff in \\.flow\\. Recent runs: ${runId.slice(0, 8)} \\(Pipeline, completed\\)`));
        const unknownCheckpoint = flowctl(['show', runId, '--at', 'nowhere'], dir);
        expect(unknownCheckpoint.status).toBe(2);
        expect(unknownCheckpoint.stderr).toMatch(/nowhere/);
        expect(hasStackTrace(unknownRun.stderr + unknownCheckpoint.stderr)).toBe(false);
    });

    it('are removed by gc beyond --keep-runs, with their logs', () => {
        const dir = workspace({ 'pipeline.flow': pipeline });
        const old = runOnce(dir);
        const kept = runOnce(dir);
        expect(flowctl(['gc', '--keep-runs', '1'], dir).stdout).toMatch(new RegExp(`^removed 1 run from \\.flow: ${old.slice(0, 8)}$`, 'm'));
        expect(json(dir, ['runs', '--json']).map((run: any) => run.runId)).toEqual([kept]);
        expect(existsSync(join(dir, '.flow', 'logs', old))).toBe(false);
        expect(existsSync(join(dir, '.flow', 'logs', kept))).toBe(true);
    });
});

describe('flowctl resume', () => {
    it('with --plan says what would run again and why, and runs nothing', () => {
        const dir = workspace({ 'pipeline.flow': pipeline });
        const runId = runOnce(dir);
        const plan = json(dir, ['resume', runId, '--param', 'depth=full', '--plan', '--json']);
        expect(plan.steps.map((step: any) => [step.task, step.keep, step.why])).toEqual([
            ['extract', true, 'unchanged: keeps its result'],
            ['transform', false, 'changed parameter depth'],
            ['load', false, 'changed upstream: transform runs again (the result is kept if theirs comes out the same)']
        ]);
        expect(ran(dir)).toEqual(['extract', 'transform', 'load']);
    });

    it('re-runs only what changed, as a new run forked from the checkpoint', () => {
        const dir = workspace({ 'pipeline.flow': pipeline });
        const runId = runOnce(dir);
        const result = flowctl(['resume', runId, '--from-checkpoint', 'extracted', '--modify-parameters', '{"depth":"full"}', '--json'], dir);
        expect(result.status, result.stderr).toBe(0);
        // At that checkpoint only extract had ended: it keeps its result; the others run.
        expect(ran(dir)).toEqual(['extract', 'transform', 'load', 'transform', 'load']);
        expect(readFileSync(join(dir, 'depth.txt'), 'utf8')).toBe('full\n');
        const events = result.stdout.trim().split('\n').map(line => JSON.parse(line));
        expect(events.filter(event => event.type === 'task.reused').map(event => event.task)).toEqual(['extract']);
        const [fork] = json(dir, ['runs', '--json']);
        expect(fork.parent).toEqual({ runId, checkpoint: 'extracted', mode: 'fork' });
    });

    it('keeps a downstream result when the task that ran again produced the same result', () => {
        const dir = workspace({ 'pipeline.flow': pipeline });
        const runId = runOnce(dir);
        const result = flowctl(['resume', runId, '--param', 'depth=full', '--json'], dir);
        expect(result.status, result.stderr).toBe(0);
        expect(ran(dir)).toEqual(['extract', 'transform', 'load', 'transform']);
        const events = result.stdout.trim().split('\n').map(line => JSON.parse(line));
        expect(events.filter(event => event.type === 'task.reused').map(event => event.task)).toEqual(['extract', 'load']);
    });

    it('refuses an unknown parameter with a message', () => {
        const dir = workspace({ 'pipeline.flow': pipeline });
        const runId = runOnce(dir);
        const result = flowctl(['resume', runId, '--param', 'nothere=1'], dir);
        expect(result.status).toBe(2);
        expect(result.stderr).toMatch(/^flowctl: Workflow Pipeline has no parameter "nothere": its parameters are depth\.$/m);
    });
});

describe('flowctl checkpoint on a running run', () => {
    it('asks the running process, which records the checkpoint', async () => {
        const dir = workspace({
            'slow.flow': 'workflow Slow {\n  type step { timeout 10m }\n  task first: step { run shell "true" }\n' +
                '  task wait: step after first { run shell "touch waiting; sleep 600" }\n}\n'
        });
        const child = spawn(process.execPath, [join(repositoryRoot, 'packages', 'cli', 'bin', 'flowctl.cjs'), 'run', 'slow.flow', '--json'], {
            cwd: dir, stdio: ['ignore', 'pipe', 'pipe']
        });
        let stdout = '';
        child.stdout.on('data', chunk => { stdout += chunk; });
        const exited = new Promise(resolve => child.on('exit', resolve));
        try {
            for (let attempt = 0; attempt < 300 && !existsSync(join(dir, 'waiting')); attempt++) await new Promise(resolve => setTimeout(resolve, 100));
            const runId = JSON.parse(stdout.split('\n')[0]).runId;
            const named = flowctl(['checkpoint', runId, '--name', 'while_waiting'], dir);
            expect(named.stderr).toBe('');
            expect(named.stdout).toMatch(/^checkpoint 1 of run .* is named while_waiting \(after first\)$/m);
        } finally {
            child.kill('SIGINT');
            await exited;
        }
        const [run] = json(dir, ['runs', '--json']);
        expect(json(dir, ['checkpoints', run.runId, '--json']).map((checkpoint: any) => checkpoint.name)).toContain('while_waiting');
    });
});

describe('the automatic retention bound', () => {
    it('keeps the newest FLOW_KEEP_RUNS runs without a gc', () => {
        const dir = workspace({ 'pipeline.flow': pipeline });
        for (let run = 0; run < 3; run++) expect(flowctl(['run', 'pipeline.flow'], dir, { FLOW_KEEP_RUNS: '2' }).status).toBe(0);
        expect(json(dir, ['runs', '--json'])).toHaveLength(2);
        const bad = flowctl(['run', 'pipeline.flow'], dir, { FLOW_KEEP_RUNS: 'many' });
        expect(bad.status).toBe(2);
        expect(bad.stderr).toMatch(/^flowctl: FLOW_KEEP_RUNS=many: give a whole number/m);
    });
});
