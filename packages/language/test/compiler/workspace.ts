import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { URI, type LangiumDocument } from 'langium';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { WORKFLOW_MODEL_SCHEMA, isIsoDateTime, type WorkflowModel } from '@flow/model';
import { createFlowServicesWithBuiltins, type FlowServiceSet } from '../../src/flow-module.js';
import { compileDocument } from '../../src/compiler/compiler.js';
import type { FlowFile } from '../../src/generated/ast.js';

/** The repository's examples folder. */
export const EXAMPLES = fileURLToPath(new URL('../../../../examples', import.meta.url));

export function exampleFlowFiles(): string[] {
    return readdirSync(EXAMPLES, { withFileTypes: true }).filter(entry => entry.isFile() && entry.name.endsWith('.flow')).map(entry => entry.name).sort();
}

export function seedJsonFiles(): string[] {
    return readdirSync(join(EXAMPLES, 'seed')).filter(name => name.endsWith('.json')).sort();
}

export function readExample(name: string): string {
    return readFileSync(join(EXAMPLES, name), 'utf8');
}

/** A workspace of in-memory `.flow` files (path -> text), parsed, linked and validated like the CLI does. */
export async function buildWorkspace(files: Record<string, string>): Promise<{ services: FlowServiceSet; documents: Map<string, LangiumDocument<FlowFile>> }> {
    const services = await createFlowServicesWithBuiltins();
    const documents = new Map<string, LangiumDocument<FlowFile>>();
    for (const [file, text] of Object.entries(files)) {
        const document = services.shared.workspace.LangiumDocumentFactory.fromString<FlowFile>(text, URI.file(file));
        services.shared.workspace.LangiumDocuments.addDocument(document);
        documents.set(file, document);
    }
    await services.shared.workspace.DocumentBuilder.build([...documents.values()], { validation: true });
    return { services, documents };
}

/** Errors and warnings of a document, one line each, for readable test failures. */
export function problems(document: LangiumDocument): string[] {
    return (document.diagnostics ?? []).filter(diagnostic => (diagnostic.severity ?? 1) <= 2).map(diagnostic =>
        `${diagnostic.range.start.line + 1}:${diagnostic.range.start.character + 1} ${diagnostic.message} [${String(diagnostic.code)}]`);
}

/** Compiles one file of a workspace; fails with the compiler's messages when it refuses. */
export function compileFile(workspace: Awaited<ReturnType<typeof buildWorkspace>>, file: string): WorkflowModel[] {
    const { models, errors } = compileDocument(workspace.documents.get(file)!, workspace.services.Flow);
    if (errors.length > 0) throw new Error(`${file} does not compile:\n${errors.join('\n')}`);
    return models;
}

/** Compiles a single-file workspace and returns its only workflow. */
export async function compileOne(text: string): Promise<WorkflowModel> {
    const workspace = await buildWorkspace({ '/test/main.flow': text });
    const models = compileFile(workspace, '/test/main.flow');
    if (models.length !== 1) throw new Error(`expected one workflow, got ${models.length}`);
    return models[0];
}

/** The model without source locations, which differ between a file and its conversion by design. */
export function withoutSources(model: WorkflowModel): WorkflowModel {
    return JSON.parse(JSON.stringify(model, (key, value) => key === 'source' ? undefined : value)) as WorkflowModel;
}

const ajv = new Ajv2020({ allErrors: true, strict: true });
ajv.addFormat('date-time', { type: 'string', validate: isIsoDateTime });
const validateWithAjv = ajv.compile(WORKFLOW_MODEL_SCHEMA);

/** The model's violations of the published JSON Schema, checked by a standard validator. */
export function schemaErrors(model: unknown): string[] {
    if (validateWithAjv(model)) return [];
    return (validateWithAjv.errors ?? []).map(error => `${error.instancePath} ${error.message}`);
}
