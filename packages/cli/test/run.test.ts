import { spawn } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { flowctl, hasStackTrace, repositoryRoot, useWorkspaces } from './flowctl-process.js';

const workspace = useWorkspaces();

/** The NDJSON events of `flowctl run --json`. */
function events(stdout: string): Array<Record<string, any>> {
    return stdout.trim().split('\n').filter(Boolean).map(line => JSON.parse(line));
}

const ofType = (list: Array<Record<string, any>>, type: string) => list.filter(event => event.type === type);

// Shell tasks that leave marks in their folder, so a test can see what really ran.
const pipeline = `workflow Pipeline {
  type step { timeout 1m }
  param label: string = "first"
  task extract: step { run shell "printf '%s\\\\n' {{param.label}} > extracted.txt && echo '{\\"rows\\": 42}'" }
  task transform: step after extract { run shell "echo {{extract.result.rows}} > transformed.txt && echo '{\\"ok\\": true}'" }
  task small: step after extract {
    when extract.result.rows < 10
    run shell "touch small-ran.txt"
  }
  task load: step after transform { run shell "cat transformed.txt > loaded.txt" }
}
`;

describe('flowctl run', () => {
    it('runs every task of a workflow, passes results downstream and exits 0', () => {
        const dir = workspace({ 'pipeline.flow': pipeline });
        const result = flowctl(['run', 'pipeline.flow', '--json'], dir);
        expect(result.stderr).toBe('');
        expect(result.status).toBe(0);
        expect(readFileSync(join(dir, 'extracted.txt'), 'utf8')).toBe('first\n');
        expect(readFileSync(join(dir, 'loaded.txt'), 'utf8')).toBe('42\n');
        const stream = events(result.stdout);
        expect(ofType(stream, 'task.completed').map(event => event.task).sort()).toEqual(['extract', 'load', 'transform']);
        expect(stream.at(-1)).toMatchObject({ type: 'run.completed' });
    });

    it('skips a task whose condition is false, says why, and does not run it', () => {
        const dir = workspace({ 'pipeline.flow': pipeline });
        const stream = events(flowctl(['run', 'pipeline.flow', '--json'], dir).stdout);
        expect(ofType(stream, 'task.skipped')).toEqual([
            expect.objectContaining({ task: 'small', status: 'skipped', reason: expect.stringContaining('extract.result.rows < 10') })
        ]);
        expect(existsSync(join(dir, 'small-ran.txt'))).toBe(false);
    });

    it('numbers its events in order and ends the stream with the run\'s end', () => {
        const stream = events(flowctl(['run', 'pipeline.flow', '--json'], workspace({ 'pipeline.flow': pipeline })).stdout);
        expect(stream.map(event => event.seq)).toEqual(stream.map((_, index) => index + 1));
        expect(stream[0].type).toBe('run.started');
        expect(ofType(stream, 'progress').at(-1)).toMatchObject({ percent: 100, done: 4, total: 4 });
    });

    it('shows progress and a summary table in plain lines when not on a terminal', () => {
        const result = flowctl(['run', 'pipeline.flow'], workspace({ 'pipeline.flow': pipeline }));
        expect(result.stderr).toMatch(/^progress 100% \(4\/4 tasks\)$/m);
        expect(result.stderr).toMatch(/^✓ transform completed in /m);
        expect(result.stdout).toMatch(/│ small +│ skipped +│/);
        expect(result.stdout).toMatch(/^Pipeline: completed in [\d.]+ s — 3 completed, 1 skipped$/m);
    });

    it('writes each attempt\'s output to a log file under the state directory', () => {
        const dir = workspace({ 'pipeline.flow': pipeline });
        const result = flowctl(['run', 'pipeline.flow'], dir, { FLOW_STATE_DIR: join(dir, 'state') });
        const logs = result.stderr.match(/^run [0-9a-f-]{36} · state: state · logs: (.+)$/m)?.[1];
        expect(logs).toMatch(/^state\/logs\/[0-9a-f-]{36}$/);
        expect(readdirSync(join(dir, logs!)).sort()).toContain('extract.attempt1.log');
    });

    it('takes parameters from --param and --parameters, --param winning', () => {
        const dir = workspace({ 'pipeline.flow': pipeline });
        const result = flowctl(['run', 'pipeline.flow', '--json', '--parameters', '{"label":"json"}', '--param', 'label=flag'], dir);
        expect(result.status).toBe(0);
        expect(readFileSync(join(dir, 'extracted.txt'), 'utf8')).toBe('flag\n');
    });

    it('passes a parameter to the shell as literal text, never as a command', () => {
        const dir = workspace({ 'pipeline.flow': pipeline });
        const hostile = '$(touch pwned); `touch pwned2` \'; touch pwned3 #';
        const result = flowctl(['run', 'pipeline.flow', '--json', '--param', `label=${hostile}`], dir);
        expect(result.status).toBe(0);
        expect(readFileSync(join(dir, 'extracted.txt'), 'utf8')).toBe(`${hostile}\n`);
        expect(['pwned', 'pwned2', 'pwned3'].filter(file => existsSync(join(dir, file)))).toEqual([]);
    });

    it('exits 1 when a task fails, runs the compensation of completed tasks, and reports the failure', () => {
        const dir = workspace({
            'failing.flow': `workflow Failing {
  type step { timeout 1m }
  task build: step { run shell "touch built.txt" }
  task deploy: step after build { run shell "echo 'disk full' >&2; exit 3" }
  on failure { compensate build with "rm built.txt && touch undone.txt" }
}
`
        });
        const result = flowctl(['run', 'failing.flow', '--json'], dir);
        expect(result.status).toBe(1);
        const stream = events(result.stdout);
        expect(ofType(stream, 'task.failed')).toEqual([expect.objectContaining({ task: 'deploy', error: expect.objectContaining({ kind: 'exit_code', exitCode: 3 }) })]);
        expect(ofType(stream, 'compensation.completed')).toEqual([expect.objectContaining({ task: 'build', ok: true })]);
        expect(stream.at(-1)).toMatchObject({ type: 'run.failed' });
        expect(existsSync(join(dir, 'undone.txt'))).toBe(true);
        expect(existsSync(join(dir, 'built.txt'))).toBe(false);
    });

    it('refuses to run a workflow with errors, printing them like validate', () => {
        const dir = workspace({ 'broken.flow': 'workflow Broken {\n  type step { timeout 1m }\n  task a: step after missing { run shell "touch ran.txt" }\n}\n' });
        const result = flowctl(['run', 'broken.flow'], dir);
        expect(result.status).toBe(1);
        expect(result.stderr).toMatch(/^broken\.flow:3:22: error: .*missing.* \[flow\/unknown-reference\]$/m);
        expect(result.stderr).toMatch(/was not run: fix the error above first/);
        expect(existsSync(join(dir, 'ran.txt'))).toBe(false);
    });

    it('reports a task that no agent can run before anything starts', () => {
        const dir = workspace({
            'seed.json': JSON.stringify({
                workflow: {
                    name: 'Seed', tasks: [
                        { id: 'first', type: 'coordination', description: 'Runs' },
                        { id: 'second', type: 'research', description: 'Needs web_search', dependencies: ['first'] }
                    ]
                }
            }),
            'agents.flow': 'agent coordinator { capabilities coordination  run shell "touch first-ran.txt" }\n'
        });
        const result = flowctl(['run', 'seed.json', '--json'], dir);
        expect(result.status).toBe(1);
        expect(result.stderr).toMatch(/task second cannot run: no agent .* offers every capability/);
        expect(result.stdout).toBe('');
        expect(existsSync(join(dir, 'first-ran.txt'))).toBe(false);
    });

    it('runs a seed JSON workflow with the agents of an --agents file', () => {
        const dir = workspace({
            'flows/seed.json': JSON.stringify({
                workflow: {
                    name: 'Seed', tasks: [
                        { id: 'gather', type: 'research', description: 'Gather' },
                        { id: 'report', type: 'coordination', description: 'Report', dependencies: ['gather'] }
                    ]
                }
            }),
            'shared/agents.flow': `agent researcher { capabilities web_search, document_analysis  run shell "touch gathered.txt" }
agent coordinator { capabilities coordination  run shell "touch reported.txt" }
`
        });
        const result = flowctl(['run', 'flows/seed.json', '--agents', 'shared/agents.flow', '--workspace', 'flows', '--json'], dir);
        expect(result.stderr).toBe('');
        expect(result.status).toBe(0);
        expect(ofType(events(result.stdout), 'task.completed').map(event => event.agent)).toEqual(['researcher', 'coordinator']);
        // Commands run in the workflow's folder.
        expect(existsSync(join(dir, 'flows', 'gathered.txt'))).toBe(true);
    });

    it('walks the plan with --dry-run, marking every line, and runs nothing', () => {
        const dir = workspace({ 'pipeline.flow': pipeline });
        const result = flowctl(['run', 'pipeline.flow', '--dry-run'], dir);
        expect(result.status).toBe(0);
        const lines = result.stdout.trim().split('\n');
        expect(lines.every(line => line.startsWith('[dry run]'))).toBe(true);
        expect(lines).toContainEqual(expect.stringMatching(/^\[dry run\] +transform: step · .*after extract/));
        expect(readdirSync(dir)).toEqual(['pipeline.flow']);
    });

    it('runs at most --max-parallel attempts at once', () => {
        const dir = workspace({
            'wide.flow': 'workflow Wide {\n  type step { timeout 1m }\n' +
                ['a', 'b', 'c', 'd'].map(id => `  task ${id}: step { run shell "sleep 0.5" }\n`).join('') + '}\n'
        });
        // The most attempts running at once, from the order of starts and ends in the stream.
        const mostAtOnce = (stream: Array<Record<string, any>>) => {
            let running = 0;
            let most = 0;
            for (const event of stream) {
                if (event.type === 'task.started') most = Math.max(most, ++running);
                if (event.type === 'task.completed' || event.type === 'task.failed') running--;
            }
            return most;
        };
        expect(mostAtOnce(events(flowctl(['run', 'wide.flow', '--json', '--max-parallel', '1'], dir).stdout))).toBe(1);
        expect(mostAtOnce(events(flowctl(['run', 'wide.flow', '--json'], dir).stdout))).toBe(4);
    });

    it('fails a run that outlasts --timeout, stopping what runs', () => {
        const dir = workspace({ 'slow.flow': 'workflow Slow {\n  type step { timeout 10m }\n  task wait: step { run shell "sleep 30" }\n}\n' });
        const result = flowctl(['run', 'slow.flow', '--json', '--timeout', '1s'], dir);
        expect(result.status).toBe(1);
        expect(events(result.stdout).at(-1)).toMatchObject({ type: 'run.failed', reason: expect.stringMatching(/time limit|timed out|timeout/i) });
    });

    it('reuses a cached result on the next run, visibly, and not with --no-cache', () => {
        const dir = workspace({
            'cached.flow': 'workflow Cached {\n  type fetch { timeout 1m }\n  cache { ttl 1h types fetch }\n' +
                '  task get: fetch { run shell "echo ran >> runs.log; echo \'{\\"rows\\": 1}\'" }\n}\n'
        });
        expect(flowctl(['run', 'cached.flow'], dir).status).toBe(0);
        const second = flowctl(['run', 'cached.flow', '--json'], dir);
        expect(ofType(events(second.stdout), 'task.cache_hit').map(event => event.task)).toEqual(['get']);
        expect(flowctl(['run', 'cached.flow'], dir).stdout).toMatch(/│ get +│ completed +│.*│ hit +│/);
        const uncached = flowctl(['run', 'cached.flow', '--json', '--no-cache'], dir);
        expect(ofType(events(uncached.stdout), 'task.cache_hit')).toEqual([]);
        expect(readFileSync(join(dir, 'runs.log'), 'utf8')).toBe('ran\nran\n');
    });

    it('labels demo built-ins as such in events and in the summary', () => {
        const dir = workspace({ 'demo.flow': 'workflow Demo {\n  type step { timeout 1m }\n  task pause: step { run sleep 10ms }\n}\n' });
        const result = flowctl(['run', 'demo.flow'], dir);
        expect(result.stderr).toMatch(/▶ pause started \[demo built-in: sleep, no real work\]/);
        expect(result.stdout).toMatch(/│ pause \(demo\) +│ completed/);
    });

    it('rejects bad options with a message and exit 2, never a stack trace', () => {
        const dir = workspace({ 'pipeline.flow': pipeline });
        for (const args of [['--param', 'nolabel'], ['--param', 'unknown=1'], ['--parameters', '{oops'], ['--max-parallel', '0'], ['--timeout', '5min']]) {
            const result = flowctl(['run', 'pipeline.flow', ...args], dir);
            expect(result.status, args.join(' ')).toBe(2);
            expect(result.stderr, args.join(' ')).toMatch(/^flowctl: /);
            expect(hasStackTrace(result.stderr), args.join(' ')).toBe(false);
        }
        expect(readdirSync(dir)).toEqual(['pipeline.flow']);
    });

    it('runs the demo workflow for real: totals from the data files, the report, and the alert only above the threshold', () => {
        const out = workspace({});
        const above = flowctl(['run', 'examples/sales-report.flow', '--json', '--param', `out=${out}`], repositoryRoot, { FLOW_STATE_DIR: join(out, 'state') });
        expect(above.status).toBe(0);
        expect(readFileSync(join(out, 'sales-report.md'), 'utf8')).toContain('Grand total: 2200; north: 1000 (45 %).');
        expect(readFileSync(join(out, 'ALERT.txt'), 'utf8')).toBe('share of north is above 40 %\n');

        const below = flowctl(['run', 'examples/sales-report.flow', '--json', '--param', `out=${out}/south`, '--param', 'region=south'],
            repositoryRoot, { FLOW_STATE_DIR: join(out, 'state') });
        expect(readFileSync(join(out, 'south', 'sales-report.md'), 'utf8')).toContain('south: 1200 (55 %)');
        expect(ofType(events(below.stdout), 'task.skipped')).toEqual([]);
        const lowShare = flowctl(['run', 'examples/sales-report.flow', '--json', '--param', `out=${out}/low`, '--param', 'threshold=60'],
            repositoryRoot, { FLOW_STATE_DIR: join(out, 'state') });
        expect(ofType(events(lowShare.stdout), 'task.skipped').map(event => event.task)).toEqual(['alert']);
        expect(existsSync(join(out, 'low', 'ALERT.txt'))).toBe(false);
    });

    it('runs the README\'s example workflow to completion', () => {
        const result = flowctl(['run', 'examples/product-launch.flow', '--json'], repositoryRoot, {
            FLOW_STATE_DIR: join(workspace({}), 'state')
        });
        expect(result.status).toBe(0);
        expect(events(result.stdout).at(-1)).toMatchObject({ type: 'run.completed' });
    });
});

