import * as vscode from 'vscode';
import type { CheckpointsView } from '../checkpoints/checkpoints-view.js';

export const NEXT_CHECKPOINT_COMMAND = 'flow.nextCheckpoint';
export const PREVIOUS_CHECKPOINT_COMMAND = 'flow.previousCheckpoint';

/**
 * `Flow: Next Checkpoint` and `Flow: Previous Checkpoint`: move the Checkpoints view's selection
 * to the checkpoint after (before) the selected one, which shows the run's state there; with
 * none selected, Next starts at the first and Previous at the last. Resolves with the
 * checkpoint selected. (No keybindings: in a tree the arrow keys already move the selection.)
 */
export function registerStepCheckpoint(context: vscode.ExtensionContext, checkpoints: CheckpointsView): void {
    const step = async (by: 1 | -1): Promise<number | undefined> => {
        const items = checkpoints.checkpoints;
        if (!checkpoints.run || items.length === 0) {
            void vscode.window.showInformationMessage('Flow: no run is shown in the Checkpoints view: select a run in the Runs view first.');
            return undefined;
        }
        const at = items.findIndex(item => item.checkpoint.id === checkpoints.selected?.checkpoint.id);
        const next = at < 0 ? (by === 1 ? 0 : items.length - 1) : at + by;
        if (next < 0 || next >= items.length) {
            vscode.window.setStatusBarMessage(`Flow: checkpoint ${items[at].checkpoint.id} is the ${by === 1 ? 'last' : 'first'} of this run.`, 4_000);
            return items[at].checkpoint.id;
        }
        await checkpoints.reveal(items[next]);
        return items[next].checkpoint.id;
    };
    context.subscriptions.push(
        vscode.commands.registerCommand(NEXT_CHECKPOINT_COMMAND, () => step(1)),
        vscode.commands.registerCommand(PREVIOUS_CHECKPOINT_COMMAND, () => step(-1)));
}
