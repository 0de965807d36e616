import * as path from 'node:path';
import { TextDocument, URI, type LangiumDocument } from 'langium';
import type { FlowServiceSet } from '@flow/language';
import { CliError } from '../cli-error.js';
import { findFlowFiles, readTextFile } from '../input-files.js';

/** A `.flow` file's text: what is on disk, or what a command is about to write there. */
export interface FlowText {
    /** Absolute path. */
    file: string;
    text: string;
}

/** How many folders the workspace search visits (as for flowctl validate). */
const MAX_WORKSPACE_FOLDERS = 20_000;

/**
 * Parses a text without adding it to the workspace (no linking): enough to read declarations,
 * parameters and doc comments, and to rewrite the text by its CST offsets. Throws CliError when
 * the parser itself fails (it reports syntax errors as diagnostics instead).
 */
export function parseFlowText(services: FlowServiceSet, text: string, uri: URI): LangiumDocument {
    try {
        return services.shared.workspace.LangiumDocumentFactory.fromString(text, uri);
    } catch (error) {
        // As in workspace-loader.ts: Langium 4.4 leaves its rule stack behind when a parse throws.
        (services.Flow.parser.LangiumParser as unknown as { stack: unknown[] }).stack = [];
        const reason = error instanceof Error ? error.message : String(error);
        throw new CliError(`${uri.fsPath}: the parser could not read this file (${reason}); please report this with the file attached.`);
    }
}

/**
 * Loads every `.flow` file of `workspaceDir` as workspace-loader.ts does, except that `given`
 * supplies the text of some files, which may not exist yet (the file `template apply` or
 * `template create` is about to write) or may be about to be replaced. Everything is linked
 * together, and the given files are validated, as they would be once written. Returns their
 * documents by path.
 */
export async function buildWithTexts(services: FlowServiceSet, workspaceDir: string, given: readonly FlowText[]): Promise<Map<string, LangiumDocument>> {
    const { LangiumDocuments, DocumentBuilder } = services.shared.workspace;
    const documents = new Map<string, LangiumDocument>();
    for (const { file, text } of given) {
        const document = parseFlowText(services, text, URI.file(file));
        LangiumDocuments.addDocument(document);
        documents.set(file, document);
    }
    const others: LangiumDocument[] = [];
    for (const file of await findFlowFiles(workspaceDir, MAX_WORKSPACE_FOLDERS)) {
        if (documents.has(file)) continue;
        try {
            const document = parseFlowText(services, await readTextFile(file), URI.file(file));
            LangiumDocuments.addDocument(document);
            others.push(document);
        } catch (error) {
            // A stray unreadable file elsewhere does not stop the command; its names just do not resolve.
            if (!(error instanceof CliError)) throw error;
            process.stderr.write(`flowctl: warning: skipping ${error.message}\n`);
        }
    }
    await DocumentBuilder.build([...documents.values(), ...others], { validation: false });
    await DocumentBuilder.build([...documents.values()], { validation: true });
    return documents;
}

/** The document's text in Flow's one layout (docs/language.md, "Formatting"). */
export async function formattedText(services: FlowServiceSet, document: LangiumDocument): Promise<string> {
    const formatter = services.Flow.lsp.Formatter;
    if (!formatter) return document.textDocument.getText();
    const edits = await formatter.formatDocument(document, {
        textDocument: { uri: document.uri.toString() },
        options: { tabSize: 2, insertSpaces: true }
    });
    return TextDocument.applyEdits(document.textDocument, edits);
}

/** The templates folder's name, relative to the workspace. */
export const TEMPLATES_FOLDER = 'templates';

/** The workspace's templates folder: where `template list` and `apply` look, and `create` writes. */
export function templatesFolder(workspaceDir: string): string {
    return path.join(workspaceDir, TEMPLATES_FOLDER);
}
