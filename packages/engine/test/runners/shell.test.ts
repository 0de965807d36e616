import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Json } from '@flow/model';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileLog } from '../../src/runners/output.js';
import { MAX_ENV_VALUE_BYTES, ShellRunner } from '../../src/runners/shell.js';
import { attempt, context, failureOf, temporaryFolder } from './helpers.js';

const runner = new ShellRunner();

function run(command: string, extra: Parameters<typeof attempt>[1] = {}, dir = temporaryFolder()): Promise<Json> {
    return runner.run(context(attempt({ kind: 'shell', command }, extra), dir));
}

describe('shell runner: results and exit codes', () => {
    it('takes the last line of standard output as the result when it is JSON', async () => {
        expect(await run(`echo working; echo '{"ok":true,"n":2}'`)).toEqual({ ok: true, n: 2 });
    });

    it('skips blank lines after the JSON line', async () => {
        expect(await run(`echo '[1,2]'; echo; printf '  \\r\\n'`)).toEqual([1, 2]);
    });

    it('returns the exit code and the output when the last line is not JSON', async () => {
        expect(await run('echo hello; echo world')).toEqual({ exitCode: 0, output: 'hello\nworld\n' });
    });

    it('reports a non-zero exit as an exit_code failure carrying the code and the last line of stderr', async () => {
        const failure = await failureOf(run('echo partial; echo "disk is full" >&2; exit 3'));
        expect(failure.kind).toBe('exit_code');
        expect(failure.exitCode).toBe(3);
        expect(failure.nonRetryable).toBe(false);
        expect(failure.message).toBe('command exited with code 3: disk is full');
        expect(failure.details).toEqual({ output: 'partial\n', stderr: 'disk is full\n' });
    });

    it('says a command that does not exist was not found (exit 127)', async () => {
        const failure = await failureOf(run('no-such-command-flow-test'));
        expect(failure.exitCode).toBe(127);
        expect(failure.message).toMatch(/code 127, the shell's code for a command it cannot find: .*no-such-command-flow-test.*not found; check the name and PATH/);
    });

    it('names the signal that killed the command, with the shell status for it', async () => {
        const failure = await failureOf(run('kill -KILL $$'));
        expect(failure.kind).toBe('exit_code');
        expect(failure.exitCode).toBe(137);
        expect(failure.message).toBe('command was killed by SIGKILL (exit status 137)');
        expect(failure.details).toMatchObject({ signal: 'SIGKILL' });
    });

    it('fails clearly when the shell itself cannot be started', async () => {
        const missingShell = new ShellRunner({ shell: '/no/such/shell' });
        const failure = await failureOf(missingShell.run(context(attempt({ kind: 'shell', command: 'true' }), temporaryFolder())));
        expect(failure.kind).toBe('runner_error');
        expect(failure.message).toBe('cannot start the command: the shell /no/such/shell does not exist');
    });

    it('fails clearly when the workflow folder does not exist', async () => {
        const failure = await failureOf(run('true', {}, join(temporaryFolder(), 'gone')));
        expect(failure.message).toMatch(/the workflow's folder .*gone does not exist/);
        expect(failure.nonRetryable).toBe(true);
    });
});

describe('shell runner: process setup', () => {
    const secretName = 'FLOW_RUNNER_TEST_SECRET';
    beforeEach(() => { process.env[secretName] = 'leaked'; });
    afterEach(() => { delete process.env[secretName]; });

    it('passes only PATH, HOME, LANG, TMPDIR and FLOW_* variables', async () => {
        const result = await run(`env | cut -d= -f1 | sort | tr '\\n' ' '`, {
            params: { topic: 'AI' }, upstream: { fetch: { status: 'completed', result: 1 } }, inputs: { depth: 2 }, agent: 'worker'
        }) as { output: string };
        const names = result.output.trim().split(' ');
        const inherited = ['PATH', 'HOME', 'LANG', 'TMPDIR'].filter(name => process.env[name] !== undefined || name === 'PATH' || name === 'HOME');
        expect(names.sort()).toEqual([
            ...inherited, 'PWD', // PWD is set by the shell itself
            'FLOW_AGENT', 'FLOW_ATTEMPT', 'FLOW_CONTEXT', 'FLOW_INPUT_DEPTH', 'FLOW_PARAM_TOPIC', 'FLOW_PURPOSE',
            'FLOW_RESULT_FETCH', 'FLOW_RUN_ID', 'FLOW_TASK', 'FLOW_WORKFLOW', 'FLOW_WORKFLOW_DIR'
        ].sort());
    });

    it('passes on further variables only when the runner is told to', async () => {
        const passing = new ShellRunner({ inheritEnv: [secretName] });
        const result = await passing.run(context(attempt({ kind: 'shell', command: `printf '%s' "$${secretName}"` }), temporaryFolder()));
        expect(result).toEqual({ exitCode: 0, output: 'leaked' });
    });

    it('gives strings as they are and other values as JSON in FLOW_* variables', async () => {
        const result = await run(
            'printf \'%s|%s|%s|%s|%s|%s|%s\\n\' "$FLOW_PARAM_TOPIC" "$FLOW_PARAM_MAX_ITEMS" "$FLOW_RESULT_FETCH_DATA" "$FLOW_INPUT_MODE" "$FLOW_ITEM" "$FLOW_ITEM_INDEX" "$FLOW_ATTEMPT"',
            {
                params: { topic: 'AI trends', 'max-items': 5 }, upstream: { 'fetch-data': { status: 'completed', result: { rows: [1, 2] } } },
                inputs: { mode: null }, item: { index: 2, value: { id: 'q3' } }, attempt: 4
            }) as { output: string };
        expect(result.output).toBe('AI trends|5|{"rows":[1,2]}|null|{"id":"q3"}|2|4\n');
    });

    it('leaves a value too long for the environment to the context file, and logs that it did', async () => {
        const long = 'x'.repeat(MAX_ENV_VALUE_BYTES + 1);
        const attemptContext = context(attempt({ kind: 'shell', command: 'printf "<%s>" "${FLOW_PARAM_BIG-unset}"' }, { params: { big: long } }), temporaryFolder());
        expect(await runner.run(attemptContext)).toEqual({ exitCode: 0, output: '<unset>' });
        expect(attemptContext.log.text()).toContain('FLOW_PARAM_BIG is not set: its value has 32769 bytes');
    });

    it('writes every value to the JSON file named by FLOW_CONTEXT', async () => {
        const result = await run('cat "$FLOW_CONTEXT"', {
            params: { topic: 'AI' }, upstream: { fetch: { status: 'completed', result: { n: 1 } } },
            inputs: { depth: 2 }, item: { index: 0, value: 'q1' }, metadata: { owner: 'ops' }, agent: 'worker', type: 'research'
        }) as Record<string, Json>;
        expect(result).toEqual({
            runId: 'run-1', workflow: 'Demo', purpose: 'task', task: 'build', type: 'research', attempt: 1, agent: 'worker',
            item: { index: 0, value: 'q1' }, params: { topic: 'AI' }, upstream: { fetch: { status: 'completed', result: { n: 1 } } },
            inputs: { depth: 2 }, metadata: { owner: 'ops' }
        });
    });

    it('makes the context file readable by the user only and removes it once the command has ended', async () => {
        const dir = temporaryFolder();
        const result = await run('stat -c %a "$FLOW_CONTEXT"; echo "$FLOW_CONTEXT"', {}, dir) as { output: string };
        const [mode, file] = result.output.trim().split('\n');
        expect(mode).toBe('600');
        expect(existsSync(file)).toBe(false);
    });

    it('runs in the workflow folder', async () => {
        const dir = temporaryFolder();
        expect(await run('pwd -P', {}, dir)).toEqual({ exitCode: 0, output: `${realpathSync(dir)}\n` });
    });

    it('gives the command an empty, closed standard input', async () => {
        // With an inherited standard input, `cat` would wait for the test runner's input forever.
        expect(await run('cat; echo "read $(cat | wc -c) bytes"')).toEqual({ exitCode: 0, output: 'read 0 bytes\n' });
    });
});

describe('shell runner: placeholders never become code', () => {
    const hostile = ['$(touch pwned)', "'; touch pwned2 #", '`touch pwned3`', '"; touch pwned4; "', 'a b  *'];

    it.each([
        ['outside quotes', "printf '<%s>\\n' {{param.value}}"],
        ['inside double quotes', 'printf "<%s>\\n" "{{param.value}}"'],
        ['inside single quotes', "printf '<%s>\\n' '{{param.value}}'"],
        ['inside $(...) in double quotes', `printf '<%s>\\n' "$(printf %s {{param.value}})"`],
        ['inside backticks', "printf '<%s>\\n' \"`printf %s {{param.value}}`x\""],
        ['after a comment with a quote', "# don't\nprintf '<%s>\\n' {{param.value}}"]
    ])('passes hostile text literally %s', async (_where, command) => {
        for (const value of hostile) {
            const dir = temporaryFolder();
            const result = await run(command, { params: { value } }, dir) as { output: string };
            const expected = command.includes('`') ? `<${value}x>\n` : `<${value}>\n`;
            expect(result.output).toBe(expected);
            for (const name of ['pwned', 'pwned2', 'pwned3', 'pwned4']) expect(existsSync(join(dir, name))).toBe(false);
        }
    });

    it('quotes upstream results and batch items too', async () => {
        const dir = temporaryFolder();
        const result = await run("printf '<%s>' {{fetch.result.title}} {{item.name}}", {
            upstream: { fetch: { status: 'completed', result: { title: '$(touch pwned)' } } },
            item: { index: 0, value: { name: '`touch pwned2`' } }
        }, dir);
        expect(result).toEqual({ exitCode: 0, output: '<$(touch pwned)><`touch pwned2`>' });
        expect(existsSync(join(dir, 'pwned'))).toBe(false);
        expect(existsSync(join(dir, 'pwned2'))).toBe(false);
    });

    it('refuses a placeholder where it cannot tell the quotes, rather than risk leaving the value unquoted', async () => {
        const failure = await failureOf(run('cat <<EOF\n{{param.value}}\nEOF', { params: { value: '*' } }));
        expect(failure.kind).toBe('validation_failed');
        expect(failure.message).toContain('cannot tell whether placeholder 1');
    });

    it('refuses a value with a NUL character, which no command can receive', async () => {
        const failure = await failureOf(run('echo {{param.value}}', { params: { value: 'a\u0000b' } }));
        expect(failure.kind).toBe('validation_failed');
        expect(failure.message).toContain('NUL character');
    });
});

describe('shell runner: output', () => {
    it('keeps only a bounded tail in memory while the log file gets everything', async () => {
        const dir = temporaryFolder();
        const logFile = join(dir, 'logs', 'big.log');
        const log = fileLog(logFile);
        const size = 200_000_000;
        let largestBuffers = 0;
        const sampler = setInterval(() => { largestBuffers = Math.max(largestBuffers, process.memoryUsage().arrayBuffers); }, 5);
        let result: Json;
        try {
            result = await runner.run(context(attempt({ kind: 'shell', command: `yes | head -c ${size}` }), dir, { log }));
        } finally {
            clearInterval(sampler);
            await log.close();
        }
        const { output, ...rest } = result as { output: string };
        expect(rest).toEqual({ exitCode: 0, truncated: true, outputBytes: size });
        expect(output.length).toBe(65_536);
        expect(output.endsWith('y\ny\n')).toBe(true);
        expect(statSync(logFile).size).toBe(size);
        // Holding the output would take 200 MB of buffers; the tail and the pipe's chunks take a few.
        expect(largestBuffers).toBeLessThan(64 * 1024 * 1024);
    });

    it('reads a JSON result line longer than the tail kept for messages', async () => {
        const small = new ShellRunner({ tailBytes: 1024 });
        const items = Array.from({ length: 2000 }, (_, index) => index);
        const command = `echo noise; printf '%s\\n' '${JSON.stringify({ items })}'`;
        expect(await small.run(context(attempt({ kind: 'shell', command }), temporaryFolder()))).toEqual({ items });
    });

    it('fails instead of returning half a result when the JSON line is longer than the result limit', async () => {
        const tight = new ShellRunner({ maxResultBytes: 100 });
        const command = `printf '%s\\n' '${JSON.stringify({ items: Array.from({ length: 100 }, (_, index) => index) })}'`;
        const failure = await failureOf(tight.run(context(attempt({ kind: 'shell', command }), temporaryFolder())));
        expect(failure.kind).toBe('validation_failed');
        expect(failure.message).toContain('longer than 100 bytes');
    });

    it('writes standard output and standard error to the log', async () => {
        const dir = temporaryFolder();
        const log = fileLog(join(dir, 'a.log'));
        await runner.run(context(attempt({ kind: 'shell', command: 'echo out; echo err >&2' }), dir, { log }));
        await log.close();
        expect(readFileSync(join(dir, 'a.log'), 'utf8').split('\n').sort()).toEqual(['', 'err', 'out']);
    });
});
