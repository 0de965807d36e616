import * as path from 'node:path';
import * as vscode from 'vscode';

/** The scheduling algorithms a workflow may declare (`schedule { algorithm ... }`). */
export type SchedulingAlgorithm = 'priority_fifo' | 'weighted_round_robin' | 'least_loaded';

/** Which run endings show a notification. */
export type RunNotifications = 'all' | 'failures' | 'never';

/** Where Flow: Compile to JSON puts the model. */
export type CompileDestination = 'editor' | 'file';

/**
 * The `flow.*` settings (declared, with their descriptions, in the manifest's
 * contributes.configuration), read for one file's workspace folder so that a multi-root
 * workspace can set them per folder.
 */
export interface FlowSettings {
    /** The absolute folder runs keep their logs (and later their store) in. */
    stateDirectory: string;
    /** Most task attempts running at once; undefined for no limit. */
    maxParallelTasks?: number;
    /** The algorithm of workflows that do not declare one. */
    schedulingAlgorithm: SchedulingAlgorithm;
    runNotifications: RunNotifications;
    /** Environment variables a shell task receives from the editor besides PATH, HOME, LANG, TMPDIR. */
    shellInheritEnv: string[];
    codeLensEnabled: boolean;
    compileDestination: CompileDestination;
}

export const SETTINGS_SECTION = 'flow';

/**
 * The settings for `resource` (a `.flow` file). `workspaceDir` is the folder relative paths of
 * `flow.stateDirectory` start from.
 */
export function readFlowSettings(resource: vscode.Uri | undefined, workspaceDir: string): FlowSettings {
    const config = vscode.workspace.getConfiguration(SETTINGS_SECTION, resource);
    const stateDirectory = config.get<string>('stateDirectory', '.flow').trim() || '.flow';
    const maxParallel = config.get<number>('maxParallelTasks', 0);
    return {
        stateDirectory: path.resolve(workspaceDir, stateDirectory),
        maxParallelTasks: Number.isInteger(maxParallel) && maxParallel > 0 ? maxParallel : undefined,
        schedulingAlgorithm: config.get<SchedulingAlgorithm>('scheduling.algorithm', 'priority_fifo'),
        runNotifications: config.get<RunNotifications>('runs.showNotifications', 'all'),
        shellInheritEnv: config.get<string[]>('shell.inheritEnv', []).filter(name => typeof name === 'string' && name !== ''),
        codeLensEnabled: config.get<boolean>('codeLens.enabled', true),
        compileDestination: config.get<CompileDestination>('compile.destination', 'editor')
    };
}

/** The workspace folder of `uri`, else the folder the file is in: where relative paths start. */
export function workspaceDirOf(uri: vscode.Uri): string {
    return vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? path.dirname(uri.fsPath);
}