describe('every example', () => {
    // Each workflow of examples/ (templates aside) and each seed JSON file runs to completion,
    // with the agents the examples declare; in a copy, so that what the tasks write stays out of
    // the repository.
    const exampleDir = join(repositoryRoot, 'examples');
    const examples = readdirSync(exampleDir, { withFileTypes: true }).filter(entry => entry.isFile() && entry.name.endsWith('.flow')).flatMap(entry => {
        const text = readFileSync(join(exampleDir, entry.name), 'utf8');
        return [...text.matchAll(/^(?!\s*template)\s*workflow (\w+)/gm)].map(match => [entry.name, match[1]] as const);
    });
    const seeds = readdirSync(join(exampleDir, 'seed')).filter(file => file.endsWith('.json')).map(file => `seed/${file}`);
    const copy = () => {
        const dir = workspace({});
        cpSync(exampleDir, dir, { recursive: true, filter: source => !/[/\\](\.flow|out)$/.test(source) });
        return dir;
    };

    it.each(examples)('%s (%s) completes', (file, name) => {
        const result = flowctl(['run', file, '--workflow', name, '--json'], copy());
        expect(result.status, result.stderr).toBe(0);
        expect(events(result.stdout).at(-1)).toMatchObject({ type: 'run.completed' });
    });

    it.each(seeds)('%s completes', file => {
        const result = flowctl(['run', file, '--json'], copy());
        expect(result.status, result.stderr).toBe(0);
        expect(events(result.stdout).at(-1)).toMatchObject({ type: 'run.completed' });
    });
});

