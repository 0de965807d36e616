import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { URI } from 'langium';
import { NodeFileSystem } from 'langium/node';
import { afterEach, describe, expect, it } from 'vitest';
import { createFlowServices } from '../../src/flow-module.js';
import { FlowIgnore } from '../../src/workflow/flow-ignore.js';

describe('.flowignore patterns', () => {
    const ignore = FlowIgnore.parse([
        '# test material',
        'fixtures',
        'packages/*/test/',
        'generated/*.flow   # machine-written'
    ].join('\n'));

    it('matches a name without a slash at any depth', () => {
        expect(ignore.ignores('fixtures', true)).toBe(true);
        expect(ignore.ignores('a/b/fixtures', true)).toBe(true);
        expect(ignore.ignores('a/fixtures.flow', false)).toBe(false);
    });

    it('matches a pattern with a slash from the root, and a trailing slash only folders', () => {
        expect(ignore.ignores('packages/language/test', true)).toBe(true);
        expect(ignore.ignores('packages/language/test', false)).toBe(false);
        expect(ignore.ignores('other/packages/language/test', true)).toBe(false);
        expect(ignore.ignores('generated/model.flow', false)).toBe(true);
    });

    it('ignores comments and blank lines', () => {
        expect(FlowIgnore.parse('\n# only a comment\n\n').ignores('anything', false)).toBe(false);
    });
});

describe('the language server\'s workspace', () => {
    let root: string | undefined;
    afterEach(() => { if (root) rmSync(root, { recursive: true, force: true }); });

    it('leaves out what the workspace folder\'s .flowignore lists', async () => {
        root = mkdtempSync(join(tmpdir(), 'flow-ignore-'));
        const files: Record<string, string> = {
            '.flowignore': 'test/\n',
            'agents.flow': 'agent worker { capabilities research }\n',
            'test/broken.flow': 'agent worker { capabilities other }\n'
        };
        for (const [file, text] of Object.entries(files)) {
            mkdirSync(dirname(join(root, file)), { recursive: true });
            writeFileSync(join(root, file), text);
        }
        const { shared } = createFlowServices(NodeFileSystem);
        await shared.workspace.WorkspaceManager.initializeWorkspace([{ uri: URI.file(root).toString(), name: 'ws' }]);
        const loaded = shared.workspace.LangiumDocuments.all.map(document => document.uri)
            .filter(uri => uri.scheme === 'file').map(uri => uri.fsPath.slice(root!.length + 1)).toArray();
        expect(loaded).toEqual(['agents.flow']);
    });
});
