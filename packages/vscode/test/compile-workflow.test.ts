import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compileWorkflowFile, type CompileOutcome, type CompileRequest } from '../src/runtime/compile-workflow.js';

let workspace: string;

beforeEach(async () => {
    workspace = await mkdtemp(path.join(os.tmpdir(), 'flow-vscode-compile-'));
});
afterEach(async () => {
    await rm(workspace, { recursive: true, force: true });
});

async function write(relative: string, text: string): Promise<string> {
    const file = path.join(workspace, relative);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text);
    return file;
}

/** Compiles `target` against every given workspace file, as the editor passes them. */
function compile(target: string, files: string[], options: Pick<CompileRequest, 'workflow' | 'defaultAlgorithm' | 'allowTemplate'> & { text?: string } = {}): Promise<CompileOutcome> {
    const { text, ...rest } = options;
    return compileWorkflowFile({
        target: { path: target, text },
        workspaceDir: workspace,
        workspaceFiles: files.map(file => ({ path: file })),
        ...rest
    });
}

const SHARED_AGENT = 'agent builder { capabilities code_generation, testing, documentation  run shell "true" }\n';
const USES_AGENT = 'workflow Build { task make: implementation "Make it" }\n';

describe('compileWorkflowFile', () => {
    it('resolves an agent declared in another file of the workspace', async () => {
        const agents = await write('agents.flow', SHARED_AGENT);
        const target = await write('build.flow', USES_AGENT);
        const outcome = await compile(target, [agents, target]);
        expect(outcome.kind).toBe('compiled');
    });

    it('leaves out files that .flowignore lists', async () => {
        const agents = await write('fixtures/agents.flow', SHARED_AGENT);
        await write('.flowignore', 'fixtures/\n');
        const target = await write('build.flow', USES_AGENT);
        const outcome = await compile(target, [agents, target]);
        expect(outcome).toMatchObject({ kind: 'problems', problems: [{ code: 'flow/no-capable-agent' }] });
    });

    it('compiles the editor\'s unsaved text, not the file on disk', async () => {
        const target = await write('hello.flow', 'workflow OnDisk { task a: coordination "A" { run shell "true" } }\n');
        const outcome = await compile(target, [target], { text: 'workflow Edited { task a: coordination "A" { run shell "true" } }\n' });
        expect(outcome.kind === 'compiled' && outcome.model.name).toBe('Edited');
    });

    it('reports errors at their line and column, and makes no model', async () => {
        const target = await write('broken.flow', 'workflow Broken {\n  task b: coordination "B" after missing { run shell "true" }\n}\n');
        const outcome = await compile(target, [target]);
        expect(outcome).toMatchObject({ kind: 'problems', problems: [{ file: target, line: 2, column: 34, code: 'flow/unknown-reference' }] });
    });

    it('asks which workflow to run when the file declares several', async () => {
        const target = await write('two.flow', 'workflow One { task a: coordination "A" { run shell "true" } }\n' +
            'workflow Two { task b: coordination "B" { run shell "true" } }\n');
        expect(await compile(target, [target])).toEqual({ kind: 'choose', workflows: ['One', 'Two'] });
        const chosen = await compile(target, [target], { workflow: 'Two' });
        expect(chosen.kind === 'compiled' && chosen.model.name).toBe('Two');
    });

    it('refuses a template and says how to run one', async () => {
        const target = await write('template.flow', 'template workflow Research { param topic: string = "x"  task a: coordination "A" { run shell "true" } }\n');
        const outcome = await compile(target, [target]);
        expect(outcome.kind === 'not-runnable' && outcome.message).toMatch(/Research is a template.*from Research/);
    });

    it('gives a workflow that declares no algorithm the default it is asked to', async () => {
        const target = await write('plain.flow', 'workflow Plain { task a: coordination "A" { run shell "true" } }\n');
        const outcome = await compile(target, [target], { defaultAlgorithm: 'least_loaded' });
        expect(outcome.kind === 'compiled' && outcome.model.policies.scheduling.algorithm).toBe('least_loaded');
    });

    it('keeps the algorithm a workflow declares, or its template does, over the default', async () => {
        const target = await write('own.flow', 'template workflow Base { schedule { algorithm weighted_round_robin } task a: coordination "A" { run shell "true" } }\n' +
            'workflow Own from Base() {}\n');
        const outcome = await compile(target, [target], { workflow: 'Own', defaultAlgorithm: 'least_loaded' });
        expect(outcome.kind === 'compiled' && outcome.model.policies.scheduling.algorithm).toBe('weighted_round_robin');
    });

    it('compiles a template when asked to, for showing its model', async () => {
        const target = await write('template.flow', 'template workflow Research { task a: coordination "A" { run shell "true" } }\n');
        const outcome = await compile(target, [target], { allowTemplate: true });
        expect(outcome.kind === 'compiled' && outcome.model.template).toBe(true);
    });
});
