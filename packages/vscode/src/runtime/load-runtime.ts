import * as path from 'node:path';
import type * as WorkflowRuntimeModule from './workflow-runtime.js';

export type WorkflowRuntime = typeof WorkflowRuntimeModule;

/** The bundle of workflow-runtime.ts, next to dist/extension.cjs. */
export const WORKFLOW_RUNTIME_BUNDLE = 'workflow-runtime.cjs';

let runtime: WorkflowRuntime | undefined;

/**
 * Loads Langium, the compiler and the engine the first time a run needs them. They are a
 * separate bundle required here rather than imported, because opening a `.flow` file activates
 * the extension and that must stay fast (the language features live in the server process).
 */
export function loadWorkflowRuntime(): WorkflowRuntime {
    // __dirname is dist/ once bundled; the runtime bundle sits beside the extension bundle.
    runtime ??= require(path.join(__dirname, WORKFLOW_RUNTIME_BUNDLE)) as WorkflowRuntime;
    return runtime;
}
