import { Command } from 'commander';

const program = new Command('flowctl')
    .description('Validate, compile and run .flow workflows.')
    .version('0.1.0');

program.parseAsync(process.argv).catch((error: unknown) => {
    process.stderr.write(`flowctl: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
});
