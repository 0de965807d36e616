import * as vscode from 'vscode';

const MANAGE_TRUST = 'Manage Workspace Trust';

/**
 * Whether something that executes the workspace's code may go ahead. In Restricted Mode it may
 * not, and the user is told why and where to change it. The manifest hides such commands from
 * menus there (`isWorkspaceTrusted`); this covers the palette, keybindings and other callers.
 */
export function mayExecuteWorkspaceCode(action: string): boolean {
    return mayGoAhead(`Flow: ${action} is disabled in Restricted Mode, because a workflow's tasks run this folder's commands and scripts. ` +
        'Trust the folder to run workflows.');
}

/**
 * Whether a command that makes something of the folder's workflows (compiles, converts, writes
 * one from a template) may go ahead: in Restricted Mode Flow only checks `.flow` files as you
 * type, as the manifest's `untrustedWorkspaces` entry says.
 */
export function mayWorkOnWorkspace(action: string): boolean {
    return mayGoAhead(`Flow: ${action} is disabled in Restricted Mode: in a folder you have not trusted, Flow checks .flow files as you type ` +
        'but does not compile, convert or write workflows. Trust the folder to use it.');
}

function mayGoAhead(refusal: string): boolean {
    if (vscode.workspace.isTrusted) return true;
    void vscode.window.showWarningMessage(refusal, MANAGE_TRUST).then(choice => {
        if (choice === MANAGE_TRUST) void vscode.commands.executeCommand('workbench.trust.manage');
    });
    return false;
}
