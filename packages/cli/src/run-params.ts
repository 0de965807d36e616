import type { Json } from '@flow/model';
import { CliError } from './cli-error.js';

/**
 * The parameter values of a run, from `--parameters '<json>'` (typed JSON values) and then
 * `--param name=value` (text, converted to the declared type by the engine); a `--param`
 * overrides the same name in `--parameters`.
 */
export function parseRunParams(json: string | undefined, pairs: readonly string[]): Record<string, Json> {
    const values: Record<string, Json> = {};
    if (json !== undefined) {
        let parsed: unknown;
        try {
            parsed = JSON.parse(json);
        } catch (error) {
            throw new CliError(`--parameters: not valid JSON (${(error as Error).message}). ` +
                `Give an object, such as --parameters '{"topic":"AI trends","depth":"comprehensive"}'.`);
        }
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
            throw new CliError('--parameters: give a JSON object of parameter names and values, such as --parameters \'{"topic":"AI"}\'.');
        }
        Object.assign(values, parsed);
    }
    for (const pair of pairs) {
        const equals = pair.indexOf('=');
        if (equals <= 0) {
            throw new CliError(`--param ${pair}: write name=value, such as --param topic="quantum computing".`);
        }
        values[pair.slice(0, equals)] = pair.slice(equals + 1);
    }
    return values;
}

/** Commander's collector for a repeatable option. */
export function collect(value: string, previous: string[]): string[] {
    return [...previous, value];
}
