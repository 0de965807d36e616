/**
 * `{{...}}` placeholders in runner text: `{{param.topic}}`, `{{market_analysis.result.size}}`
 * (a task's `result` or `status`), `{{item.id}}` (the current batch item). The language checks
 * them when the workflow is compiled; here they are resolved to values. A placeholder is a
 * dotted path, not an expression: arithmetic belongs in a task's condition, not its command.
 */
import type { Json } from '@flow/model';
import { TaskFailure } from './errors.js';
import type { UpstreamOutcome } from './protocol.js';

const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;
const SEGMENT = /^(?:[A-Za-z_][A-Za-z0-9_-]*|[0-9]+)$/;

/** The values placeholders can read. */
export interface InterpolationContext {
    params: Record<string, Json>;
    upstream: Record<string, UpstreamOutcome>;
    item?: Json;
}

/** The first segment of every placeholder in `text` (`param`, `item` or a task name). */
export function placeholderRoots(text: string): string[] {
    const roots: string[] = [];
    for (const match of text.matchAll(PLACEHOLDER)) {
        const root = match[1].trim().split('.')[0];
        if (root && !roots.includes(root)) roots.push(root);
    }
    return roots;
}

/**
 * Replaces every placeholder of `text` by `format(value, offset)`, where `offset` is where the
 * placeholder starts in `text`. A runner passes a `format` that escapes for its target and for
 * the place in `text` the value lands in (the http runner escapes differently inside and outside
 * a JSON string), so a value can never become code. Throws a non-retryable `validation_failed`
 * failure for a placeholder it cannot read.
 */
export function interpolate(text: string, context: InterpolationContext, format: (value: Json, offset: number) => string): string {
    return text.replace(PLACEHOLDER, (_whole, inner: string, offset: number) => format(resolvePlaceholder(inner.trim(), text, context), offset));
}

/** A value as text: strings as they are, `null` as empty, everything else as JSON. */
export function plainText(value: Json): string {
    if (typeof value === 'string') return value;
    if (value === null) return '';
    return JSON.stringify(value);
}

function resolvePlaceholder(path: string, text: string, context: InterpolationContext): Json {
    const segments = path.split('.');
    if (segments.some(segment => !SEGMENT.test(segment))) {
        throw TaskFailure.nonRetryable(
            `cannot read {{${path}}} in "${text}": a placeholder is a dotted name such as {{param.topic}}, ` +
            '{{task_name.result.field}} or {{item.id}}', 'validation_failed');
    }
    const [root, ...rest] = segments;
    let value: Json;
    if (root === 'param') {
        const name = rest.shift();
        if (name === undefined || !Object.hasOwn(context.params, name)) {
            throw TaskFailure.nonRetryable(`{{${path}}} in "${text}" names no parameter of the workflow`, 'validation_failed');
        }
        value = context.params[name];
    } else if (root === 'item') {
        if (context.item === undefined) {
            throw TaskFailure.nonRetryable(`{{${path}}} in "${text}" reads a batch item outside a batch`, 'validation_failed');
        }
        value = context.item;
    } else if (Object.hasOwn(context.upstream, root)) {
        const outcome = context.upstream[root];
        value = { status: outcome.status, result: outcome.result };
    } else {
        throw TaskFailure.nonRetryable(
            `{{${path}}} in "${text}" reads task "${root}", which has not finished before this one: ` +
            `add \`after ${root}\` to wait for it`, 'validation_failed');
    }
    for (const key of rest) value = member(value, key);
    return value;
}

function member(value: Json, key: string): Json {
    if (Array.isArray(value)) {
        if (key === 'length') return value.length;
        const index = Number(key);
        return Number.isInteger(index) ? value[index] ?? null : null;
    }
    if (value !== null && typeof value === 'object') return Object.hasOwn(value, key) ? value[key] ?? null : null;
    return null;
}
