import { afterEach, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** The repository root. */
export const repositoryRoot = join(import.meta.dirname, '..', '..', '..');
/** The launcher users run; it loads dist/flowctl.cjs. */
const launcher = join(repositoryRoot, 'packages', 'cli', 'bin', 'flowctl.cjs');

export interface FlowctlResult {
    status: number | null;
    stdout: string;
    stderr: string;
}

/**
 * Builds dist/ when it is missing (the suite's `pretest` normally has built it already), so a CLI
 * test file can also be run on its own in a fresh checkout.
 */
export function ensureBuilt(): void {
    if (existsSync(join(repositoryRoot, 'dist', 'flowctl.cjs'))) return;
    const build = spawnSync('npm', ['run', 'build'], { cwd: repositoryRoot, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);
}

/** Runs the real flowctl binary, as a user would, and waits for it. */
export function flowctl(args: string[], cwd: string, env: Record<string, string> = {}): FlowctlResult {
    const result = spawnSync(process.execPath, [launcher, ...args], {
        cwd,
        encoding: 'utf8',
        env: { ...process.env, FLOW_DEBUG: '', ...env },
        timeout: 60_000
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A temporary folder filled with the given files (paths relative to it). */
export function temporaryWorkspace(files: Record<string, string>): { dir: string; remove: () => void } {
    const dir = mkdtempSync(join(tmpdir(), 'flowctl-test-'));
    for (const [file, text] of Object.entries(files)) {
        const target = join(dir, file);
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, text);
    }
    return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** True if the text contains a JavaScript stack frame. */
export function hasStackTrace(text: string): boolean {
    return /^\s+at .+:\d+:\d+\)?$/m.test(text);
}

/**
 * For a test file: builds dist/ once before its tests (see `ensureBuilt`), and returns a
 * function that makes a temporary workspace with the given files, removed after each test.
 */
export function useWorkspaces(): (files: Record<string, string>) => string {
    let created: Array<() => void> = [];
    beforeAll(() => ensureBuilt(), 300_000);
    afterEach(() => {
        for (const remove of created) remove();
        created = [];
    });
    return files => {
        const { dir, remove } = temporaryWorkspace(files);
        created.push(remove);
        return dir;
    };
}
