import * as path from 'node:path';

/**
 * Where flowctl keeps what it writes (the run store and attempt logs): `--state-dir`, else
 * `FLOW_STATE_DIR`, else `.flow/` in the workspace folder. Relative paths start from the
 * current directory.
 */
export function resolveStateDir(option: string | undefined, workspaceDir: string): string {
    const given = option ?? process.env.FLOW_STATE_DIR;
    if (given !== undefined && given !== '') return path.resolve(given);
    return path.join(workspaceDir, '.flow');
}
