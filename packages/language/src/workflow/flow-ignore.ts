import { matchesGlob } from 'node:path';

/** The file, at the root of a workspace, that lists folders and files its scans skip. */
export const FLOW_IGNORE_FILE = '.flowignore';

/**
 * What a `.flowignore` keeps out of a workspace scan (the language server's workspace and the
 * CLI's): one glob per line, relative to the file's folder, `#` starting a comment. A pattern
 * without a `/` matches a name at any depth (`fixtures`); one with a `/` matches a path from the
 * root (`packages/*\/test`); a trailing `/` limits it to folders. Paths given explicitly (a file
 * on the command line, a document open in the editor) are never skipped.
 */
export class FlowIgnore {
    static readonly EMPTY = new FlowIgnore([]);

    private constructor(private readonly patterns: ReadonlyArray<{ glob: string; anyDepth: boolean; directoryOnly: boolean }>) {}

    static parse(text: string): FlowIgnore {
        const patterns = text.split(/\r?\n/)
            .map(line => line.replace(/(^|\s)#.*$/, '').trim())
            .filter(line => line !== '')
            .map(line => {
                const directoryOnly = line.endsWith('/');
                const glob = line.replace(/^\/+/, '').replace(/\/+$/, '');
                return { glob, anyDepth: !glob.includes('/'), directoryOnly };
            });
        return new FlowIgnore(patterns);
    }

    /** Whether a path (relative to the `.flowignore`'s folder, with `/`) is skipped. */
    ignores(relativePath: string, isDirectory: boolean): boolean {
        const name = relativePath.slice(relativePath.lastIndexOf('/') + 1);
        return this.patterns.some(pattern =>
            (isDirectory || !pattern.directoryOnly)
            && matchesGlob(pattern.anyDepth ? name : relativePath, pattern.glob));
    }
}
