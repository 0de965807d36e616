/**
 * The store's one error type. Its messages say what is wrong, where (the file or the run) and
 * what to do, so the CLI can print them as they are; `code` lets it choose an exit status or
 * fall back (a checkpoint named through a read-only store when the lock is taken).
 */
export type StoreErrorCode =
    /** Another process holds the writer lock (or the lock file cannot be read). */
    | 'locked'
    /** No such run or checkpoint. */
    | 'not_found'
    /** A run id prefix that matches several runs. */
    | 'ambiguous'
    /** A write through a store opened read-only, or any call after close. */
    | 'read_only'
    | 'closed'
    /** The database was written by a newer version. */
    | 'schema'
    /** A file of the state directory cannot be read. */
    | 'io'
    /** Input the store refuses: an event out of order, a run or checkpoint name that exists. */
    | 'invalid';

export class StoreError extends Error {
    override name = 'StoreError';

    constructor(message: string, readonly code: StoreErrorCode, readonly file?: string) {
        super(message);
    }
}
