import type * as vscode from 'vscode';
import { defaultRunners, type RunnerRegistry } from '@flow/engine';
import { LanguageModelRunner } from './language-model-runner.js';
import { VscodeTaskRunner } from './vscode-task-runner.js';

export interface EditorRunnersOptions {
    /** Variables shell commands receive from the editor's environment besides the usual ones (`flow.shell.inheritEnv`). */
    shellInheritEnv?: string[];
    /** The workflow's workspace folder: its VS Code task wins when several folders have one of a label. */
    workspaceFolder?: vscode.WorkspaceFolder;
}

/** The runners of a run started in the editor: every host's, plus `vscode_task` and `lm`, which only the editor has. */
export function editorRunners(options: EditorRunnersOptions = {}): RunnerRegistry {
    return defaultRunners({ shell: { inheritEnv: options.shellInheritEnv } })
        .register(new VscodeTaskRunner(options.workspaceFolder))
        .register(new LanguageModelRunner());
}
