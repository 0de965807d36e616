import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { URI, type LangiumDocument } from 'langium';
import { createFlowServicesWithBuiltins, type FlowServiceSet } from '@flow/language';
import { CliError } from './cli-error.js';
import { documentDiagnostics, type CliDiagnostic } from './diagnostics.js';
import { displayPath, findFlowFiles, readTextFile } from './input-files.js';

/** A target file: its built document, or the reason the parser could not build one. */
export interface TargetFile {
    document?: LangiumDocument;
    /** Set when the parser itself failed (it threw instead of reporting syntax errors). */
    parseFailure?: CliDiagnostic;
}

/** A workspace whose `.flow` files are parsed and linked, with the targets validated. */
export interface LoadedWorkspace {
    services: FlowServiceSet;
    /** The folder whose `.flow` files were loaded for cross-file references. */
    workspaceDir: string;
    /** The target files, by absolute path, in the order given. */
    targets: Map<string, TargetFile>;
}

/** Every diagnostic of a target file, including a parser failure. */
export function targetDiagnostics(file: string, target: TargetFile): CliDiagnostic[] {
    return target.document ? documentDiagnostics(target.document, file) : [target.parseFailure!];
}

/** How many folders the workspace search visits before asking the user to narrow it. */
const MAX_WORKSPACE_FOLDERS = 20_000;

/**
 * The workspace folder: `--workspace` if given; else the current directory when every path lies
 * inside it (the usual case: running flowctl in a project), else the folder of the first path.
 */
export async function resolveWorkspaceDir(option: string | undefined, paths: readonly string[]): Promise<string> {
    if (option !== undefined) {
        const absolute = path.resolve(option);
        if (!(await isDirectory(absolute))) {
            throw new CliError(`--workspace ${option}: not a directory. Give the folder that holds the workflow's .flow files.`);
        }
        return absolute;
    }
    const cwd = process.cwd();
    const absolutePaths = paths.map(given => path.resolve(given));
    const inside = (file: string) => {
        const relative = path.relative(cwd, file);
        return !relative.startsWith('..') && !path.isAbsolute(relative);
    };
    if (absolutePaths.every(inside)) return cwd;
    return (await isDirectory(absolutePaths[0])) ? absolutePaths[0] : path.dirname(absolutePaths[0]);
}

async function isDirectory(file: string): Promise<boolean> {
    return (await fs.stat(file).catch(() => undefined))?.isDirectory() ?? false;
}

/**
 * Loads every `.flow` file of `workspaceDir` (so that agents, types, pools and templates of other
 * files resolve) plus the targets, links them all, and validates the targets only.
 */
export async function loadWorkspace(workspaceDir: string, targetFiles: readonly string[]): Promise<LoadedWorkspace> {
    const services = await createFlowServicesWithBuiltins();
    const { LangiumDocuments, DocumentBuilder } = services.shared.workspace;

    const targets = new Map<string, TargetFile>();
    for (const file of targetFiles) {
        const target = parseFile(services, await readTextFile(file), file);
        if (target.document) LangiumDocuments.addDocument(target.document);
        targets.set(file, target);
    }
    const others: LangiumDocument[] = [];
    for (const file of await findFlowFiles(workspaceDir, MAX_WORKSPACE_FOLDERS)) {
        if (targets.has(file)) continue;
        let text: string;
        try {
            text = await readTextFile(file);
        } catch (error) {
            // A stray unreadable file elsewhere in the workspace should not stop the check of the
            // files the user asked about; its names just do not resolve.
            process.stderr.write(`flowctl: warning: skipping ${(error as Error).message}\n`);
            continue;
        }
        const { document } = parseFile(services, text, file);
        if (document) {
            LangiumDocuments.addDocument(document);
            others.push(document);
        }
    }

    // Index and link everything first, so that references between any two files resolve;
    // then validate only what will be reported.
    const targetDocuments = [...targets.values()].flatMap(target => target.document ? [target.document] : []);
    await DocumentBuilder.build([...targetDocuments, ...others], { validation: false });
    await DocumentBuilder.build(targetDocuments, { validation: true });
    return { services, workspaceDir, targets };
}

/**
 * Parses a file. Langium's parser reports syntax errors as diagnostics (and the lexer ends the
 * token stream where nesting gets too deep for its recursive descent), so a throw here is a
 * parser failure nobody foresaw: it becomes a diagnostic for this file, and the others go on.
 */
function parseFile(services: FlowServiceSet, text: string, file: string): TargetFile {
    try {
        return { document: services.shared.workspace.LangiumDocumentFactory.fromString(text, URI.file(file)) };
    } catch (error) {
        // Langium 4.4 does not clear its rule stack when a parse throws, so the next parse would
        // fail with "Parser stack is not empty"; clear it here.
        (services.Flow.parser.LangiumParser as unknown as { stack: unknown[] }).stack = [];
        const reason = error instanceof Error ? error.message : String(error);
        const position = { line: 1, column: 1 };
        return {
            parseFailure: {
                file: displayPath(file),
                severity: 'error',
                code: 'flow/syntax-error',
                message: `the parser could not read this file (${reason}); please report this with the file attached.`,
                range: { start: position, end: position }
            }
        };
    }
}
