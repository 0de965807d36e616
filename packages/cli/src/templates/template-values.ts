import { dateTimeProblem, formatDuration, parseDuration, printNumber, quoteString, type Json, type ParamType } from '@flow/model';
import { CliError } from '../cli-error.js';
import type { Template, TemplateParam } from './template-catalog.js';

/**
 * The `.flow` literal for each value given to a template's parameters, checked against the
 * parameters the template declares. Values are taken as `flowctl run` takes them: JSON values
 * of the declared type, or text converted to it (`"3"` for a number, `"true"` for a boolean,
 * `"30m"` for a duration, JSON text for an object or a list).
 */
export function parameterLiterals(template: Template, given: Record<string, Json>): Map<TemplateParam, string> {
    const byName = new Map(template.params.map(param => [param.name, param]));
    const unknown = Object.keys(given).filter(name => !byName.has(name));
    if (unknown.length > 0) {
        throw new CliError(`template ${template.name} has no parameter ${unknown.map(name => `"${name}"`).join(', ')}: ` +
            (template.params.length > 0
                ? `its parameters are ${template.params.map(param => param.name).join(', ')}.`
                : 'it declares no parameters.'));
    }
    const missing = template.params.filter(param => param.defaultText === undefined && !Object.hasOwn(given, param.name));
    if (missing.length > 0) {
        const example = Object.fromEntries(missing.map(param => [param.name, exampleValue(param.type)]));
        throw new CliError(`template ${template.name} needs a value for ${missing.map(param => `${param.name} (${param.typeText})`).join(', ')}, ` +
            `which ${missing.length === 1 ? 'has' : 'have'} no default: give ${missing.length === 1 ? 'it' : 'them'} with ` +
            `--parameters '${JSON.stringify(example)}'.`);
    }
    const literals = new Map<TemplateParam, string>();
    for (const [name, value] of Object.entries(given)) {
        const param = byName.get(name)!;
        literals.set(param, literalFor(template, param, value));
    }
    return literals;
}

function literalFor(template: Template, param: TemplateParam, value: Json): string {
    const fail = (expected: string, problem = `${JSON.stringify(value)} is not`): never => {
        throw new CliError(`parameter ${param.name} of template ${template.name} must be ${expected} (it is declared as ` +
            `\`${param.name}: ${param.typeText}\`), and ${problem}.`);
    };
    const type = param.type;
    switch (type.kind) {
        case 'string':
            return typeof value === 'string' ? quoteString(value) : fail('a string');
        case 'enum':
            return typeof value === 'string' && type.values.includes(value)
                ? quoteString(value) : fail(`one of ${type.values.map(option => JSON.stringify(option)).join(', ')}`);
        case 'number': {
            const number = typeof value === 'number' ? value
                : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
            return Number.isFinite(number) ? printNumber(number) : fail('a number');
        }
        case 'boolean':
            if (typeof value === 'boolean') return String(value);
            return value === 'true' || value === 'false' ? value : fail('true or false');
        case 'duration':
            // A number is milliseconds, as for `flowctl run --parameters`.
            if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return formatDuration(value);
            return typeof value === 'string' && isDuration(value.trim()) ? value.trim() : fail('a duration such as 30m or 1h30m');
        case 'datetime': {
            const problem = typeof value === 'string' ? dateTimeProblem(value) : undefined;
            if (typeof value === 'string' && problem === undefined) return value;
            return fail('an ISO date-time such as 2024-02-15T17:00:00Z', problem);
        }
        case 'object': {
            const parsed = typeof value === 'string' ? parseJsonText(value) : value;
            return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? dataLiteral(parsed) : fail('a JSON object');
        }
        case 'list': {
            const parsed = typeof value === 'string' ? parseJsonText(value) : value;
            return Array.isArray(parsed) ? dataLiteral(parsed) : fail('a JSON list');
        }
    }
}

function isDuration(text: string): boolean {
    try {
        parseDuration(text);
        return true;
    } catch {
        return false;
    }
}

function parseJsonText(text: string): Json | undefined {
    try {
        return JSON.parse(text) as Json;
    } catch {
        return undefined;
    }
}

const RESERVED = new Set(['and', 'or', 'not', 'true', 'false', 'null', 'param', 'item']);

/** A JSON value as a `.flow` data literal (`{ budget: 5000, "odd key": [1, -2] }`). */
function dataLiteral(value: Json): string {
    if (Array.isArray(value)) return `[${value.map(dataLiteral).join(', ')}]`;
    if (value !== null && typeof value === 'object') {
        const entries = Object.entries(value).map(([key, entry]) =>
            `${/^[_a-zA-Z]\w*$/.test(key) && !RESERVED.has(key) ? key : quoteString(key)}: ${dataLiteral(entry)}`);
        return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
    }
    if (typeof value === 'string') return quoteString(value);
    if (typeof value === 'number') return printNumber(value);
    return String(value);
}

/** A placeholder value of a parameter type, for the example in a message. */
export function exampleValue(type: ParamType): Json {
    switch (type.kind) {
        case 'enum': return type.values[0];
        case 'number': return 1;
        case 'boolean': return true;
        case 'duration': return '30m';
        case 'datetime': return '2024-02-15T17:00:00Z';
        case 'object': return {};
        case 'list': return [];
        default: return '...';
    }
}

/** Whether a name can name a workflow or a template (an identifier, not a reserved word). */
export function isFlowName(name: string): boolean {
    return /^[_a-zA-Z]\w*$/.test(name) && !RESERVED.has(name);
}