describe('flowctl run and Ctrl-C', () => {
    it('cancels on the first SIGINT: running tasks are stopped, the run ends cancelled with exit 130', async () => {
        const dir = workspace({
            'slow.flow': `workflow Slow {
  type step { timeout 10m }
  task wait: step { run shell "echo $$ > pid.txt; sleep 600" }
  task after_wait: step after wait { run shell "touch should-not-run.txt" }
}
`
        });
        const child = spawn(process.execPath, [join(repositoryRoot, 'packages', 'cli', 'bin', 'flowctl.cjs'), 'run', 'slow.flow', '--json'], {
            cwd: dir, stdio: ['ignore', 'pipe', 'pipe']
        });
        let stdout = '';
        child.stdout.on('data', chunk => { stdout += chunk; });
        const exited = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)));
        await waitFor(() => stdout.includes('"task.started"') && existsSync(join(dir, 'pid.txt')));
        child.kill('SIGINT');
        expect(await exited).toBe(130);
        const stream = events(stdout);
        expect(stream.at(-1)).toMatchObject({ type: 'run.cancelled' });
        expect(ofType(stream, 'task.skipped')).toContainEqual(expect.objectContaining({ task: 'after_wait', status: 'cancelled' }));
        const shellPid = Number(readFileSync(join(dir, 'pid.txt'), 'utf8'));
        expect(isAlive(shellPid)).toBe(false);
        expect(existsSync(join(dir, 'should-not-run.txt'))).toBe(false);
    });
});

