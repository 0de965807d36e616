/**
 * Everything a run needs beyond the editor shell: Langium and the compiler, the engine, and the
 * words the CLI uses for run events. Bundled on its own as dist/workflow-runtime.cjs and
 * required on first use (see load-runtime.ts), so that activating the extension never loads it.
 */
export { planWorkflow, startWorkflow } from '@flow/engine';
export { describeEvent, formatDuration } from '@flow/cli/src/run-view.js';
export { compileWorkflowFile } from './compile-workflow.js';
// The progress panel: its "why is this waiting?" and where an attempt's log file is.
export { explainWaitingTask } from './explain-waiting.js';
export { logFileName } from '@flow/engine';
