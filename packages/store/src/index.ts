/**
 * The durable state of runs: every event is appended to an fsynced journal before it counts,
 * and a sql.js database (runs, tasks, attempts, events, checkpoints as deltas, the results
 * cache) answers queries and is exported in the background. Imports only types of the engine
 * and the model: the store knows events, not engine internals.
 */
export { DIMENSIONS, parseTimeframe, RECOMMENDATION_THRESHOLDS } from './analytics.js';
export type * from './analytics.js';
export { StoreResultCache } from './cache.js';
export { StoreError, type StoreErrorCode } from './errors.js';
export { FlowStore } from './store.js';
export type * from './types.js';
