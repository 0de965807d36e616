/**
 * The model's expressions: a safe evaluator (no `eval`, no `Function`, no prototype access), a
 * printer that writes them in the language's syntax, and helpers to find what they read.
 */
import type { BinaryOperator, ConditionDef, Expression, Json } from './model.js';

/** What a task exposes to expressions once it has finished (or been skipped). */
export interface TaskOutcome {
    /** The task's result value (a runner's JSON output). */
    result: Json;
    status: string;
    /** Run time in milliseconds. */
    duration: number;
    attempts: number;
}

/** The values an expression can read. */
export interface EvaluationContext {
    params?: Readonly<Record<string, Json>>;
    tasks?: Readonly<Record<string, TaskOutcome | undefined>>;
    /** The current batch item, for `item.x`. */
    item?: Json;
}

/**
 * Evaluates an expression. Missing parameters, tasks and members are `null`; `==` compares JSON
 * values deeply; comparing or computing with values of mismatched types gives `false` (for
 * comparisons) or `null` (for arithmetic) instead of throwing, so a condition over a result of
 * an unexpected shape is simply not met.
 */
export function evaluateExpression(expression: Expression, context: EvaluationContext = {}): Json {
    switch (expression.kind) {
        case 'literal': return expression.value;
        case 'param': return ownValue(context.params, expression.name);
        case 'task': {
            const outcome = context.tasks && Object.hasOwn(context.tasks, expression.task) ? context.tasks[expression.task] : undefined;
            if (!outcome) return null;
            return { result: outcome.result ?? null, status: outcome.status, duration: outcome.duration, attempts: outcome.attempts };
        }
        case 'item': return context.item ?? null;
        case 'member': return memberOf(evaluateExpression(expression.object, context), expression.property);
        case 'not': return !isTruthy(evaluateExpression(expression.operand, context));
        case 'negate': {
            const value = evaluateExpression(expression.operand, context);
            return typeof value === 'number' ? -value : null;
        }
        case 'binary': return evaluateBinary(expression.operator, expression.left, expression.right, context);
    }
}

/** Whether a condition lets its task run: `when` runs on true, `skip when` runs on false. */
export function conditionAllowsRun(condition: ConditionDef, context: EvaluationContext = {}): boolean {
    const holds = isTruthy(evaluateExpression(condition.expression, context));
    return condition.action === 'execute' ? holds : !holds;
}

/** Truthiness: `false`, `null`, `0` and `""` are false; everything else (including `[]` and `{}`) is true. */
export function isTruthy(value: Json): boolean {
    return !(value === false || value === null || value === 0 || value === '' || Number.isNaN(value));
}

function ownValue(record: Readonly<Record<string, Json>> | undefined, key: string): Json {
    return record && Object.hasOwn(record, key) ? record[key] ?? null : null;
}

function memberOf(value: Json, property: string): Json {
    if (Array.isArray(value) || typeof value === 'string') {
        return property === 'length' ? value.length : null;
    }
    if (value !== null && typeof value === 'object') return ownValue(value, property);
    return null;
}

function evaluateBinary(operator: BinaryOperator, leftExpression: Expression, rightExpression: Expression, context: EvaluationContext): Json {
    if (operator === 'and') {
        return isTruthy(evaluateExpression(leftExpression, context)) && isTruthy(evaluateExpression(rightExpression, context));
    }
    if (operator === 'or') {
        return isTruthy(evaluateExpression(leftExpression, context)) || isTruthy(evaluateExpression(rightExpression, context));
    }
    const left = evaluateExpression(leftExpression, context);
    const right = evaluateExpression(rightExpression, context);
    switch (operator) {
        case '==': return jsonEquals(left, right);
        case '!=': return !jsonEquals(left, right);
        case '<': case '<=': case '>': case '>=': return compare(operator, left, right);
        case '+':
            if (typeof left === 'string' && typeof right === 'string') return left + right;
            return arithmetic(left, right, (a, b) => a + b);
        case '-': return arithmetic(left, right, (a, b) => a - b);
        case '*': return arithmetic(left, right, (a, b) => a * b);
        case '/': return arithmetic(left, right, (a, b) => b === 0 ? Number.NaN : a / b);
    }
}

function compare(operator: '<' | '<=' | '>' | '>=', left: Json, right: Json): boolean {
    const comparable = (typeof left === 'number' && typeof right === 'number')
        || (typeof left === 'string' && typeof right === 'string');
    if (!comparable) return false;
    switch (operator) {
        case '<': return left < right;
        case '<=': return left <= right;
        case '>': return left > right;
        case '>=': return left >= right;
    }
}

/** Numbers only; a result that is not a finite number (division by zero) is `null`. */
function arithmetic(left: Json, right: Json, operation: (a: number, b: number) => number): Json {
    if (typeof left !== 'number' || typeof right !== 'number') return null;
    const result = operation(left, right);
    return Number.isFinite(result) ? result : null;
}

/** Deep equality of JSON values (object key order does not matter). */
export function jsonEquals(left: Json, right: Json): boolean {
    if (left === right) return true;
    if (left === null || right === null || typeof left !== 'object' || typeof right !== 'object') return false;
    if (Array.isArray(left) || Array.isArray(right)) {
        return Array.isArray(left) && Array.isArray(right) && left.length === right.length
            && left.every((value, index) => jsonEquals(value, right[index]));
    }
    const leftKeys = Object.keys(left);
    if (leftKeys.length !== Object.keys(right).length) return false;
    return leftKeys.every(key => Object.hasOwn(right, key) && jsonEquals(left[key], right[key]));
}

