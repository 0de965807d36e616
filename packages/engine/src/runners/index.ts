import { EchoRunner, FailRunner, SleepRunner } from './builtins.js';
import { HttpRunner, type HttpRunnerOptions } from './http.js';
import { NodeRunner } from './node.js';
import { RunnerRegistry } from './registry.js';
import { ShellRunner, type ShellRunnerOptions } from './shell.js';

export * from './builtins.js';
export * from './http.js';
export * from './node.js';
export * from './output.js';
export * from './process-tree.js';
export * from './registry.js';
export * from './shell.js';

export interface DefaultRunnersOptions {
    shell?: ShellRunnerOptions;
    http?: HttpRunnerOptions;
}

/** The runners every host has: shell, node, http and the demo built-ins sleep, echo and fail. */
export function defaultRunners(options: DefaultRunnersOptions = {}): RunnerRegistry {
    return new RunnerRegistry([
        new ShellRunner(options.shell), new NodeRunner(), new HttpRunner(options.http),
        new SleepRunner(), new EchoRunner(), new FailRunner()
    ]);
}
