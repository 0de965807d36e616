import { promises as fs } from 'node:fs';
import { CliError } from './cli-error.js';
import { displayPath } from './input-files.js';

/**
 * Writes a command's output file. With `overwrite` false an existing file is left alone and the
 * user is told how to replace it; the check and the write are one step (`wx`), so a file
 * created in between is not clobbered either.
 */
export async function writeOutputFile(file: string, text: string, overwrite: boolean): Promise<void> {
    try {
        await fs.writeFile(file, text, { encoding: 'utf8', flag: overwrite ? 'w' : 'wx' });
    } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        const reason = code === 'EEXIST' ? 'the file already exists; pass --force to replace it, or choose another file with -o'
            : code === 'ENOENT' ? 'its folder does not exist'
            : code === 'EACCES' || code === 'EPERM' ? 'permission denied'
            : code === 'EISDIR' ? 'it is a directory'
            : (error as Error).message;
        throw new CliError(`${displayPath(file)}: cannot write the output (${reason}).`);
    }
}
