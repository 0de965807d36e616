/**
 * The store's one error type. Its messages say what is wrong, where (the file or the run) and
 * what to do, so the CLI can print them as they are.
 */
export class StoreError extends Error {
    override name = 'StoreError';

    constructor(message: string, readonly file?: string) {
        super(message);
    }
}
