/**
 * A run's parameter values: the workflow's defaults overridden by what the caller gives, each
 * checked against its declared type. Text from a command line (`--param depth=3`) is converted
 * to the declared type; values from JSON must already have it.
 */
import type { Json, ParamDef, WorkflowModel } from '@flow/model';
import { dateTimeProblem, parseDuration } from '@flow/model';
import { WorkflowConfigError } from './errors.js';

/**
 * @param given values by parameter name: JSON values, or strings to convert (durations such as
 *   `30m` become milliseconds, `true`/`false` booleans, numbers numbers, objects and lists JSON).
 */
export function resolveParams(model: WorkflowModel, given: Record<string, Json>): Record<string, Json> {
    const declared = new Map(model.params.map(param => [param.name, param]));
    for (const name of Object.keys(given)) {
        if (!declared.has(name)) {
            const known = model.params.map(param => param.name);
            throw new WorkflowConfigError(`params.${name}`,
                `Workflow ${model.name} has no parameter "${name}"` +
                (known.length > 0 ? `: its parameters are ${known.join(', ')}.` : ' and declares no parameters.'));
        }
    }
    const values: Record<string, Json> = {};
    for (const param of model.params) {
        if (Object.hasOwn(given, param.name)) {
            values[param.name] = convert(param, given[param.name]);
        } else if (param.default !== undefined) {
            values[param.name] = param.default;
        } else {
            throw new WorkflowConfigError(`params.${param.name}`,
                `Parameter "${param.name}" has no default value: pass it with --param ${param.name}=VALUE.`);
        }
    }
    return values;
}

function convert(param: ParamDef, value: Json): Json {
    const type = param.type;
    const fail = (expected: string): never => {
        throw new WorkflowConfigError(`params.${param.name}`,
            `Parameter "${param.name}" must be ${expected}, and ${JSON.stringify(value)} is not.`);
    };
    switch (type.kind) {
        case 'string':
            return typeof value === 'string' ? value : fail('a string');
        case 'number': {
            if (typeof value === 'number') return value;
            const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
            return Number.isFinite(number) ? number : fail('a number');
        }
        case 'boolean':
            if (typeof value === 'boolean') return value;
            if (value === 'true' || value === 'false') return value === 'true';
            return fail('true or false');
        case 'duration':
            if (typeof value === 'number' && value >= 0) return value;
            if (typeof value === 'string') {
                try {
                    return parseDuration(value);
                } catch {
                    return fail('a duration such as 30m or 1h30m');
                }
            }
            return fail('a duration such as 30m or 1h30m');
        case 'datetime':
            return typeof value === 'string' && dateTimeProblem(value) === undefined ? value : fail('an ISO date-time such as 2024-02-15T17:00:00Z');
        case 'enum':
            return typeof value === 'string' && type.values.includes(value) ? value : fail(`one of ${type.values.map(v => JSON.stringify(v)).join(', ')}`);
        case 'object':
        case 'list': {
            let parsed: Json = value;
            if (typeof value === 'string') {
                try {
                    parsed = JSON.parse(value) as Json;
                } catch {
                    return fail(type.kind === 'object' ? 'a JSON object' : 'a JSON list');
                }
            }
            if (type.kind === 'list') return Array.isArray(parsed) ? parsed : fail('a JSON list');
            return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : fail('a JSON object');
        }
    }
}
