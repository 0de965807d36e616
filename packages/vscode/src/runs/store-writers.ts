import * as vscode from 'vscode';
import type { FlowStore } from '@flow/store';
import { loadRunStore } from '../store/load-store.js';

/** How long a run waits for another process (a `flowctl run` in a terminal) to let go of the store. */
export const LOCK_WAIT_MS = 10_000;
const LOCK_POLL_MS = 250;

/** The store of a state directory is being written by another process, and stayed so while the run waited. */
export class StoreBusyError extends Error {
    override name = 'StoreBusyError';
}

interface Writer {
    store: Promise<FlowStore>;
    users: number;
}

/**
 * The editor's writer of each state directory's store, shared by this window's runs there: a
 * store has one writer (its lock is per process), so two editor runs on one folder record
 * through one store, which is closed (its lock released) when the last of them ends, leaving
 * the folder to `flowctl` in a terminal.
 */
export class StoreWriters {
    private readonly writers = new Map<string, Writer>();
    /** Stores being closed: a new run on the folder waits for the close before it opens the store again. */
    private readonly closing = new Map<string, Promise<void>>();

    constructor(private readonly onWarning: (message: string) => void) {}

    /**
     * The folder's writer, opened if no run of this window has it open. Another process's lock is
     * waited for up to LOCK_WAIT_MS, with a notification that says who holds it and can be
     * cancelled; then a StoreBusyError says what to do. `workflow` names the run in those words.
     */
    async acquire(stateDir: string, workflow: string): Promise<FlowStore> {
        // A close may begin while this waits for another: open only once none is pending, or the
        // new writer would wait for this window's own lock.
        while (this.closing.has(stateDir)) await this.closing.get(stateDir);
        let writer = this.writers.get(stateDir);
        if (!writer) {
            writer = { store: this.open(stateDir, workflow), users: 0 };
            this.writers.set(stateDir, writer);
            writer.store.catch(() => {
                if (this.writers.get(stateDir) === writer) this.writers.delete(stateDir);
            });
        }
        writer.users++;
        try {
            return await writer.store;
        } catch (error) {
            writer.users--;
            throw error;
        }
    }

    /** One run is done with the folder's writer; the last one closes it. */
    async release(stateDir: string): Promise<void> {
        const writer = this.writers.get(stateDir);
        if (!writer || --writer.users > 0) return;
        this.writers.delete(stateDir);
        const closed = writer.store.then(store => store.close(), () => undefined)
            .catch(error => this.onWarning(`The run store in ${stateDir} could not be closed cleanly: ${(error as Error).message}`))
            .finally(() => this.closing.delete(stateDir));
        this.closing.set(stateDir, closed);
        await closed;
    }

    /** Closes every writer (the window is closing): the journal already holds every event, this exports and unlocks. */
    async closeAll(): Promise<void> {
        const open = [...this.writers.entries()];
        this.writers.clear();
        await Promise.all([...open.map(([, writer]) => writer.store.then(store => store.close(), () => undefined).catch(() => undefined)),
            ...this.closing.values()]);
    }

    private async open(stateDir: string, workflow: string): Promise<FlowStore> {
        const { FlowStore, StoreError, lockHolder } = loadRunStore();
        const attempt = (): Promise<FlowStore> => FlowStore.open(stateDir, { lockWaitMs: 0, onWarning: this.onWarning });
        const isLocked = (error: unknown): boolean => error instanceof StoreError && error.code === 'locked';
        try {
            return await attempt();
        } catch (error) {
            if (!isLocked(error)) throw error;
        }
        const shown = vscode.workspace.asRelativePath(stateDir);
        const holder = lockHolder(stateDir);
        const who = holder ? `process ${holder.pid}${holder.since ? `, since ${new Date(holder.since).toLocaleTimeString()}` : ''}` : 'another process';
        return vscode.window.withProgress({
            location: vscode.ProgressLocation.Notification, cancellable: true,
            title: `Flow: ${workflow} waits for ${shown}, which ${who} is writing (a flowctl run in a terminal, or another window)`
        }, async (_progress, token) => {
            const deadline = Date.now() + LOCK_WAIT_MS;
            for (;;) {
                await new Promise(resolve => setTimeout(resolve, LOCK_POLL_MS));
                if (token.isCancellationRequested) throw new StoreBusyError(`you stopped waiting for ${shown}, which ${who} is writing.`);
                try {
                    return await attempt();
                } catch (error) {
                    if (!isLocked(error)) throw error;
                }
                if (Date.now() >= deadline) {
                    throw new StoreBusyError(`${shown} is being written by ${who} (a flowctl run in a terminal, or another window), ` +
                        `and a state folder has one writer at a time; waited ${LOCK_WAIT_MS / 1000} s for it. Run again when that run has finished, ` +
                        'or set flow.stateDirectory to another folder.');
                }
            }
        });
    }
}
