/**
 * Everything a run needs beyond the editor shell: Langium and the compiler, the engine, and the
 * words the CLI uses for run events. Bundled on its own as dist/workflow-runtime.cjs and
 * required on first use (see load-runtime.ts), so that activating the extension never loads it.
 */
export { describeResumeReason, planResume, planWorkflow, resolveParams, restrictToTask, startWorkflow } from '@flow/engine';
// Durations as a user types them (`30m`), for parameters shown in input boxes.
export { formatDuration as formatDurationLiteral } from '@flow/model';
export { describeEvent, formatDuration, planLines } from '@flow/cli/src/run-view.js';
export { compileWorkflowFile } from './compile-workflow.js';
// The editor's commands: Convert JSON to .flow, New Workflow from Template, and the runners only it has.
export { convertSeedJson } from './convert-seed.js';
export { applyTemplate, listTemplates, workflowNameFromFile } from './workflow-templates.js';
export { editorRunners } from './runners/editor-runners.js';
// The progress panel: its "why is this waiting?" and where an attempt's log file is.
export { explainWaitingTask } from './explain-waiting.js';
export { logFileName } from '@flow/engine';
