import { describe, expect, it } from 'vitest';
import { flowctl, useWorkspaces } from './flowctl-process.js';

const workspace = useWorkspaces();

// Two root-level agents of the same name: one in the workspace, one in a folder .flowignore lists.
const files = {
    '.flowignore': '# test material\ntest/\n',
    'agents.flow': 'agent worker { capabilities research_web  run shell "echo \'{\\"by\\": \\"workspace\\"}\'" }\n',
    'test/duplicate.flow': 'agent worker { capabilities other }\nagent worker { capabilities other }\nagent only_in_tests { capabilities test_only  run shell "touch ran.txt" }\n',
    'app.flow': 'workflow App {\n  type gather { timeout 1m  requires research_web }\n  task a: gather\n}\n'
};

describe('the workspace of a command', () => {
    it('loads the .flow files around the target but not what .flowignore lists', () => {
        const result = flowctl(['run', 'app.flow', '--json'], workspace(files));
        expect(result.stderr).toBe('');
        expect(result.status).toBe(0);
        expect(result.stdout).toContain('"result":{"by":"workspace"}');
    });

    it('does not take agents from an ignored folder', () => {
        const dir = workspace({ ...files, 'probe.flow': 'workflow Probe {\n  type probe { timeout 1m  requires test_only }\n  task p: probe\n}\n' });
        const result = flowctl(['run', 'probe.flow'], dir);
        expect(result.status).toBe(1);
        expect(result.stderr).toMatch(/^probe\.flow:3:8: error: No agent offer.*\[flow\/no-capable-agent\]$/m);
    });

    it('leaves ignored folders out of a directory given to validate, but reads a file given by name', () => {
        const dir = workspace(files);
        expect(flowctl(['validate', '.'], dir).stdout).toMatch(/^2 files checked: no problems\.$/m);
        expect(flowctl(['validate', 'test/duplicate.flow'], dir).stdout).toMatch(/duplicate-name/);
    });
});
