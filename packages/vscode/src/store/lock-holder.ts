import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/** Who holds a state directory's writer lock, as its lock file says. */
export interface LockHolder {
    pid: number;
    /** When it took the lock, ms since the epoch. */
    since: number;
}

/** The writer of a state directory as its `store.lock` names it, for messages that say who is writing. */
export function lockHolder(stateDir: string): LockHolder | undefined {
    try {
        const info = JSON.parse(readFileSync(path.join(stateDir, 'store.lock'), 'utf8')) as Partial<LockHolder>;
        return typeof info.pid === 'number' ? { pid: info.pid, since: Number(info.since ?? 0) } : undefined;
    } catch {
        return undefined;
    }
}
