import type { WorkflowModel } from '@flow/model';
import { ImportError, importSeedJsonWithNotes, parseJsonPath, type ImportNote, type WorkspaceDeclarations } from '@flow/language';
import { type CliDiagnostic, type CliPosition } from './diagnostics.js';
import { displayPath, JsonSyntaxError, lineAndColumn, parseJson, readTextFile } from './input-files.js';

/** A seed JSON workflow read and imported, with what went wrong on the way. */
export interface SeedWorkflow {
    /** The imported model; absent when the file has errors. */
    model?: WorkflowModel;
    /** Syntax and import errors, and notes on settings Flow honours differently or not at all. */
    diagnostics: CliDiagnostic[];
}

/** Diagnostic codes of seed files, in the `[flow/...]` scheme of `.flow` diagnostics. */
export const SeedCodes = {
    InvalidJson: 'flow/invalid-json',
    /** Something the importer cannot turn into a model faithfully. */
    ImportError: 'flow/seed-import',
    /** A setting without effect in Flow, or one Flow honours without a setting of its own. */
    ImportNote: 'flow/seed-note'
} as const;

/**
 * Reads, parses and imports a seed `.json` workflow. JSON syntax errors, import errors and the
 * importer's notes become diagnostics at the line and column of the JSON path they concern.
 * `workspace` holds the root-level declarations (agents, pools, ...) of the `.flow` files around
 * the file, which the seed format names but does not define. Throws CliError for an unreadable file.
 */
export async function loadSeedWorkflow(file: string, workspace?: WorkspaceDeclarations): Promise<SeedWorkflow> {
    const text = await readTextFile(file);
    const shown = displayPath(file);
    let json: unknown;
    try {
        json = parseJson(text, file);
    } catch (error) {
        if (!(error instanceof JsonSyntaxError)) throw error;
        const position = { line: error.line, column: error.column };
        return { diagnostics: [diagnostic(shown, position, 'error', SeedCodes.InvalidJson, `invalid JSON: ${error.reason}`)] };
    }
    try {
        const { model, notes } = importSeedJsonWithNotes(json, file, { workspace });
        return { model, diagnostics: notes.map(note => noteDiagnostic(text, shown, note)) };
    } catch (error) {
        if (!(error instanceof ImportError)) throw error;
        const position = positionOfPath(text, error.path);
        const where = error.path || '(top level)';
        return { diagnostics: [diagnostic(shown, position, 'error', SeedCodes.ImportError, `${where}: ${error.problem}`)] };
    }
}

function noteDiagnostic(text: string, file: string, note: ImportNote): CliDiagnostic {
    return diagnostic(file, positionOfPath(text, note.path), note.severity, SeedCodes.ImportNote, `${note.path}: ${note.message}`);
}

function diagnostic(file: string, position: CliPosition, severity: CliDiagnostic['severity'], code: string, message: string): CliDiagnostic {
    return { file, severity, code, message, range: { start: position, end: position } };
}

/** The 1-based position of what a JSON path (as the importer writes it) names in the file's text. */
export function positionOfPath(text: string, path: string): CliPosition {
    return lineAndColumn(text, jsonPathOffset(text, parseJsonPath(path)));
}

/**
 * The offset in `text` (valid JSON) of the member or element at `path`: of its key for an object
 * member, else of its value. A path that leads further than the text goes gives the deepest
 * place it reaches. Iterative, so that deeply nested input cannot overflow the stack.
 */
export function jsonPathOffset(text: string, path: ReadonlyArray<string | number>): number {
    let offset = 0;
    const skipWhitespace = () => {
        while (offset < text.length && ' \t\n\r'.includes(text[offset])) offset++;
    };
    const skipString = () => {
        offset++;
        while (offset < text.length && text[offset] !== '"') offset += text[offset] === '\\' ? 2 : 1;
        offset++;
    };
    /** Open containers: whether the path runs through them, and how many steps of it lead there. */
    const stack: Array<{ array: boolean; index: number; onPath: boolean; depth: number }> = [];
    let best = 0;
    // The value about to be read: whether the path leads to it, at which step, and where its key is.
    let onPath = true;
    let depth = 0;
    let keyOffset = -1;

    /** Moves to the next member of the innermost container, reading its key. */
    const enterMember = () => {
        const frame = stack[stack.length - 1];
        skipWhitespace();
        let step: string | number = frame.index;
        keyOffset = -1;
        if (!frame.array) {
            keyOffset = offset;
            const start = offset;
            skipString();
            step = JSON.parse(text.slice(start, offset)) as string;
            skipWhitespace();
            offset++; // the colon
        }
        onPath = frame.onPath && frame.depth < path.length && path[frame.depth] === step;
        depth = frame.depth + 1;
    };

    for (;;) {
        skipWhitespace();
        if (onPath) {
            best = keyOffset >= 0 ? keyOffset : offset;
            if (depth === path.length) return best;
        }
        const char = text[offset];
        let opened = false;
        if (char === '{' || char === '[') {
            offset++;
            skipWhitespace();
            if (text[offset] === (char === '{' ? '}' : ']')) {
                offset++;
            } else {
                stack.push({ array: char === '[', index: 0, onPath, depth });
                enterMember();
                opened = true;
            }
        } else if (char === '"') {
            skipString();
        } else {
            while (offset < text.length && !',]} \t\n\r'.includes(text[offset])) offset++;
        }
        if (opened) continue;
        // After a value: go on with the next member, closing the containers that end here.
        for (;;) {
            const frame = stack[stack.length - 1];
            if (!frame) return best;
            skipWhitespace();
            if (offset >= text.length) return best;
            if (text[offset] === ',') {
                offset++;
                frame.index++;
                enterMember();
                break;
            }
            offset++;
            stack.pop();
        }
    }
}