// ---------------------------------------------------------------------------------------------
// Printing

/** Binding strength of each operator, as in the grammar: larger binds tighter. */
const PRECEDENCE: Readonly<Record<BinaryOperator, number>> = {
    'or': 1, 'and': 2, '==': 3, '!=': 3, '<': 4, '<=': 4, '>': 4, '>=': 4, '+': 5, '-': 5, '*': 6, '/': 6
};
const UNARY_PRECEDENCE = 7;
const MEMBER_PRECEDENCE = 8;

/**
 * Writes an expression in the language's syntax with the fewest parentheses that keep its
 * meaning (binary operators are left-associative). Parsing the text gives the same tree.
 */
export function printExpression(expression: Expression): string {
    return print(expression);
}

function print(expression: Expression): string {
    switch (expression.kind) {
        case 'literal': return printScalar(expression.value);
        case 'param': return `param.${expression.name}`;
        case 'task': return expression.task;
        case 'item': return 'item';
        case 'member': return `${wrap(expression.object, MEMBER_PRECEDENCE)}.${expression.property}`;
        case 'not': return `not ${wrap(expression.operand, UNARY_PRECEDENCE)}`;
        case 'negate': return `-${wrap(expression.operand, UNARY_PRECEDENCE)}`;
        case 'binary': {
            const precedence = PRECEDENCE[expression.operator];
            // Left-associative: a right operand of equal precedence needs parentheses.
            return `${wrap(expression.left, precedence)} ${expression.operator} ${wrap(expression.right, precedence + 1)}`;
        }
    }
}

function wrap(expression: Expression, minimum: number): string {
    const text = print(expression);
    return precedenceOf(expression) < minimum ? `(${text})` : text;
}

function precedenceOf(expression: Expression): number {
    switch (expression.kind) {
        case 'binary': return PRECEDENCE[expression.operator];
        case 'not': case 'negate': return UNARY_PRECEDENCE;
        case 'literal': return typeof expression.value === 'number' && expression.value < 0 ? UNARY_PRECEDENCE : 9;
        default: return 9;
    }
}

/** A scalar as the language writes it: strings quoted and escaped, numbers without exponent. */
export function printScalar(value: Json): string {
    if (typeof value === 'string') return quoteString(value);
    if (typeof value === 'number') return printNumber(value);
    if (value === null || typeof value === 'boolean') return String(value);
    throw new Error(`Cannot write ${JSON.stringify(value)} in an expression: only strings, numbers, booleans and null can be written there.`);
}

export function printNumber(value: number): string {
    if (!Number.isFinite(value)) throw new Error(`Cannot write ${value}: numbers must be finite.`);
    const plain = String(value);
    if (!/e/i.test(plain)) return plain;
    const fixed = Math.abs(value) >= 1 ? BigInt(Math.round(value)).toString() : value.toFixed(20).replace(/0+$/, '');
    return fixed;
}

/** A double-quoted string literal with `\`, `"` and control characters escaped. */
export function quoteString(value: string): string {
    return `"${value.replace(/[\\"\n\r\t\b\f\v\0]/g, character => ESCAPES[character])}"`;
}

const ESCAPES: Readonly<Record<string, string>> = {
    '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f', '\v': '\\v', '\0': '\\0'
};

/**
 * One condition from several written for the same task, so the engine evaluates one tree: all
 * `when` conditions must hold and no `skip when` condition may hold. A single condition is kept
 * as it is (with its text as written); a combination is written out as its text.
 */
export function combineConditions(conditions: readonly ConditionDef[]): ConditionDef | undefined {
    if (conditions.length <= 1) return conditions[0];
    const executes = conditions.filter(condition => condition.action === 'execute').map(condition => condition.expression);
    const skips = conditions.filter(condition => condition.action === 'skip').map(condition => condition.expression);
    const chain = (operator: 'and' | 'or', operands: Expression[]): Expression =>
        operands.reduce((left, right) => ({ kind: 'binary', operator, left, right }));
    let expression: Expression;
    let action: ConditionDef['action'] = 'execute';
    if (skips.length === 0) {
        expression = chain('and', executes);
    } else if (executes.length === 0) {
        expression = chain('or', skips);
        action = 'skip';
    } else {
        expression = { kind: 'binary', operator: 'and', left: chain('and', executes), right: { kind: 'not', operand: chain('or', skips) } };
    }
    return { expression, action, text: printExpression(expression) };
}

// ---------------------------------------------------------------------------------------------
// Analysis

/** The tasks an expression reads, in order of first appearance. */
export function referencedTasks(expression: Expression): string[] {
    const found: string[] = [];
    visit(expression, node => {
        if (node.kind === 'task' && !found.includes(node.task)) found.push(node.task);
    });
    return found;
}

/** The parameters an expression reads, in order of first appearance. */
export function referencedParams(expression: Expression): string[] {
    const found: string[] = [];
    visit(expression, node => {
        if (node.kind === 'param' && !found.includes(node.name)) found.push(node.name);
    });
    return found;
}

function visit(expression: Expression, callback: (node: Expression) => void): void {
    // An explicit stack: generated conditions can be long chains of `and`.
    const stack: Expression[] = [expression];
    while (stack.length > 0) {
        const node = stack.pop()!;
        callback(node);
        switch (node.kind) {
            case 'member': stack.push(node.object); break;
            case 'not': case 'negate': stack.push(node.operand); break;
            case 'binary': stack.push(node.right, node.left); break;
        }
    }
}
