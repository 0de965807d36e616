/**
 * One writer per state directory: a lock file holding the writer's pid. It is created by
 * hard-linking a finished temporary file to the lock's name, which fails if the lock exists, so
 * the lock file is never seen half-written. A lock whose process is gone is taken over.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, linkSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { StoreError } from './errors.js';
import { syncDirectory } from './journal.js';

export interface LockInfo {
    pid: number;
    /** Unique to one opening of the store: runs record it to tell whether their writer is still there. */
    token: string;
    host: string;
    /** When the lock was taken, ms since the epoch. */
    since: number;
    /** The process's start time from /proc (Linux), so a reused pid is not taken for the holder. */
    processStart?: string;
}

const POLL_MS = 50;

export class StoreLock {
    private released = false;

    constructor(readonly file: string, readonly info: LockInfo) {}

    get token(): string {
        return this.info.token;
    }

    release(): void {
        if (this.released) return;
        this.released = true;
        // Never remove a lock that another process has (rightly) taken over since.
        if (readLock(this.file)?.token === this.info.token) unlinkSync(this.file);
    }
}

/**
 * Takes the lock, waiting up to `waitMs` for a live holder to let go.
 * @param stateDir named in the message when the wait is over.
 */
export async function acquireLock(file: string, waitMs: number, stateDir: string): Promise<StoreLock> {
    const info: LockInfo = {
        pid: process.pid,
        token: `${process.pid}-${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`,
        host: hostname(),
        since: Date.now(),
        processStart: processStart(process.pid)
    };
    const started = Date.now();
    for (;;) {
        if (tryCreate(file, info)) return new StoreLock(file, info);
        const holder = readLock(file);
        if (holder === undefined && !existsSync(file)) {
            // Released between our attempt and the read: try again at once.
            continue;
        }
        if (holder !== undefined && !isAlive(holder)) {
            takeOver(file, holder);
            continue;
        }
        const waited = Date.now() - started;
        if (waited >= waitMs) throw holder ? busy(file, holder, waitMs, stateDir) : unreadable(file, stateDir);
        await new Promise(resolve => setTimeout(resolve, Math.min(POLL_MS, waitMs - waited)));
    }
}

/** The lock's holder, or undefined when there is no lock file (or it cannot be read). */
export function readLock(file: string): LockInfo | undefined {
    try {
        const info = JSON.parse(readFileSync(file, 'utf8')) as LockInfo;
        return typeof info.pid === 'number' && typeof info.token === 'string' ? info : undefined;
    } catch {
        return undefined;
    }
}

/** True unless the holder's process is known to be gone. A holder on another host counts as alive. */
export function isAlive(holder: LockInfo): boolean {
    if (holder.host !== hostname()) return true;
    try {
        process.kill(holder.pid, 0);
    } catch (error) {
        // EPERM: the process exists but belongs to someone else.
        if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    }
    const start = processStart(holder.pid);
    return holder.processStart === undefined || start === undefined || start === holder.processStart;
}

function tryCreate(file: string, info: LockInfo): boolean {
    const temporary = join(dirname(file), `.${basename(file)}.${info.token}`);
    writeDurably(temporary, JSON.stringify(info) + '\n');
    try {
        linkSync(temporary, file);
        syncDirectory(dirname(file));
        return true;
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw error;
    } finally {
        unlinkSync(temporary);
    }
}

/**
 * Removes a dead holder's lock. Two processes may find the same dead lock at once; a second
 * lock file (`.takeover`) lets only one of them remove it, and only if it is still the dead
 * holder's, so nobody removes a lock that a live process has just taken.
 */
function takeOver(file: string, dead: LockInfo): void {
    const mutex = `${file}.takeover`;
    const me: LockInfo = { pid: process.pid, token: `takeover-${process.pid}`, host: hostname(), since: Date.now(), processStart: processStart(process.pid) };
    if (!tryCreate(mutex, me)) {
        const other = readLock(mutex);
        // A process that died during its takeover (a window of microseconds) leaves the mutex behind.
        if (other && !isAlive(other)) unlinkIfExists(mutex);
        return;
    }
    try {
        if (readLock(file)?.token === dead.token) unlinkIfExists(file);
    } finally {
        unlinkIfExists(mutex);
    }
}

function busy(file: string, holder: LockInfo, waitMs: number, stateDir: string): StoreError {
    const where = holder.host === hostname() ? `pid ${holder.pid}` : `pid ${holder.pid} on ${holder.host}`;
    const waited = waitMs > 0 ? `; waited ${(waitMs / 1000).toFixed(1)} s for it` : '';
    return new StoreError(
        `${stateDir} is in use by another flowctl or editor window (${where}, since ${new Date(holder.since).toISOString()})${waited}. ` +
        `Try again when it has finished, or use another --state-dir. If no process ${holder.pid} is running there, delete ${file}.`,
        'locked', file
    );
}

/** Locks are only ever created whole, so an unreadable one was damaged by something else. */
function unreadable(file: string, stateDir: string): StoreError {
    return new StoreError(`${stateDir} is locked by ${file}, which cannot be read as a lock. ` +
        'If no flowctl or editor is writing this state directory, delete that file and try again.', 'locked', file);
}

function writeDurably(file: string, text: string): void {
    const fd = openSync(file, 'w');
    try {
        writeSync(fd, text);
        fsyncSync(fd);
    } finally {
        closeSync(fd);
    }
}

function unlinkIfExists(file: string): void {
    try {
        unlinkSync(file);
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot), where there is a /proc. */
function processStart(pid: number): string | undefined {
    try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        // The command name (field 2) may hold spaces and parentheses; the fields after it do not.
        return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    } catch {
        return undefined;
    }
}
