import * as vscode from 'vscode';
import type { CheckpointsView } from '../checkpoints/checkpoints-view.js';
import { CHECKPOINTS_VIEW } from '../checkpoints/checkpoints-view.js';
import { resolveStoredRun, type StoredRunSubject } from '../history/pick-stored-run.js';
import type { RunHistory } from '../history/run-history.js';

export const SHOW_IN_CHECKPOINTS_COMMAND = 'flow.showInCheckpoints';

/** `Flow: Show in Checkpoints`: lists a run's checkpoints in the Checkpoints view and shows the view. */
export function registerShowInCheckpoints(context: vscode.ExtensionContext, history: RunHistory, checkpoints: CheckpointsView): void {
    context.subscriptions.push(vscode.commands.registerCommand(SHOW_IN_CHECKPOINTS_COMMAND, async (subject?: StoredRunSubject) => {
        const ref = await resolveStoredRun(history, subject, 'Show in Checkpoints', { placeHolder: 'Step through the checkpoints of which run?' });
        if (!ref) return;
        await vscode.commands.executeCommand(`${CHECKPOINTS_VIEW}.focus`);
        try {
            await checkpoints.showRun(ref);
        } catch (error) {
            void vscode.window.showErrorMessage(`Flow: the checkpoints of run ${ref.runId} could not be read: ${(error as Error).message}`);
        }
    }));
}
