import * as vscode from 'vscode';

const MANAGE_TRUST = 'Manage Workspace Trust';

/**
 * Whether something that executes the workspace's code may go ahead. In Restricted Mode it may
 * not, and the user is told why and where to change it. The manifest hides such commands from
 * menus there (`isWorkspaceTrusted`); this covers the palette, keybindings and other callers.
 */
export function mayExecuteWorkspaceCode(action: string): boolean {
    if (vscode.workspace.isTrusted) return true;
    void vscode.window.showWarningMessage(
        `Flow: ${action} is disabled in Restricted Mode, because a workflow's tasks run this folder's commands and scripts. ` +
        'Trust the folder to run workflows.',
        MANAGE_TRUST
    ).then(choice => {
        if (choice === MANAGE_TRUST) void vscode.commands.executeCommand('workbench.trust.manage');
    });
    return false;
}
