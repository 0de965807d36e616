/**
 * The Flow orchestrator: a pure core (`transition`) and a thin runner (`runWorkflow`) that
 * performs its effects on an injectable clock, with runners for shell, node, http and demo
 * built-ins. Consumes only the `WorkflowModel`; never imports Langium, `vscode` or the language.
 */
export * from './backoff.js';
export * from './cache.js';
export * from './clock.js';
export { cloneState, createEngineState, explainTaskScore, runResult, transition, type EngineConfig, type EngineState, type ReuseSource } from './core.js';
export * from './dispatcher.js';
export * from './errors.js';
export * from './events.js';
export * from './fingerprint.js';
export * from './heap.js';
export * from './interpolate.js';
export * from './params.js';
export * from './plan.js';
export * from './recurrence.js';
export * from './resume.js';
export * from './protocol.js';
export * from './run.js';
export * from './runners/index.js';
export * from './score.js';
export * from './subset.js';
