import { chmodSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { flowctl, hasStackTrace, useWorkspaces } from './flowctl-process.js';

// A workflow with no problems: a custom type without required capabilities, so no agent is needed.
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

const workspace = useWorkspaces();

describe('flowctl validate', () => {
    it('exits 0 and prints a summary for a workflow without problems', () => {
        const result = flowctl(['validate', 'clean.flow'], workspace({ 'clean.flow': clean }));
        expect(result.stdout).toBe('1 file checked: no problems.\n');
        expect(result.status).toBe(0);
    });

    it('prints file:line:col: error: message [code] and exits 1 on an error', () => {
        const result = flowctl(['validate', 'broken.flow'], workspace({ 'broken.flow': unresolved }));
        expect(result.stdout).toMatch(/^broken\.flow:3:23: error: .*missing.* \[flow\/unknown-reference\]$/m);
        expect(result.stdout).toMatch(/^1 file checked: 1 error, 0 warnings\.$/m);
        expect(result.status).toBe(1);
    });

    it('reports parser errors as diagnostics', () => {
        const result = flowctl(['validate', 'syntax.flow'], workspace({ 'syntax.flow': 'workflow W {\n  task a: research {\n' }));
        expect(result.stdout).toMatch(/^syntax\.flow:\d+:\d+: error: .* \[flow\/syntax-error\]$/m);
        expect(result.status).toBe(1);
    });

    it('prints paths relative to the current directory', () => {
        const dir = workspace({ 'flows/nested/broken.flow': unresolved });
        const result = flowctl(['validate', 'flows/nested/broken.flow'], dir);
        expect(result.stdout).toMatch(/^flows\/nested\/broken\.flow:3:23: error:/m);
    });

    it('prints one JSON document with --json', () => {
        const result = flowctl(['validate', '--json', 'broken.flow'], workspace({ 'broken.flow': unresolved }));
        const report = JSON.parse(result.stdout);
        expect(report.files).toEqual(['broken.flow']);
        expect(report.errors).toBe(1);
        expect(report.diagnostics).toEqual([expect.objectContaining({
            file: 'broken.flow',
            severity: 'error',
            code: 'flow/unknown-reference',
            range: { start: { line: 3, column: 23 }, end: { line: 3, column: 30 } }
        })]);
        expect(result.status).toBe(1);
    });

    it('searches directories recursively, skipping node_modules and dot-folders', () => {
        const dir = workspace({
            'flows/a.flow': clean,
            'flows/deeper/b.flow': unresolved,
            'flows/node_modules/c.flow': unresolved,
            'flows/.cache/d.flow': unresolved
        });
        const result = flowctl(['validate', 'flows'], dir);
        expect(result.stdout).toMatch(/^flows\/deeper\/b\.flow:3:23: error:/m);
        expect(result.stdout).not.toContain('node_modules');
        expect(result.stdout).not.toContain('.cache');
        expect(result.stdout).toMatch(/^2 files checked: 1 error, 0 warnings\.$/m);
    });

    it('resolves agents declared in another file of the workspace', () => {
        const dir = workspace({
            'agents.flow': 'agent builder { capabilities build }\n',
            'main.flow': 'workflow W {\n  type chore { timeout 1m }\n  task a: chore { agent builder }\n}\n'
        });
        const result = flowctl(['validate', 'main.flow'], dir);
        expect(result.stdout).toBe('1 file checked: no problems.\n');
        expect(result.status).toBe(0);
    });

    it('reports only the given files, not the rest of the workspace', () => {
        const dir = workspace({ 'clean.flow': clean, 'other.flow': unresolved });
        const result = flowctl(['validate', 'clean.flow'], dir);
        expect(result.stdout).toBe('1 file checked: no problems.\n');
    });

    it('uses the first path\'s folder as the workspace when the paths are outside the current directory', () => {
        const dir = workspace({
            'project/agents.flow': 'agent builder { capabilities build }\n',
            'project/main.flow': 'workflow W {\n  type chore { timeout 1m }\n  task a: chore { agent builder }\n}\n',
            'elsewhere/readme.txt': ''
        });
        const result = flowctl(['validate', '../project/main.flow'], join(dir, 'elsewhere'));
        expect(result.stdout).toBe('1 file checked: no problems.\n');
    });

    it('loads the workspace named by --workspace', () => {
        const dir = workspace({
            'shared/agents.flow': 'agent builder { capabilities build }\n',
            'app/main.flow': 'workflow W {\n  type chore { timeout 1m }\n  task a: chore { agent builder }\n}\n'
        });
        expect(flowctl(['validate', 'app/main.flow', '--workspace', 'app'], dir).status).toBe(1);
        const result = flowctl(['validate', 'app/main.flow', '--workspace', 'shared'], dir);
        expect(result.stdout).toBe('1 file checked: no problems.\n');
        expect(result.status).toBe(0);
    });

    it('reports a file nested too deeply for the parser as a diagnostic and goes on with the next file', () => {
        const depth = 3000;
        const deep = `workflow Deep {\n  task a: research { when ${'('.repeat(depth)}a${')'.repeat(depth)} }\n}\n`;
        const result = flowctl(['validate', 'deep.flow', 'broken.flow'], workspace({ 'deep.flow': deep, 'broken.flow': unresolved }));
        expect(result.stdout).toMatch(/^deep\.flow:2:\d+: error: Nesting deeper than 64 levels: the rest of the file is not read\. .* \[flow\/syntax-error\]$/m);
        expect(result.stdout).toMatch(/^broken\.flow:3:23: error: .* \[flow\/unknown-reference\]$/m);
        expect(result.status).toBe(1);
    });

    it('reports what cannot be imported from a seed workflow at the JSON key, and settings without effect', () => {
        const seed = '{\n  "tasks": [{ "id": "a", "type": "research", "dependencies": ["b"] }],\n' +
            '  "taskExecution": { "optimization": { "taskAffinityGrouping": true } }\n}\n';
        const result = flowctl(['validate', 'seed.json'], workspace({ 'seed.json': seed }));
        expect(result.stdout).toMatch(/^seed\.json:2:63: error: tasks\[0\]\.dependencies\[0\]: no task has the id "b": name a task of this workflow \[flow\/seed-import\]$/m);
        expect(result.status).toBe(1);
        const inert = flowctl(['validate', 'seed.json'], workspace({ 'seed.json': seed.replace('["b"]', '[]') }));
        expect(inert.stdout).toMatch(/^seed\.json:3:40: warning: taskExecution\.optimization\.taskAffinityGrouping: has no effect: .* \[flow\/seed-note\]$/m);
        expect(inert.status).toBe(0);
    });

    it('reports invalid JSON of a seed workflow with its line and column', () => {
        const result = flowctl(['validate', 'seed.json'], workspace({ 'seed.json': '{\n  "workflow": {\n    "name": }\n}\n' }));
        expect(result.stdout).toMatch(/^seed\.json:3:13: error: invalid JSON: .* \[flow\/invalid-json\]$/m);
        expect(result.status).toBe(1);
    });
});

describe('flowctl validate with bad input', () => {
    it('names a missing file and exits 2 without a stack trace', () => {
        const result = flowctl(['validate', 'nope.flow'], workspace({}));
        expect(result.stderr).toBe('flowctl: nope.flow: no such file or directory. Check the path.\n');
        expect(result.status).toBe(2);
    });

    it('prints the stack trace of a failure only with FLOW_DEBUG=1', () => {
        const dir = workspace({});
        expect(hasStackTrace(flowctl(['validate', 'nope.flow'], dir).stderr)).toBe(false);
        expect(hasStackTrace(flowctl(['validate', 'nope.flow'], dir, { FLOW_DEBUG: '1' }).stderr)).toBe(true);
    });

    it('rejects a file that is neither .flow nor .json', () => {
        const result = flowctl(['validate', 'notes.txt'], workspace({ 'notes.txt': 'hello' }));
        expect(result.stderr).toMatch(/^flowctl: notes\.txt: unknown file type\. flowctl reads \.flow workflows/);
        expect(result.status).toBe(2);
    });

    it('rejects a directory without .flow files', () => {
        const result = flowctl(['validate', 'empty'], workspace({ 'empty/readme.md': '# nothing here' }));
        expect(result.stderr).toMatch(/^flowctl: empty: the directory contains no \.flow files/);
        expect(result.status).toBe(2);
    });

    it('names a .flow file that cannot be read', () => {
        const dir = workspace({ 'flows/good.flow': clean });
        symlinkSync(join(dir, 'missing-target'), join(dir, 'flows', 'dangling.flow'));
        const result = flowctl(['validate', 'flows'], dir);
        expect(result.stderr).toMatch(/^flowctl: flows\/dangling\.flow: cannot read the file \(no such file or directory\)\.$/m);
        expect(result.status).toBe(2);
    });

    it.skipIf(process.getuid?.() === 0)('names a .flow file without read permission', () => {
        const dir = workspace({ 'locked.flow': clean });
        chmodSync(join(dir, 'locked.flow'), 0o000);
        const result = flowctl(['validate', 'locked.flow'], dir);
        expect(result.stderr).toMatch(/locked\.flow: cannot read the file \(permission denied\)/);
        expect(result.status).toBe(2);
    });

    it('rejects a --workspace that is not a directory', () => {
        const result = flowctl(['validate', 'clean.flow', '--workspace', 'clean.flow'], workspace({ 'clean.flow': clean }));
        expect(result.stderr).toMatch(/^flowctl: --workspace clean\.flow: not a directory\./);
        expect(result.status).toBe(2);
    });

    it('explains a missing argument and exits 2', () => {
        const result = flowctl(['validate'], workspace({}));
        expect(result.stderr).toContain("missing required argument 'paths'");
        expect(result.status).toBe(2);
    });

    it('shows help with examples', () => {
        const result = flowctl(['validate', '--help'], workspace({}));
        expect(result.stdout).toContain('Usage: flowctl validate [options] <paths...>');
        expect(result.stdout).toContain('Examples:');
        expect(result.status).toBe(0);
    });
});
