/**
 * The run store as the editor uses it: the store itself (sql.js with its WebAssembly inlined)
 * and the CLI's own rules for resuming and naming checkpoints. Bundled on its own as
 * dist/run-store.cjs and required on first use (load-store.ts): the Runs and Checkpoints views
 * read the store without loading Langium or the engine, and activation loads neither.
 */
export { DIMENSIONS, FlowStore, parseTimeframe, StoreError } from '@flow/store';
export { checkpointNameProblem } from '@flow/cli/src/checkpoint-name.js';
export { resumeChain, resumeParent } from '@flow/cli/src/resume-chain.js';
export { lockHolder, type LockHolder } from './lock-holder.js';
