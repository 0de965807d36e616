import * as vscode from 'vscode';
import { CheckpointItem, type CheckpointsView } from '../checkpoints/checkpoints-view.js';
import { runStateUri } from '../checkpoints/run-state-document.js';
import { shortId } from '../history/run-words.js';

export const DIFF_CHECKPOINT_COMMAND = 'flow.diffCheckpoint';

/**
 * `Flow: Diff with Previous Checkpoint`: the run's state at the checkpoint before and at this
 * one, as two read-only JSON documents side by side (`vscode.diff`): what the task whose end made
 * it changed, and whatever started meanwhile. Acts on the given item, else the selected one.
 */
export function registerDiffCheckpoint(context: vscode.ExtensionContext, checkpoints: CheckpointsView): void {
    context.subscriptions.push(vscode.commands.registerCommand(DIFF_CHECKPOINT_COMMAND, async (item?: unknown) => {
        const checkpoint = item instanceof CheckpointItem ? item : checkpoints.selected;
        if (!checkpoint) {
            void vscode.window.showInformationMessage('Flow: select a checkpoint in the Checkpoints view to compare it with the one before.');
            return;
        }
        if (checkpoint.previous === undefined) {
            void vscode.window.showInformationMessage('Flow: checkpoint 0 is the start of the run; there is nothing before it to compare with.');
            return;
        }
        const { run } = checkpoint;
        const before = runStateUri({ ...run, checkpoint: checkpoint.previous });
        await vscode.commands.executeCommand('vscode.diff', before, checkpoint.stateUri,
            `${run.workflow} ${shortId(run.runId)}: checkpoint ${checkpoint.previous} ↔ ${checkpoint.checkpoint.id}`, { preview: true });
    }));
}
