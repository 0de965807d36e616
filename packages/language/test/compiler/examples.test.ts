import { AstUtils } from 'langium';
import { beforeAll, describe, expect, it } from 'vitest';
import { validateModel, type WorkflowModel } from '@flow/model';
import { modelToFlow } from '../../src/compiler/flow-generator.js';
import { compileWorkspaceDeclarations } from '../../src/compiler/compiler.js';
import { reflection } from '../../src/generated/ast.js';
import { buildWorkspace, compileFile, exampleFlowFiles, problems, readExample, schemaErrors, withoutSources } from './workspace.js';

/**
 * Every example compiles in the examples workspace (so agents.flow's agents resolve), and every
 * model it gives is valid by the published JSON Schema (checked by ajv) and by validateModel.
 */
const files = Object.fromEntries(exampleFlowFiles().map(name => [`/examples/${name}`, readExample(name)]));
let workspace: Awaited<ReturnType<typeof buildWorkspace>>;
const models: Array<[string, WorkflowModel]> = [];

beforeAll(async () => {
    workspace = await buildWorkspace(files);
    for (const file of Object.keys(files)) {
        for (const model of compileFile(workspace, file)) models.push([`${file.replace('/examples/', '')} ${model.name}`, model]);
    }
});

describe('examples', () => {
    it.each(Object.keys(files))('%s validates without errors or warnings', file => {
        expect(problems(workspace.documents.get(file)!)).toEqual([]);
    });

    it('give at least one model per workflow file', () => {
        expect(models.map(([name]) => name)).toContain('product-launch.flow ProductLaunch');
        expect(models.length).toBeGreaterThanOrEqual(Object.keys(files).length);
    });

    it('together use every construct of the grammar', () => {
        const used = new Set<string>();
        for (const document of workspace.documents.values()) {
            for (const node of AstUtils.streamAst(document.parseResult.value)) used.add(node.$type);
        }
        // Node types without subtypes are the ones a parse can produce; unions only group them.
        const constructs = reflection.getAllTypes().filter(type => reflection.getAllSubTypes(type).length === 1);
        expect(constructs.filter(type => !used.has(type))).toEqual([]);
    });

    it('give models that the JSON Schema and validateModel accept', () => {
        for (const [name, model] of models) {
            expect({ name, errors: schemaErrors(model) }).toEqual({ name, errors: [] });
            expect({ name, errors: validateModel(model) }).toEqual({ name, errors: [] });
        }
    });
});

describe('generator on the examples', () => {
    it('writes each model as .flow that compiles to the same model', async () => {
        const declarations = compileWorkspaceDeclarations(workspace.services.Flow);
        for (const [name, model] of models) {
            const file = `/examples/${name.split(' ')[0]}`;
            // The generated file replaces its original in the workspace, so the other files still resolve.
            const regenerated = await buildWorkspace({ ...files, [file]: modelToFlow(model, { workspace: declarations }) });
            expect({ name, problems: problems(regenerated.documents.get(file)!) }).toEqual({ name, problems: [] });
            const [again] = compileFile(regenerated, file);
            expect(withoutSources(again)).toEqual(withoutSources(model));
        }
    }, 120_000);
});
