import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileWorkspaceDeclarations } from '../../src/compiler/compiler.js';
import { modelToFlow } from '../../src/compiler/flow-generator.js';
import { importSeedJson, type WorkspaceDeclarations } from '../../src/compiler/seed-importer.js';
import { EXAMPLES, buildWorkspace, compileFile, problems, readExample, seedJsonFiles, withoutSources } from './workspace.js';

/**
 * `flowctl convert`'s promise: for every seed JSON example, import -> .flow text -> parse and
 * validate without problems -> compile gives the model the import gave. The workspace is the
 * examples' agents.flow, which declares the agents the seed's tasks need (the seed names
 * capabilities, never agents).
 */
const agents = { '/examples/agents.flow': readExample('agents.flow') };
let declarations: WorkspaceDeclarations;

beforeAll(async () => {
    declarations = compileWorkspaceDeclarations((await buildWorkspace(agents)).services.Flow);
});

describe('seed JSON -> .flow -> model', () => {
    it.each(seedJsonFiles())('%s converts to .flow that compiles to the imported model', async name => {
        const json = JSON.parse(readFileSync(join(EXAMPLES, 'seed', name), 'utf8')) as unknown;
        const imported = importSeedJson(json, name, { workspace: declarations });
        const text = modelToFlow(imported, { workspace: declarations });
        const file = `/examples/seed/${name.replace(/\.json$/, '.flow')}`;
        const workspace = await buildWorkspace({ ...agents, [file]: text });
        expect(problems(workspace.documents.get(file)!)).toEqual([]);
        const [compiled] = compileFile(workspace, file);
        expect(withoutSources(compiled)).toEqual(withoutSources(imported));
    });

    it('leaves the workspace\'s agents out of the file', () => {
        const imported = importSeedJson({ tasks: [{ id: 'a', type: 'research' }] }, 'one.json', { workspace: declarations });
        expect(imported.agents.map(agent => agent.name)).toContain('researcher');
        expect(modelToFlow(imported, { workspace: declarations })).not.toContain('agent ');
        expect(modelToFlow(imported)).toContain('agent researcher {');
    });

    // Seed workflows of custom types without required capabilities need no agents.
    async function roundTrip(json: unknown): Promise<{ imported: ReturnType<typeof importSeedJson>; compiled: ReturnType<typeof importSeedJson> }> {
        const imported = importSeedJson(json, 'small.json');
        const workspace = await buildWorkspace({ '/small.flow': modelToFlow(imported) });
        expect(problems(workspace.documents.get('/small.flow')!)).toEqual([]);
        return { imported, compiled: compileFile(workspace, '/small.flow')[0] };
    }

    it('keeps the order of phases when one without tasks comes first', async () => {
        const { imported, compiled } = await roundTrip({
            phases: [{ name: 'setup' }, { name: 'work', dependencies: ['setup'], tasks: [{ id: 't', type: 'chore' }] }]
        });
        expect(compiled.phases.map(phase => phase.name)).toEqual(['setup', 'work']);
        expect(withoutSources(compiled)).toEqual(withoutSources(imported));
    });

    it('turns the workflow\'s parameters into typed parameters with defaults that conditions read', async () => {
        const { imported, compiled } = await roundTrip({
            parameters: { mode: 'fast', depth: 2 },
            tasks: [{ id: 't', type: 'chore', conditions: [{ condition: 'params.mode === "fast" && params.depth > 1' }] }]
        });
        expect(imported.params).toEqual([
            { name: 'mode', type: { kind: 'string' }, default: 'fast' },
            { name: 'depth', type: { kind: 'number' }, default: 2 }
        ]);
        expect(withoutSources(compiled)).toEqual(withoutSources(imported));
    });
});