describe('flowctl run and a closed terminal', () => {
    it('cancels on SIGHUP, stopping the running task\'s processes and recording the run as cancelled', async () => {
        const dir = workspace({
            'slow.flow': 'workflow Slow {\n  type step { timeout 10m }\n  task wait: step { run shell "echo $$ > pid.txt; sleep 600" }\n}\n'
        });
        const child = spawn(process.execPath, [join(repositoryRoot, 'packages', 'cli', 'bin', 'flowctl.cjs'), 'run', 'slow.flow', '--json'], {
            cwd: dir, stdio: ['ignore', 'pipe', 'pipe']
        });
        let stdout = '';
        child.stdout.on('data', chunk => { stdout += chunk; });
        const exited = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)));
        await waitFor(() => existsSync(join(dir, 'pid.txt')) && readFileSync(join(dir, 'pid.txt'), 'utf8').trim() !== '');
        child.kill('SIGHUP');
        expect(await exited).toBe(130);
        expect(events(stdout).at(-1)).toMatchObject({ type: 'run.cancelled', reason: expect.stringContaining('SIGHUP') });
        expect(isAlive(Number(readFileSync(join(dir, 'pid.txt'), 'utf8')))).toBe(false);
    });
});

function isAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

/** Polls a condition (bounded), for what a child process does in its own time. */
async function waitFor(condition: () => boolean, attempts = 300): Promise<void> {
    for (let attempt = 0; attempt < attempts; attempt++) {
        if (condition()) return;
        await new Promise(resolve => setTimeout(resolve, 100));
    }
    throw new Error('the condition did not become true within 30 s');
}
