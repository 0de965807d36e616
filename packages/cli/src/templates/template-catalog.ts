import { promises as fs } from 'node:fs';
import { URI, type LangiumDocument } from 'langium';
import { ast, type FlowServiceSet } from '@flow/language';
import type { ParamType } from '@flow/model';
import { CliError } from '../cli-error.js';
import { displayPath, findFlowFiles, readTextFile } from '../input-files.js';
import { BUILTIN_TEMPLATE_FILES } from './builtin-templates.js';
import { parseFlowText, templatesFolder, type FlowText } from './template-workspace.js';

/** A template's parameter, as `template list` shows it and `template apply` checks values against it. */
export interface TemplateParam {
    name: string;
    /** The type as written: `string`, `"basic" | "standard"`. */
    typeText: string;
    type: ParamType;
    /** The default as written; absent when every use must give a value. */
    defaultText?: string;
    /** The parameter's doc comment. */
    description?: string;
    node: ast.Param;
}

/** A template of the catalog: a built-in, or a `template workflow` of the workspace's templates folder. */
export interface Template {
    name: string;
    /** The workspace file that declares it; absent for a built-in. */
    file?: FlowText;
    /** A workspace template with the name of a built-in, which it replaces. */
    replacesBuiltin: boolean;
    /** The template's doc comment. */
    description?: string;
    params: TemplateParam[];
    node: ast.Workflow;
    /** 1-based lines of the declaration in its file, from its first to its last. */
    line: number;
    endLine: number;
}

export interface TemplateCatalog {
    /** Workspace templates and the built-ins they do not replace, by name. */
    templates: Template[];
    /** The files of the templates folder, read. */
    files: FlowText[];
    /** What the user should know about the folder (non-template workflows, repeated names). */
    warnings: string[];
}

/**
 * Reads the built-in templates and those of `<workspace>/templates/` (parsed, not linked: the
 * catalog needs only what is written). A workspace template replaces a built-in of its name.
 */
export async function readTemplateCatalog(services: FlowServiceSet, workspaceDir: string): Promise<TemplateCatalog> {
    const warnings: string[] = [];
    const builtins = BUILTIN_TEMPLATE_FILES.flatMap(({ name, text }) =>
        templatesOf(parseFlowText(services, text, URI.parse(`flow-builtin:///templates/${name}.flow`)), services));

    const files = await readTemplateFiles(workspaceDir);
    const workspace: Template[] = [];
    for (const file of files) {
        const document = parseFlowText(services, file.text, URI.file(file.file));
        for (const workflow of workflowsOf(document)) {
            if (!workflow.template) {
                warnings.push(`${displayPath(file.file)}:${lineOf(workflow)}: workflow ${workflow.name} is not a template, so it is not listed; ` +
                    `declare it as \`template workflow ${workflow.name}\` to make it one.`);
            }
        }
        for (const template of templatesOf(document, services, file)) {
            const earlier = workspace.find(candidate => candidate.name === template.name);
            if (earlier) {
                warnings.push(`${displayPath(file.file)}:${template.line}: template ${template.name} is also declared in ` +
                    `${displayPath(earlier.file!.file)}:${earlier.line}, which is the one used; rename one of them.`);
                continue;
            }
            template.replacesBuiltin = builtins.some(builtin => builtin.name === template.name);
            workspace.push(template);
        }
    }
    const templates = [...workspace, ...builtins.filter(builtin => !workspace.some(template => template.name === builtin.name))];
    templates.sort((a, b) => a.name.localeCompare(b.name));
    return { templates, files, warnings };
}

/** The diagnostics of a workspace template's file that concern the template's declaration. */
export function templateProblems<T extends { range: { start: { line: number } } }>(template: Template, fileDiagnostics: readonly T[]): T[] {
    return fileDiagnostics.filter(diagnostic => diagnostic.range.start.line >= template.line && diagnostic.range.start.line <= template.endLine);
}

/** The template of that name, or a CliError listing the ones there are. */
export function findTemplate(catalog: TemplateCatalog, name: string): Template {
    const template = catalog.templates.find(candidate => candidate.name === name);
    if (template) return template;
    throw new CliError(`unknown template "${name}". The templates are ${catalog.templates.map(candidate => candidate.name).join(', ')} ` +
        '(flowctl template list shows them with their parameters).');
}

async function readTemplateFiles(workspaceDir: string): Promise<FlowText[]> {
    const folder = templatesFolder(workspaceDir);
    const stats = await fs.stat(folder).catch(() => undefined);
    if (!stats?.isDirectory()) return [];
    const files: FlowText[] = [];
    for (const file of await findFlowFiles(folder)) files.push({ file, text: await readTextFile(file) });
    return files;
}

function workflowsOf(document: LangiumDocument): ast.Workflow[] {
    return (document.parseResult.value as ast.FlowFile).elements?.filter(ast.isWorkflow) ?? [];
}

function templatesOf(document: LangiumDocument, services: FlowServiceSet, file?: FlowText): Template[] {
    return workflowsOf(document).filter(workflow => workflow.template && workflow.name).map(workflow => ({
        name: workflow.name,
        file,
        replacesBuiltin: false,
        description: docComment(services, workflow),
        params: (workflow.members ?? []).filter(ast.isParam).filter(param => param.name && param.type).map(param => templateParam(services, param)),
        node: workflow,
        line: lineOf(workflow),
        endLine: (workflow.$cstNode?.range.end.line ?? 0) + 1
    }));
}

/** A parameter's declared type, as the model describes it. */
export function paramType(param: ast.Param): ParamType {
    return ast.isEnumType(param.type)
        ? { kind: 'enum', values: [...param.type.values] }
        : { kind: (param.type as ast.PrimitiveType).primitive };
}

function templateParam(services: FlowServiceSet, param: ast.Param): TemplateParam {
    const type = paramType(param);
    return {
        name: param.name,
        typeText: oneLine(param.type.$cstNode?.text ?? type.kind),
        type,
        defaultText: param.default?.$cstNode ? oneLine(param.default.$cstNode.text) : undefined,
        description: docComment(services, param),
        node: param
    };
}

/** The text of a declaration's `/** ... *\/` comment, without the comment's markers. */
function docComment(services: FlowServiceSet, node: ast.Workflow | ast.Param): string | undefined {
    const comment = services.Flow.documentation.CommentProvider.getComment(node);
    if (!comment?.startsWith('/**')) return undefined;
    const text = comment.replace(/^\/\*\*/, '').replace(/\*\/$/, '')
        .split(/\r?\n/).map(line => line.replace(/^\s*\* ?/, '').trim())
        .join('\n').trim();
    return text.length > 0 ? text : undefined;
}

function lineOf(node: ast.Workflow): number {
    return (node.$cstNode?.range.start.line ?? 0) + 1;
}

function oneLine(text: string): string {
    return text.replace(/\s+/g, ' ').trim();
}
