import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateModel } from '@flow/model';
import { flowctl, hasStackTrace, useWorkspaces } from './flowctl-process.js';

// Custom types without required capabilities, so no agent is needed.
const clean = `workflow Clean {
  type chore { timeout 1m }
  task a: chore { run shell "true" }
  task b: chore after a { run shell "true" }
}
`;

const unresolved = `workflow Broken {
  type chore { timeout 1m }
  task a: chore after missing { run shell "true" }
}
`;

const two = `workflow First {
  type chore { timeout 1m }
  task a: chore { run shell "true" }
}
workflow Second {
  type chore { timeout 1m }
  task b: chore { run shell "true" }
}
`;

const template = `template workflow Research {
  param topic: string = "AI"
  type chore { timeout 1m }
  task gather: chore "Research {{param.topic}}" { run shell "true" }
}
`;

const workspace = useWorkspaces();

describe('flowctl compile', () => {
    it('prints the model as 2-space JSON and exits 0', () => {
        const result = flowctl(['compile', 'clean.flow'], workspace({ 'clean.flow': clean }));
        const model = JSON.parse(result.stdout);
        expect(result.stdout).toBe(JSON.stringify(model, null, 2) + '\n');
        expect(model.name).toBe('Clean');
        expect(model.tasks.map((task: { id: string; dependencies: string[] }) => [task.id, task.dependencies])).toEqual([['a', []], ['b', ['a']]]);
        expect(validateModel(model)).toEqual([]);
        expect(result.status).toBe(0);
    });

    it('writes the model to the file named by -o', () => {
        const dir = workspace({ 'clean.flow': clean });
        const result = flowctl(['compile', 'clean.flow', '-o', 'model.json'], dir);
        expect(result.stdout).toBe('');
        expect(result.stderr).toBe('Wrote model.json (workflow Clean, 2 tasks).\n');
        expect(JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')).name).toBe('Clean');
        expect(result.status).toBe(0);
    });

    it('takes -o - as standard output, as convert does', () => {
        const dir = workspace({ 'clean.flow': clean });
        const result = flowctl(['compile', 'clean.flow', '-o', '-'], dir);
        expect(JSON.parse(result.stdout).name).toBe('Clean');
        expect(existsSync(join(dir, '-'))).toBe(false);
    });

    it('refuses a workflow with errors, printing file:line:col diagnostics, and exits 1', () => {
        const dir = workspace({ 'broken.flow': unresolved });
        const result = flowctl(['compile', 'broken.flow', '-o', 'model.json'], dir);
        expect(result.stderr).toMatch(/^broken\.flow:3:23: error: .*missing.* \[flow\/unknown-reference\]$/m);
        expect(result.stderr).toMatch(/^broken\.flow: 1 error; no model written\.$/m);
        expect(result.stdout).toBe('');
        expect(existsSync(join(dir, 'model.json'))).toBe(false);
        expect(result.status).toBe(1);
    });

    it('imports a seed JSON workflow', () => {
        const seed = JSON.stringify({ workflow: { name: 'Seed Flow', tasks: [{ id: 'a', type: 'research' }, { id: 'b', type: 'analysis', dependencies: ['a'] }] } });
        const result = flowctl(['compile', 'seed.json'], workspace({ 'seed.json': seed }));
        const model = JSON.parse(result.stdout);
        expect([model.name, model.title]).toEqual(['SeedFlow', 'Seed Flow']);
        expect(model.tasks[1].dependencies).toEqual(['a']);
        expect(result.status).toBe(0);
    });

    it('reports invalid JSON with its line and column', () => {
        const result = flowctl(['compile', 'seed.json'], workspace({ 'seed.json': '{\n  "workflow": {\n    "name": }\n}\n' }));
        expect(result.stderr).toMatch(/^seed\.json:3:13: error: invalid JSON: Unexpected token '}' \[flow\/invalid-json\]$/m);
        expect(hasStackTrace(result.stderr)).toBe(false);
        expect(result.status).toBe(1);
    });

    it('asks which workflow to compile when the file has several, and compiles the one named', () => {
        const dir = workspace({ 'two.flow': two });
        const asked = flowctl(['compile', 'two.flow'], dir);
        expect(asked.stderr).toBe('flowctl: two.flow: the file declares 2 workflows (First, Second); choose one with --workflow <name>.\n');
        expect(asked.status).toBe(2);
        const chosen = flowctl(['compile', 'two.flow', '--workflow', 'Second'], dir);
        expect(JSON.parse(chosen.stdout).name).toBe('Second');
        const unknown = flowctl(['compile', 'two.flow', '--workflow', 'Third'], dir);
        expect(unknown.stderr).toMatch(/--workflow Third: no workflow of that name here; the file declares First, Second\./);
        expect(unknown.status).toBe(2);
    });

    it('compiles a template, marked as one', () => {
        const result = flowctl(['compile', 'template.flow'], workspace({ 'template.flow': template }));
        expect(JSON.parse(result.stdout).template).toBe(true);
    });
});

describe('flowctl compile with bad input', () => {
    it('rejects an unknown file type', () => {
        const result = flowctl(['compile', 'notes.txt'], workspace({ 'notes.txt': 'hello' }));
        expect(result.stderr).toBe('flowctl: notes.txt: unknown file type. This command reads a .flow workflow or a seed .json workflow.\n');
        expect(result.status).toBe(2);
    });

    it('names a missing file, without a stack trace', () => {
        const result = flowctl(['compile', 'nope.flow'], workspace({}));
        expect(result.stderr).toBe('flowctl: nope.flow: cannot read the file (no such file or directory).\n');
        expect(hasStackTrace(result.stderr)).toBe(false);
        expect(result.status).toBe(2);
    });

    it.skipIf(process.getuid?.() === 0)('names a file without read permission', () => {
        const dir = workspace({ 'locked.json': '{}' });
        chmodSync(join(dir, 'locked.json'), 0o000);
        const result = flowctl(['compile', 'locked.json'], dir);
        expect(result.stderr).toMatch(/locked\.json: cannot read the file \(permission denied\)/);
        expect(result.status).toBe(2);
    });

    it('says why it cannot write -o', () => {
        const result = flowctl(['compile', 'clean.flow', '-o', 'missing/model.json'], workspace({ 'clean.flow': clean }));
        expect(result.stderr).toBe('flowctl: missing/model.json: cannot write the output (its folder does not exist).\n');
        expect(result.status).toBe(2);
    });

    it('shows help with examples', () => {
        const result = flowctl(['compile', '--help'], workspace({}));
        expect(result.stdout).toContain('Usage: flowctl compile [options] <file>');
        expect(result.stdout).toContain('Examples:');
        expect(result.status).toBe(0);
    });
});
