import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import { URI, type LangiumDocument } from 'langium';
import type { Algorithm, WorkflowModel } from '@flow/model';
import {
    CompileError, FLOW_IGNORE_FILE, FlowIgnore, ast, compileWorkflow, createFlowServicesWithBuiltins, type FlowServiceSet
} from '@flow/language';

/** A `.flow` file as the editor sees it: the text of its open document, else of the file on disk. */
export interface FlowSource {
    /** Absolute file system path. */
    path: string;
    /** The text, when the editor has it (an open, possibly unsaved document); else it is read from disk. */
    text?: string;
}

/** A problem in a file, 1-based as editors print positions. */
export interface WorkflowProblem {
    file: string;
    line: number;
    column: number;
    message: string;
    /** The diagnostic's stable code (`flow/dependency-cycle`), when it has one. */
    code?: string;
}

export type CompileOutcome =
    | { kind: 'compiled'; model: WorkflowModel }
    /** The file has errors (the same ones the language server shows); nothing may run. */
    | { kind: 'problems'; problems: WorkflowProblem[] }
    /** The file declares several runnable workflows and none was named: ask which. */
    | { kind: 'choose'; workflows: string[] }
    /** Nothing in the file can run (no workflow, only templates, or no workflow of the given name). */
    | { kind: 'not-runnable'; message: string };

export interface CompileRequest {
    target: FlowSource;
    /** The folder whose `.flow` files supply shared agents, types, pools and templates. */
    workspaceDir: string;
    /** The workspace's other `.flow` files (its `.flowignore` is applied here). */
    workspaceFiles: readonly FlowSource[];
    /** Which workflow of the file to compile, when it declares several. */
    workflow?: string;
    /** The scheduling algorithm of a workflow that declares none (`flow.scheduling.algorithm`). @default the language's */
    defaultAlgorithm?: Algorithm;
    /** Compile a template too (its model has `template: true`), for showing a model that will not run. @default false */
    allowTemplate?: boolean;
}

/**
 * Compiles the workflow of a `.flow` file the way `flowctl run` does: every `.flow` file of the
 * workspace is parsed and linked (so that cross-file references resolve), only the target is
 * validated, and a model is made only when the target has no errors.
 */
export async function compileWorkflowFile(request: CompileRequest): Promise<CompileOutcome> {
    const services = await createFlowServicesWithBuiltins();
    const { LangiumDocuments, DocumentBuilder } = services.shared.workspace;

    const targetText = request.target.text ?? await fs.readFile(request.target.path, 'utf8');
    const parsed = parse(services, targetText, request.target.path);
    if ('problem' in parsed) return { kind: 'problems', problems: [parsed.problem] };
    const target = parsed.document;
    LangiumDocuments.addDocument(target);

    const ignore = await readFlowIgnore(request.workspaceDir);
    const others: LangiumDocument[] = [];
    for (const source of request.workspaceFiles) {
        if (source.path === request.target.path || isIgnored(ignore, request.workspaceDir, source.path)) continue;
        // A file that cannot be read or parsed only means its names do not resolve; the target's
        // diagnostics then say which ones.
        const text = source.text ?? await fs.readFile(source.path, 'utf8').catch(() => undefined);
        if (text === undefined) continue;
        const other = parse(services, text, source.path);
        if ('document' in other) {
            LangiumDocuments.addDocument(other.document);
            others.push(other.document);
        }
    }
    await DocumentBuilder.build([target, ...others], { validation: false });
    await DocumentBuilder.build([target], { validation: true });

    const problems = (target.diagnostics ?? [])
        .filter(diagnostic => diagnostic.severity === 1)
        .map(diagnostic => ({
            file: request.target.path,
            line: diagnostic.range.start.line + 1,
            column: diagnostic.range.start.character + 1,
            message: typeof diagnostic.message === 'string' ? diagnostic.message : diagnostic.message.value,
            code: diagnostic.code === undefined ? undefined : String(diagnostic.code)
        }));
    if (problems.length > 0) return { kind: 'problems', problems };

    const workflows = (target.parseResult.value as ast.FlowFile).elements.filter(ast.isWorkflow);
    const chosen = chooseWorkflow(workflows, request.workflow, request.allowTemplate === true);
    if (!('workflow' in chosen)) return chosen;
    try {
        const model = compileWorkflow(chosen.workflow, services.Flow);
        if (request.defaultAlgorithm !== undefined && !declaresAlgorithm(chosen.workflow)) model.policies.scheduling.algorithm = request.defaultAlgorithm;
        return { kind: 'compiled', model };
    } catch (error) {
        // The validator accepted the file, so this is a rule only the compiler knows.
        if (!(error instanceof CompileError)) throw error;
        return {
            kind: 'problems',
            problems: [{
                file: error.source?.file ?? request.target.path, line: error.source?.line ?? 1,
                column: error.source?.column ?? 1, message: error.problem, code: 'flow/compile-error'
            }]
        };
    }
}

