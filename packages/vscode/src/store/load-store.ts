import * as path from 'node:path';
import type * as RunStoreModule from './store-runtime.js';

export type RunStoreRuntime = typeof RunStoreModule;

/** The bundle of store-runtime.ts, next to dist/extension.cjs. */
export const RUN_STORE_BUNDLE = 'run-store.cjs';

let runtime: RunStoreRuntime | undefined;

/**
 * Loads the run store (sql.js and its WebAssembly) the first time a view reads it or a run
 * records itself: a separate bundle, required here rather than imported, so that activating
 * the extension stays as light as it was before runs were kept.
 */
export function loadRunStore(): RunStoreRuntime {
    // __dirname is dist/ once bundled; the store bundle sits beside the extension bundle.
    runtime ??= require(path.join(__dirname, RUN_STORE_BUNDLE)) as RunStoreRuntime;
    return runtime;
}
