import * as vscode from 'vscode';
import { TaskFailure, type RunnerContext, type TaskRunner } from '@flow/engine';
import type { Json } from '@flow/model';

/**
 * `run vscode_task "label"`: runs a task of the workspace (tasks.json, or one an extension
 * provides) by its label, in a terminal as VS Code runs tasks, and waits for its process to end.
 * A shell or process task gets FLOW_RUN_ID, FLOW_WORKFLOW, FLOW_TASK, FLOW_ATTEMPT and a
 * FLOW_PARAM_<NAME> for every parameter added to its environment. The result is `{ exitCode }`;
 * a non-zero code is an `exit_code` failure; stopping the attempt terminates the task.
 */
export class VscodeTaskRunner implements TaskRunner {
    readonly kind = 'vscode_task';
    private readonly executions = new Set<vscode.TaskExecution>();

    /** `folder`: the workspace folder of the workflow, whose task wins when several folders have one of that label. */
    constructor(private readonly folder?: vscode.WorkspaceFolder) {}

    async run(context: RunnerContext): Promise<Json> {
        const { request, signal, log } = context;
        if (request.runner.kind !== 'vscode_task') throw TaskFailure.nonRetryable(`the vscode_task runner cannot run a ${request.runner.kind} runner`, 'runner_error');
        const label = request.runner.label;
        signal.throwIfAborted();
        const task = this.choose(await vscode.tasks.fetchTasks(), label);
        signal.throwIfAborted();
        log.write(`[flow] running the VS Code task "${label}" (${task.source}); its output is in the terminal "Task - ${task.name}"\n`);

        // Subscribed before the task starts: a quick task may end before executeTask resolves,
        // so ends are kept until the execution is known, then matched against it.
        let execution: vscode.TaskExecution | undefined;
        let settle!: (exitCode: number | undefined) => void;
        const ended = new Promise<number | undefined>(resolve => { settle = resolve; });
        let processEnded = false;
        const earlyProcessEnds = new Map<vscode.TaskExecution, number | undefined>();
        const earlyTaskEnds = new Set<vscode.TaskExecution>();
        const processEnd = (of: vscode.TaskExecution, exitCode: number | undefined): void => {
            if (of !== execution) return;
            processEnded = true;
            settle(exitCode);
        };
        // A task without a process of its own (a custom execution) only reports its end. The
        // process end, when there is one, comes first, so this is the fallback.
        const taskEnd = (of: vscode.TaskExecution): void => {
            if (of === execution && !processEnded) setTimeout(() => settle(undefined), 100);
        };
        const subscriptions = [
            vscode.tasks.onDidEndTaskProcess(event => {
                if (execution === undefined) earlyProcessEnds.set(event.execution, event.exitCode);
                else processEnd(event.execution, event.exitCode);
            }),
            vscode.tasks.onDidEndTask(event => {
                if (execution === undefined) earlyTaskEnds.add(event.execution);
                else taskEnd(event.execution);
            })
        ];
        const onAbort = (): void => execution?.terminate();
        try {
            execution = await vscode.tasks.executeTask(withFlowEnvironment(task, request));
            this.executions.add(execution);
            if (earlyProcessEnds.has(execution)) processEnd(execution, earlyProcessEnds.get(execution));
            if (earlyTaskEnds.has(execution)) taskEnd(execution);
            signal.addEventListener('abort', onAbort, { once: true });
            if (signal.aborted) onAbort();
            const exitCode = await ended;
            if (signal.aborted) throw stopped(signal);
            log.write(`[flow] the VS Code task "${label}" ended${exitCode === undefined ? '' : ` with exit code ${exitCode}`}\n`);
            if (exitCode !== undefined && exitCode !== 0) {
                throw TaskFailure.exitCode(exitCode, `the VS Code task "${label}" exited with code ${exitCode}; its terminal "Task - ${task.name}" shows its output`);
            }
            return { exitCode: exitCode ?? null };
        } finally {
            signal.removeEventListener('abort', onAbort);
            if (execution) this.executions.delete(execution);
            for (const subscription of subscriptions) subscription.dispose();
        }
    }

    killAll(): void {
        for (const execution of this.executions) execution.terminate();
    }

    private choose(tasks: readonly vscode.Task[], label: string): vscode.Task {
        const named = tasks.filter(task => task.name === label);
        if (named.length === 0) {
            const labels = [...new Set(tasks.map(task => task.name))].sort();
            throw TaskFailure.nonRetryable(`the workspace has no VS Code task labelled "${label}" ` +
                `(${labels.length > 0 ? `its tasks are ${labels.map(name => `"${name}"`).join(', ')}` : 'it defines none'}); ` +
                `add one with "label": "${label}" to .vscode/tasks.json, or change the workflow's vscode_task to an existing label`, 'runner_error');
        }
        return named.find(task => typeof task.scope === 'object' && task.scope.uri.toString() === this.folder?.uri.toString()) ?? named[0];
    }
}

/**
 * A copy of a shell or process task with the attempt's FLOW_* variables added to its
 * environment (VS Code merges them into the terminal's); other kinds run as they are.
 */
function withFlowEnvironment(task: vscode.Task, request: RunnerContext['request']): vscode.Task {
    const variables: Record<string, string> = {
        FLOW_RUN_ID: request.runId, FLOW_WORKFLOW: request.workflow, FLOW_TASK: request.task, FLOW_ATTEMPT: String(request.attempt)
    };
    for (const [name, value] of Object.entries(request.params)) {
        variables[`FLOW_PARAM_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`] = typeof value === 'string' ? value : JSON.stringify(value);
    }
    const original = task.execution;
    let execution: vscode.ShellExecution | vscode.ProcessExecution;
    if (original instanceof vscode.ShellExecution) {
        const options = { ...original.options, env: { ...original.options?.env, ...variables } };
        execution = original.commandLine !== undefined
            ? new vscode.ShellExecution(original.commandLine, options)
            : new vscode.ShellExecution(original.command!, original.args ?? [], options);
    } else if (original instanceof vscode.ProcessExecution) {
        execution = new vscode.ProcessExecution(original.process, original.args, { ...original.options, env: { ...original.options?.env, ...variables } });
    } else {
        return task;
    }
    const copy = new vscode.Task(task.definition, task.scope ?? vscode.TaskScope.Workspace, task.name, task.source, execution, task.problemMatchers);
    copy.group = task.group;
    copy.presentationOptions = task.presentationOptions;
    copy.isBackground = task.isBackground;
    copy.runOptions = task.runOptions;
    copy.detail = task.detail;
    return copy;
}

function stopped(signal: AbortSignal): TaskFailure {
    return signal.reason instanceof TaskFailure ? signal.reason : TaskFailure.cancelled('the attempt was stopped');
}
