import { Command, CommanderError } from 'commander';
import { CliError, ExitCode } from './cli-error.js';
import { registerValidate } from './commands/validate.js';
import { registerCompile } from './commands/compile.js';
import { registerConvert } from './commands/convert.js';
import { registerRun } from './commands/run.js';
import { registerSchedule } from './commands/schedule.js';
import { registerRuns } from './commands/runs.js';
import { registerShow } from './commands/show.js';
import { registerCheckpoints } from './commands/checkpoints.js';
import { registerCheckpoint } from './commands/checkpoint.js';
import { registerDiff } from './commands/diff.js';
import { registerResume } from './commands/resume.js';
import { registerGc } from './commands/gc.js';
import { registerAnalytics } from './commands/analytics.js';
import { registerTemplate } from './commands/template.js';

const program = new Command('flowctl')
    .description('Validate, compile and run .flow workflows.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage and examples)')
    // Commander's own errors (unknown option, missing argument) come back here as exceptions,
    // so that every failure leaves through the same exit-status policy below.
    .exitOverride();

registerValidate(program);
registerCompile(program);
registerConvert(program);
registerRun(program);
registerSchedule(program);
registerResume(program);
registerRuns(program);
registerShow(program);
registerCheckpoints(program);
registerCheckpoint(program);
registerDiff(program);
registerGc(program);
registerAnalytics(program);
registerTemplate(program);

/** Prints a failure for the user: the message alone, the stack only when FLOW_DEBUG=1. */
function reportFailure(error: unknown): number {
    if (error instanceof CommanderError) {
        // Help and version requests are "errors" to Commander; it has already printed them.
        if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') {
            return ExitCode.Ok;
        }
        return ExitCode.BadInput;
    }
    if (error instanceof CliError) {
        process.stderr.write(`flowctl: ${error.message}\n`);
        if (process.env.FLOW_DEBUG === '1') process.stderr.write(`${error.stack}\n`);
        return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`flowctl: internal error: ${message}\n`);
    if (process.env.FLOW_DEBUG === '1' && error instanceof Error) {
        process.stderr.write(`${error.stack}\n`);
    } else {
        process.stderr.write('Run again with FLOW_DEBUG=1 to see where it happened, and report it with that output.\n');
    }
    return ExitCode.Problems;
}

// A reader that stops early (`flowctl compile x.flow | head`) closes the pipe; that ends the
// output, it is not a failure to report with a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? ExitCode.Ok);
});

program.parseAsync(process.argv).catch((error: unknown) => {
    process.exitCode = reportFailure(error);
});
