import { promises as fs, type Dirent, type Stats } from 'node:fs';
import * as path from 'node:path';
import { FLOW_IGNORE_FILE, FlowIgnore } from '@flow/language';
import { CliError } from './cli-error.js';

/** The files a command was asked to look at, sorted by kind. */
export interface InputFiles {
    /** Absolute paths of `.flow` files, in the order given (directories expanded, sorted). */
    flowFiles: string[];
    /** Absolute paths of seed `.json` workflows. */
    jsonFiles: string[];
}

/** Shows a path the way the user would type it: relative to the current directory. */
export function displayPath(file: string): string {
    return path.relative(process.cwd(), file) || '.';
}

/**
 * Expands the command-line paths: `.flow` and `.json` files are taken as they are, directories
 * are searched recursively for `.flow` files. Anything else is a user error.
 */
export async function collectInputs(paths: readonly string[]): Promise<InputFiles> {
    const inputs: InputFiles = { flowFiles: [], jsonFiles: [] };
    for (const given of paths) {
        const absolute = path.resolve(given);
        const stats = await statOrThrow(absolute);
        if (stats.isDirectory()) {
            const found = await findFlowFiles(absolute);
            if (found.length === 0) {
                throw new CliError(`${displayPath(absolute)}: the directory contains no .flow files ` +
                    '(node_modules and folders starting with "." are skipped). Pass a directory with .flow files, or the files themselves.');
            }
            inputs.flowFiles.push(...found);
        } else if (absolute.endsWith('.flow')) {
            inputs.flowFiles.push(absolute);
        } else if (absolute.endsWith('.json')) {
            inputs.jsonFiles.push(absolute);
        } else {
            throw new CliError(`${displayPath(absolute)}: unknown file type. ` +
                'flowctl reads .flow workflows, seed .json workflows and directories of .flow files.');
        }
    }
    return { flowFiles: unique(inputs.flowFiles), jsonFiles: unique(inputs.jsonFiles) };
}

/**
 * Every `.flow` file under `directory`, skipping node_modules, dot-folders and what the
 * directory's `.flowignore` lists, sorted. `maxDirectories` stops a search that was started
 * somewhere too big (a home folder, `/`).
 */
export async function findFlowFiles(directory: string, maxDirectories = Infinity): Promise<string[]> {
    const ignore = await readFlowIgnore(directory);
    const skipped = (entryPath: string, isDirectory: boolean) =>
        ignore.ignores(path.relative(directory, entryPath).split(path.sep).join('/'), isDirectory);
    const found: string[] = [];
    // An explicit stack instead of recursion: deep trees must not overflow the call stack.
    const pending = [directory];
    let visited = 0;
    while (pending.length > 0) {
        const current = pending.pop()!;
        if (++visited > maxDirectories) {
            throw new CliError(`${displayPath(directory)}: more than ${maxDirectories} folders to search for .flow files. ` +
                'Run flowctl from your project folder, or name it with --workspace <dir>.');
        }
        let entries: Dirent[];
        try {
            entries = await fs.readdir(current, { withFileTypes: true });
        } catch (error) {
            throw new CliError(`${displayPath(current)}: cannot list the directory (${describeFsError(error)}).`);
        }
        for (const entry of entries) {
            const entryPath = path.join(current, entry.name);
            if (entry.isDirectory()) {
                if (entry.name !== 'node_modules' && !entry.name.startsWith('.') && !skipped(entryPath, true)) pending.push(entryPath);
            } else if (entry.name.endsWith('.flow') && (entry.isFile() || entry.isSymbolicLink()) && !skipped(entryPath, false)) {
                found.push(entryPath);
            }
        }
    }
    return found.sort();
}

async function readFlowIgnore(directory: string): Promise<FlowIgnore> {
    const file = path.join(directory, FLOW_IGNORE_FILE);
    let text: string;
    try {
        text = await fs.readFile(file, 'utf8');
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return FlowIgnore.EMPTY;
        throw new CliError(`${displayPath(file)}: cannot read the file (${describeFsError(error)}).`);
    }
    return FlowIgnore.parse(text);
}

/** Reads a text file, turning file-system errors into messages that name the file. */
export async function readTextFile(file: string): Promise<string> {
    try {
        return await fs.readFile(file, 'utf8');
    } catch (error) {
        throw new CliError(`${displayPath(file)}: cannot read the file (${describeFsError(error)}).`);
    }
}

/** A JSON syntax error with the 1-based line and column where the parser stopped. */
export class JsonSyntaxError extends Error {
    constructor(readonly file: string, readonly line: number, readonly column: number, readonly reason: string) {
        super(`${displayPath(file)}:${line}:${column}: invalid JSON: ${reason}`);
        this.name = 'JsonSyntaxError';
    }
}

