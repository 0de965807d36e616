import * as vscode from 'vscode';
import type { RunResult } from '@flow/engine';
import { resolveStoredRun, type StoredRunSubject } from '../history/pick-stored-run.js';
import type { RunHistory } from '../history/run-history.js';
import { RUN_WORKFLOW_COMMAND } from './run-workflow.js';

export const RERUN_COMMAND = 'flow.rerun';

/**
 * `Flow: Re-run`: runs the workflow of a stored run again, from its file as it is now (Run
 * Workflow on that file and workflow); nothing of the earlier run is kept (Resume keeps what
 * did not change). Resolves with the new run's result.
 */
export function registerRerun(context: vscode.ExtensionContext, history: RunHistory): void {
    context.subscriptions.push(vscode.commands.registerCommand(RERUN_COMMAND, async (subject?: StoredRunSubject): Promise<RunResult | undefined> => {
        const ref = await resolveStoredRun(history, subject, 'Re-run', { placeHolder: 'Run the workflow of which run again?' });
        if (!ref) return undefined;
        const record = await history.read(ref.stateDir, store => store.run(ref.runId)?.record).catch(() => undefined);
        if (!record?.file) {
            void vscode.window.showErrorMessage(`Flow: the run ${ref.runId} does not say which file it ran, so it cannot be run again; open the workflow and run it.`);
            return undefined;
        }
        if (!record.file.endsWith('.flow')) {
            void vscode.window.showErrorMessage(`Flow: ${vscode.workspace.asRelativePath(record.file)} is not a .flow file; the editor runs .flow files ` +
                '(flowctl convert makes one from a seed JSON workflow, or run it again with flowctl run).');
            return undefined;
        }
        const file = vscode.Uri.file(record.file);
        if (!await vscode.workspace.fs.stat(file).then(() => true, () => false)) {
            void vscode.window.showErrorMessage(`Flow: ${vscode.workspace.asRelativePath(file)} is gone, so ${record.workflow} cannot be run again from it; Resume from Checkpoint runs the model the run stored.`);
            return undefined;
        }
        return vscode.commands.executeCommand<RunResult | undefined>(RUN_WORKFLOW_COMMAND, file, { workflow: record.workflow });
    }));
}