/** Whether the workflow, or a template it is made from, says `schedule { algorithm ... }`. */
function declaresAlgorithm(workflow: ast.Workflow): boolean {
    const seen = new Set<ast.Workflow>();
    for (let current: ast.Workflow | undefined = workflow; current && !seen.has(current); current = current.base?.ref) {
        seen.add(current);
        if (current.members.some(member => ast.isSchedulePolicy(member) && member.members.some(ast.isScheduleAlgorithm))) return true;
    }
    return false;
}

function chooseWorkflow(workflows: ast.Workflow[], name: string | undefined, allowTemplate: boolean): { workflow: ast.Workflow } | Exclude<CompileOutcome, { kind: 'compiled' | 'problems' }> {
    if (name !== undefined) {
        const named = workflows.find(workflow => workflow.name === name);
        if (!named) return { kind: 'not-runnable', message: `the file declares no workflow named ${name}.` };
        if (named.template && !allowTemplate) return { kind: 'not-runnable', message: templateMessage(named) };
        return { workflow: named };
    }
    const runnable = workflows.filter(workflow => !workflow.template || allowTemplate);
    if (runnable.length === 1) return { workflow: runnable[0] };
    if (runnable.length > 1) return { kind: 'choose', workflows: runnable.map(workflow => workflow.name) };
    if (workflows.length > 0) return { kind: 'not-runnable', message: templateMessage(workflows[0]) };
    return {
        kind: 'not-runnable',
        message: 'the file declares no workflow, only shared declarations (agents, pools, types, notifications). ' +
            'Open a file with a `workflow Name { ... }` and run that.'
    };
}

function templateMessage(template: ast.Workflow): string {
    return `${template.name} is a template, which is not run directly. Instantiate it in a workflow ` +
        `(\`workflow my_${template.name} from ${template.name}(...)\`) and run that one.`;
}

/**
 * Langium's parser reports syntax errors as diagnostics but throws when the input nests too
 * deeply for its recursive descent; that becomes a problem instead of a failed command.
 */
function parse(services: FlowServiceSet, text: string, file: string): { document: LangiumDocument } | { problem: WorkflowProblem } {
    try {
        return { document: services.shared.workspace.LangiumDocumentFactory.fromString(text, URI.file(file)) };
    } catch (error) {
        // Langium 4.4 does not clear its rule stack when a parse throws; the next parse would fail.
        (services.Flow.parser.LangiumParser as unknown as { stack: unknown[] }).stack = [];
        const reason = error instanceof Error ? error.message : String(error);
        return {
            problem: {
                file, line: 1, column: 1, code: 'flow/syntax-error',
                message: `the parser could not read this file (${reason}); nest brackets, parentheses and not/- chains less deeply.`
            }
        };
    }
}

async function readFlowIgnore(workspaceDir: string): Promise<FlowIgnore> {
    const text = await fs.readFile(path.join(workspaceDir, FLOW_IGNORE_FILE), 'utf8').catch(() => undefined);
    return text === undefined ? FlowIgnore.EMPTY : FlowIgnore.parse(text);
}

/** Whether `.flowignore` keeps a file out, tested on the file and on each folder above it. */
function isIgnored(ignore: FlowIgnore, workspaceDir: string, file: string): boolean {
    const relative = path.relative(workspaceDir, file).split(path.sep).join('/');
    if (relative.startsWith('..')) return false;
    const parts = relative.split('/');
    for (let depth = 1; depth < parts.length; depth++) {
        if (ignore.ignores(parts.slice(0, depth).join('/'), true)) return true;
    }
    return ignore.ignores(relative, false);
}
