import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { flowctl, hasStackTrace, useWorkspaces } from './flowctl-process.js';

const agents = 'agent worker { capabilities web_search, document_analysis, data_analysis, statistical_modeling  run shell "true" }\n';
const seed = JSON.stringify({
    workflow: {
        name: 'Research Flow',
        tasks: [
            { id: 'gather', type: 'research', description: 'Gather', parallel: true },
            { id: 'study', type: 'analysis', dependencies: ['gather'], conditions: [{ dependency: 'gather', condition: 'result.size > 3' }] }
        ]
    }
}, null, 2);

const workspace = useWorkspaces();

describe('flowctl convert', () => {
    it('writes the .flow file beside the JSON, without the workspace\'s agents, and notes what needs no setting', () => {
        const dir = workspace({ 'agents.flow': agents, 'research.json': seed });
        const result = flowctl(['convert', 'research.json'], dir);
        expect(result.stderr).toBe(
            'research.json:9:9: info: workflow.tasks[0].parallel: Flow runs tasks whose dependencies are done in parallel; there is nothing to set [flow/seed-note]\n' +
            'Wrote research.flow (workflow ResearchFlow, 2 tasks).\n');
        expect(readFileSync(join(dir, 'research.flow'), 'utf8')).toBe(`workflow ResearchFlow {
  title "Research Flow"

  task gather: research "Gather"
  task study: analysis after gather { when gather.result.size > 3 }
}
`);
        expect(result.status).toBe(0);
    });

    it('writes a file that validates and compiles to the model the JSON imports to', () => {
        const dir = workspace({ 'agents.flow': agents, 'research.json': seed });
        expect(flowctl(['convert', 'research.json'], dir).status).toBe(0);
        expect(flowctl(['validate', 'research.flow'], dir).stdout).toBe('1 file checked: no problems.\n');
        const strip = (text: string) => JSON.stringify(JSON.parse(text, (key, value) => key === 'source' ? undefined : value));
        expect(strip(flowctl(['compile', 'research.flow'], dir).stdout)).toBe(strip(flowctl(['compile', 'research.json'], dir).stdout));
    });

    it('writes to the file named by -o, and to standard output with -o -', () => {
        const dir = workspace({ 'research.json': seed });
        expect(flowctl(['convert', 'research.json', '-o', 'out.flow'], dir).status).toBe(0);
        expect(readFileSync(join(dir, 'out.flow'), 'utf8')).toMatch(/^workflow ResearchFlow \{/);
        const printed = flowctl(['convert', 'research.json', '-o', '-'], dir);
        expect(printed.stdout).toBe(readFileSync(join(dir, 'out.flow'), 'utf8'));
        expect(existsSync(join(dir, 'research.flow'))).toBe(false);
    });

    it('refuses to replace an existing file unless --force', () => {
        const dir = workspace({ 'research.json': seed, 'research.flow': '// mine\n' });
        const refused = flowctl(['convert', 'research.json'], dir);
        expect(refused.stderr).toMatch(/^flowctl: research\.flow: cannot write the output \(the file already exists; pass --force to replace it, or choose another file with -o\)\.$/m);
        expect(readFileSync(join(dir, 'research.flow'), 'utf8')).toBe('// mine\n');
        expect(refused.status).toBe(2);
        const forced = flowctl(['convert', 'research.json', '--force'], dir);
        expect(readFileSync(join(dir, 'research.flow'), 'utf8')).toMatch(/^workflow ResearchFlow \{/);
        expect(forced.status).toBe(0);
    });

    it('reports an import error at the key\'s line and column, and writes nothing', () => {
        const dir = workspace({ 'bad.json': '{\n  "tasks": [\n    { "id": "a", "type": "research", "after": ["b"] }\n  ]\n}\n' });
        const result = flowctl(['convert', 'bad.json'], dir);
        expect(result.stderr).toMatch(/^bad\.json:3:38: error: tasks\[0\]\.after: unknown key; expected one of .* \[flow\/seed-import\]$/m);
        expect(result.stderr).toMatch(/^bad\.json: 1 error; nothing converted\.$/m);
        expect(existsSync(join(dir, 'bad.flow'))).toBe(false);
        expect(result.status).toBe(1);
    });

    it('reports invalid JSON with its line and column', () => {
        const result = flowctl(['convert', 'bad.json'], workspace({ 'bad.json': '{ "tasks": [ }' }));
        expect(result.stderr).toMatch(/^bad\.json:1:14: error: invalid JSON: .* \[flow\/invalid-json\]$/m);
        expect(result.status).toBe(1);
    });
});

describe('flowctl convert with bad input', () => {
    it('rejects a file that is not .json, saying what to use instead for .flow', () => {
        const result = flowctl(['convert', 'clean.flow'], workspace({ 'clean.flow': 'workflow W {}\n' }));
        expect(result.stderr).toBe('flowctl: clean.flow: flowctl convert reads a seed .json workflow; this is already a .flow file (flowctl compile shows its model).\n');
        expect(result.status).toBe(2);
    });

    it('names a missing file, without a stack trace', () => {
        const result = flowctl(['convert', 'nope.json'], workspace({}));
        expect(result.stderr).toBe('flowctl: nope.json: cannot read the file (no such file or directory).\n');
        expect(hasStackTrace(result.stderr)).toBe(false);
        expect(result.status).toBe(2);
    });

    it('shows help with examples', () => {
        const result = flowctl(['convert', '--help'], workspace({}));
        expect(result.stdout).toContain('Usage: flowctl convert [options] <file.json>');
        expect(result.stdout).toContain('Examples:');
        expect(result.status).toBe(0);
    });
});
