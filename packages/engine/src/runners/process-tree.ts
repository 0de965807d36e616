/**
 * Stopping everything a command started. A command runs as the leader of its own process group
 * (`spawn(..., { detached: true })`), so one `kill(-group, signal)` reaches its children and
 * grandchildren. Processes that left the group (`setsid`, a shell with job control putting
 * background jobs in groups of their own) are found through `/proc` as descendants of the
 * group's members and signalled one by one. Without `/proc` (macOS) only the group is signalled.
 *
 * Zombies count as gone: they have ended and only wait to be reaped, which an init that reaps
 * slowly (containers) may do seconds later.
 */
import { readdirSync, readFileSync } from 'node:fs';

interface ProcessEntry {
    pid: number;
    ppid: number;
    pgid: number;
    zombie: boolean;
    /** Start time in clock ticks since boot: tells a process from a later one with the same pid. */
    startTime: string;
}

/** Every process of the machine, or `undefined` where there is no `/proc`. */
function readProcessTable(): ProcessEntry[] | undefined {
    let names: string[];
    try {
        names = readdirSync('/proc');
    } catch {
        return undefined;
    }
    const entries: ProcessEntry[] = [];
    for (const name of names) {
        if (name.charCodeAt(0) < 48 || name.charCodeAt(0) > 57) continue;
        let stat: string;
        try {
            stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        } catch {
            continue; // It ended while we read the table.
        }
        // `pid (comm) state ppid pgrp ...`; comm may contain spaces and parentheses, so split after the last `)`.
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        entries.push({
            pid: Number(name), ppid: Number(fields[1]), pgid: Number(fields[2]),
            zombie: fields[0] === 'Z' || fields[0] === 'X', startTime: fields[19]
        });
    }
    return entries;
}

let procAvailable: boolean | undefined;
function hasProc(): boolean {
    procAvailable ??= readProcessTable() !== undefined;
    return procAvailable;
}

function send(pid: number, signal: NodeJS.Signals | 0): boolean {
    try {
        process.kill(pid, signal);
        return true;
    } catch {
        return false; // ESRCH: gone; EPERM cannot happen for processes we started.
    }
}

/** The processes a command started: its process group and every descendant of it. */
export class ProcessTree {
    /** Processes seen in the tree, by pid, with their start time, so they are still found once orphaned. */
    private readonly known = new Map<number, string>();

    /** @param group the pid of the group's leader (the spawned shell), which is also the group's id. */
    constructor(readonly group: number) {}

    /** The pids of the tree's processes that still run (none where there is no `/proc` to list them). */
    members(): number[] {
        const table = readProcessTable();
        if (!table) return [];
        const byPid = new Map(table.map(entry => [entry.pid, entry]));
        const children = new Map<number, ProcessEntry[]>();
        for (const entry of table) {
            const siblings = children.get(entry.ppid);
            if (siblings) siblings.push(entry);
            else children.set(entry.ppid, [entry]);
        }
        const roots = table.filter(entry => entry.pgid === this.group || entry.pid === this.group
            || this.known.get(entry.pid) === entry.startTime);
        const found = new Map<number, ProcessEntry>();
        const stack = [...roots];
        while (stack.length > 0) {
            const entry = stack.pop()!;
            if (found.has(entry.pid)) continue;
            found.set(entry.pid, entry);
            stack.push(...children.get(entry.pid) ?? []);
        }
        const alive: number[] = [];
        for (const entry of found.values()) {
            this.known.set(entry.pid, entry.startTime);
            if (!entry.zombie) alive.push(entry.pid);
        }
        for (const pid of this.known.keys()) if (!byPid.has(pid)) this.known.delete(pid);
        return alive;
    }

    /** Whether any process of the tree still runs. Cheap when the group is gone and nothing escaped it. */
    alive(): boolean {
        const groupExists = send(-this.group, 0);
        if (!groupExists && this.known.size === 0) return false;
        return hasProc() ? this.members().length > 0 : groupExists;
    }

    /** Sends `signal` to the group and to every process of the tree; returns the pids signalled. */
    signal(signal: NodeJS.Signals): number[] {
        const members = this.members();
        send(-this.group, signal);
        for (const pid of members) send(pid, signal);
        return members;
    }

    /**
     * Stops the tree: SIGTERM, then SIGKILL to whatever still runs after `graceMs`. Resolves once
     * nothing runs any more, or `settleMs` after SIGKILL if a process cannot die (stuck in the
     * kernel), so a caller is never held forever.
     */
    stop(graceMs: number, settleMs = 5000): Promise<void> {
        return new Promise<void>(resolve => {
            this.signal('SIGTERM');
            const started = Date.now();
            let killed = false;
            const check = (): void => {
                if (!this.alive()) {
                    resolve();
                    return;
                }
                const elapsed = Date.now() - started;
                if (!killed && elapsed >= graceMs) {
                    killed = true;
                    this.signal('SIGKILL');
                } else if (killed && elapsed >= graceMs + settleMs) {
                    resolve();
                    return;
                }
                setTimeout(check, killed ? 20 : Math.min(20, Math.max(1, graceMs - elapsed)));
            };
            setTimeout(check, 1);
        });
    }
}