/** Parses JSON text; a syntax error is reported with its line and column. */
export function parseJson(text: string, file: string): unknown {
    try {
        return JSON.parse(text);
    } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        // V8 gives a position for some errors only ("Unexpected token '}', "..." is not valid
        // JSON" has none), so the position comes from our own scan, and V8 supplies the reason.
        const { line, column } = lineAndColumn(text, jsonErrorOffset(text));
        const reason = message
            // V8 quotes the text, shortened with "..." on either side when it is long.
            .replace(/, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, '')
            .replace(/ in JSON at position \d+.*$/s, '');
        throw new JsonSyntaxError(file, line, column, reason);
    }
}

/**
 * The offset of the first JSON syntax error in `text` (its length if the text ends too early).
 * Iterative, so that deeply nested input cannot overflow the stack.
 */
export function jsonErrorOffset(text: string): number {
    const containers: Array<'object' | 'array'> = [];
    let offset = 0;
    const skipWhitespace = () => {
        while (offset < text.length && ' \t\n\r'.includes(text[offset])) offset++;
    };
    /** Scans a string at `offset`; returns false (leaving `offset` at the fault) if it is malformed. */
    const scanString = (): boolean => {
        if (text[offset] !== '"') return false;
        offset++;
        while (offset < text.length) {
            const char = text[offset];
            if (char === '"') { offset++; return true; }
            if (char < ' ') return false;
            if (char === '\\') {
                const escape = text[offset + 1];
                if (escape === 'u') {
                    if (!/^[0-9a-fA-F]{4}$/.test(text.slice(offset + 2, offset + 6))) { offset += 2; return false; }
                    offset += 6;
                } else if (escape !== undefined && '"\\/bfnrt'.includes(escape)) {
                    offset += 2;
                } else {
                    offset++;
                    return false;
                }
            } else {
                offset++;
            }
        }
        return false;
    };
    /** Scans an object key and its colon; false at a fault. */
    const scanKey = (): boolean => {
        skipWhitespace();
        if (!scanString()) return false;
        skipWhitespace();
        if (text[offset] !== ':') return false;
        offset++;
        return true;
    };
    let expectingValue = true;
    for (;;) {
        skipWhitespace();
        if (expectingValue) {
            const char = text[offset];
            if (char === '{' || char === '[') {
                offset++;
                skipWhitespace();
                if (text[offset] === (char === '{' ? '}' : ']')) {
                    offset++;
                    expectingValue = false;
                } else if (char === '{') {
                    containers.push('object');
                    if (!scanKey()) return offset;
                } else {
                    containers.push('array');
                }
                continue;
            }
            if (char === '"') {
                if (!scanString()) return offset;
            } else if (char !== undefined && /[-0-9]/.test(char)) {
                const number = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?/y;
                number.lastIndex = offset;
                const match = number.exec(text);
                if (!match || match[0] === '-') return offset + (match?.[0].length ?? 0);
                offset += match[0].length;
            } else {
                const literal = ['true', 'false', 'null'].find(word => word[0] === char);
                if (!literal) return offset;
                for (const expected of literal) {
                    if (text[offset] !== expected) return offset;
                    offset++;
                }
            }
            expectingValue = false;
            continue;
        }
        const container = containers.at(-1);
        if (container === undefined) return offset < text.length ? offset : -1;
        const char = text[offset];
        if (char === ',') {
            offset++;
            if (container === 'object' && !scanKey()) return offset;
            expectingValue = true;
        } else if (char === (container === 'object' ? '}' : ']')) {
            offset++;
            containers.pop();
        } else {
            return offset;
        }
    }
}

/** 1-based line and column of a character offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
    const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
    const lineStart = before.lastIndexOf('\n') + 1;
    return { line: before.split('\n').length, column: before.length - lineStart + 1 };
}

async function statOrThrow(file: string): Promise<Stats> {
    try {
        return await fs.stat(file);
    } catch (error) {
        throw new CliError(`${displayPath(file)}: ${describeFsError(error)}. Check the path.`);
    }
}

function describeFsError(error: unknown): string {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    switch (code) {
        case 'ENOENT': return 'no such file or directory';
        case 'EACCES':
        case 'EPERM': return 'permission denied';
        case 'EISDIR': return 'it is a directory';
        case 'ENOTDIR': return 'a part of the path is not a directory';
        case 'ELOOP': return 'too many symbolic links';
        default: return error instanceof Error ? error.message : String(error);
    }
}

function unique(files: string[]): string[] {
    return [...new Set(files)];
}
