import type { AstNode } from 'langium';
import * as ast from '../generated/ast.js';
import { IssueCodes, type IssueCode } from './issue-codes.js';
import { expressionText } from '../workflow/interpolation.js';

/**
 * The static types of the expression language. `unknown` is open (a task's result, an item, an
 * object's member): anything may be done with it. `task` is a bare task reference, whose members
 * are `result`, `status`, `duration` and `attempts`.
 */
export type FlowType =
    | 'string' | 'number' | 'boolean' | 'duration' | 'datetime' | 'object' | 'list' | 'null' | 'task' | 'unknown';

/** The members a task reference offers, with their types. */
export const TASK_MEMBERS: ReadonlyMap<string, FlowType> = new Map<string, FlowType>([
    ['result', 'unknown'], ['status', 'string'], ['duration', 'duration'], ['attempts', 'number']
]);

/** Where an expression stands and how its names resolve (linked references, or interpolations). */
export interface ExpressionContext {
    resolveParam(ref: ast.ParamRef): ast.Param | undefined;
    resolveTask(ref: ast.TaskRef): ast.Schedulable | undefined;
    /** True when the expression belongs to a batch, where `item` is the current item. */
    inBatch: boolean;
    report(severity: 'error' | 'warning', message: string, node: AstNode, code: IssueCode, data?: Record<string, unknown>): void;
}

const ARTICLE: Record<FlowType, string> = {
    string: 'a string', number: 'a number', boolean: 'a boolean', duration: 'a duration', datetime: 'a date-time',
    object: 'an object', list: 'a list', null: 'null', task: 'a task', unknown: 'a value'
};

/** Describes a type for messages: `a string`, `a date-time`. */
export function describeType(type: FlowType): string {
    return ARTICLE[type];
}

/** Types about which nothing can be said statically. */
function isOpen(type: FlowType): boolean {
    return type === 'unknown' || type === 'task';
}

/** The type of a parameter as declared; enum parameters are strings. */
export function paramType(param: ast.Param | undefined): FlowType {
    const type = param?.type;
    if (ast.isEnumType(type)) return 'string';
    if (ast.isPrimitiveType(type)) return (type.primitive ?? 'unknown') as FlowType;
    return 'unknown';
}

/** The type of a literal value (arguments, parameter defaults, expression literals). */
export function literalType(literal: AstNode | undefined): FlowType {
    if (ast.isStringLiteral(literal)) return 'string';
    if (ast.isNumberLiteral(literal)) return 'number';
    if (ast.isDurationLiteral(literal)) return 'duration';
    if (ast.isDateTimeLiteral(literal)) return 'datetime';
    if (ast.isBooleanLiteral(literal)) return 'boolean';
    if (ast.isNullLiteral(literal)) return 'null';
    if (ast.isArrayLiteral(literal)) return 'list';
    if (ast.isObjectLiteral(literal)) return 'object';
    return 'unknown';
}

const ORDERABLE: ReadonlySet<FlowType> = new Set(['number', 'duration', 'datetime', 'string']);
const COMPARABLE: ReadonlySet<FlowType> = new Set(['string', 'number', 'boolean', 'duration', 'datetime']);
const COMPARISONS: ReadonlySet<string> = new Set(['==', '!=', '<', '<=', '>', '>=']);
const NEGATED: Record<string, string> = { '==': '!=', '!=': '==', '<': '>=', '<=': '>', '>': '<=', '>=': '<' };

/** Result types of arithmetic, by operator and operand types; a missing entry is a type error. */
const ARITHMETIC: Record<string, Record<string, FlowType>> = {
    '+': { 'number,number': 'number', 'duration,duration': 'duration', 'datetime,duration': 'datetime', 'duration,datetime': 'datetime' },
    '-': { 'number,number': 'number', 'duration,duration': 'duration', 'datetime,duration': 'datetime', 'datetime,datetime': 'duration' },
    '*': { 'number,number': 'number', 'duration,number': 'duration', 'number,duration': 'duration' },
    '/': { 'number,number': 'number', 'duration,number': 'duration', 'duration,duration': 'number' }
};
const ARITHMETIC_OPERANDS: ReadonlySet<FlowType> = new Set(['number', 'duration', 'datetime']);

/**
 * Infers the type of an expression and reports type errors, invalid member access, `item`
 * outside a batch and the `not a == b` precedence trap. Unknown names are reported elsewhere
 * (the linker, or the interpolation check), so unresolved references are simply `unknown` here.
 */
export function checkExpression(expression: AstNode | undefined, context: ExpressionContext): FlowType {
    if (!expression) return 'unknown';
    if (ast.isParenExpression(expression)) return checkExpression(expression.expression, context);
    if (ast.isStringLiteral(expression) || ast.isNumberLiteral(expression) || ast.isDurationLiteral(expression)
        || ast.isDateTimeLiteral(expression) || ast.isBooleanLiteral(expression) || ast.isNullLiteral(expression)) {
        return literalType(expression);
    }
    if (ast.isParamRef(expression)) return paramType(context.resolveParam(expression));
    if (ast.isTaskRef(expression)) return 'task';
    if (ast.isItemRef(expression)) {
        if (!context.inBatch) {
            context.report('error', "'item' is only defined inside a batch, where it is the current item.", expression,
                IssueCodes.ItemOutsideBatch);
        }
        return 'unknown';
    }
    if (ast.isMemberAccess(expression)) return checkMemberAccess(expression, context);
    if (ast.isNotExpression(expression)) {
        const operand = checkExpression(expression.operand, context);
        // In `not a == b` the precedence warning already explains what went wrong.
        const container = expression.$container;
        const inPrecedenceTrap = ast.isBinaryExpression(container) && container.left === expression && COMPARISONS.has(container.operator);
        if (!isOpen(operand) && operand !== 'boolean' && !inPrecedenceTrap) {
            context.report('error', `'not' needs a boolean, but its operand is ${describeType(operand)}.`, expression,
                IssueCodes.TypeMismatch);
        }
        return 'boolean';
    }
    if (ast.isNegationExpression(expression)) {
        const operand = checkExpression(expression.operand, context);
        if (isOpen(operand)) return 'unknown';
        if (operand === 'number' || operand === 'duration') return operand;
        context.report('error', `'-' needs a number or a duration, but its operand is ${describeType(operand)}.`, expression,
            IssueCodes.TypeMismatch);
        return 'unknown';
    }
    if (ast.isBinaryExpression(expression)) return checkBinary(expression, context);
    return 'unknown';
}

function checkMemberAccess(access: ast.MemberAccess, context: ExpressionContext): FlowType {
    const receiver = checkExpression(access.receiver, context);
    const member = access.member;
    if (member === undefined) return 'unknown';
    if (receiver === 'task') {
        const memberType = TASK_MEMBERS.get(member);
        if (memberType) return memberType;
        const taskName = ast.isTaskRef(access.receiver) ? access.receiver.task?.$refText : undefined;
        context.report('error',
            `'${member}' is not a property of ${taskName ? `task '${taskName}'` : 'a task'}: use result, status, duration or attempts (for example ${taskName ?? 'task'}.result.${member}).`,
            access, IssueCodes.InvalidMemberAccess, { member, allowed: [...TASK_MEMBERS.keys()] });
        return 'unknown';
    }
    if (receiver === 'unknown' || receiver === 'object') return 'unknown';
    const what = ast.isParamRef(access.receiver) && access.receiver.param?.$refText
        ? `parameter '${access.receiver.param.$refText}', which is ${describeType(receiver)}`
        : describeType(receiver);
    context.report('error', `Cannot read '${member}' of ${what}: only task results, items and objects have members.`,
        access, IssueCodes.InvalidMemberAccess, { member });
    return 'unknown';
}

function checkBinary(binary: ast.BinaryExpression, context: ExpressionContext): FlowType {
    const operator = binary.operator;
    const precedenceTrap = COMPARISONS.has(operator) && ast.isNotExpression(binary.left);
    if (precedenceTrap) reportNotPrecedence(binary, binary.left as unknown as ast.NotExpression, context);
    const left = checkExpression(binary.left, context);
    const right = checkExpression(binary.right, context);
    switch (operator) {
        case 'and':
        case 'or':
            for (const [side, type, node] of [['left', left, binary.left], ['right', right, binary.right]] as const) {
                if (!isOpen(type) && type !== 'boolean') {
                    context.report('error', `'${operator}' needs booleans, but its ${side} side is ${describeType(type)}.`, node,
                        IssueCodes.TypeMismatch);
                }
            }
            return 'boolean';
        case '==':
        case '!=':
            if (!precedenceTrap && COMPARABLE.has(left) && COMPARABLE.has(right) && left !== right) {
                context.report('error', `'${operator}' compares ${describeType(left)} with ${describeType(right)}; they are never equal.`,
                    binary, IssueCodes.TypeMismatch, { left, right });
            }
            return 'boolean';
        case '<':
        case '<=':
        case '>':
        case '>=':
            if (!precedenceTrap) {
                const unorderable = [left, right].find(type => !isOpen(type) && !ORDERABLE.has(type));
                if (unorderable) {
                    context.report('error', `'${operator}' cannot order ${describeType(unorderable)}; it compares numbers, durations, date-times or strings.`,
                        binary, IssueCodes.TypeMismatch, { left, right });
                } else if (!isOpen(left) && !isOpen(right) && left !== right) {
                    context.report('error', `'${operator}' compares ${describeType(left)} with ${describeType(right)}.`,
                        binary, IssueCodes.TypeMismatch, { left, right });
                }
            }
            return 'boolean';
        default:
            return checkArithmetic(binary, left, right, context);
    }
}

function checkArithmetic(binary: ast.BinaryExpression, left: FlowType, right: FlowType, context: ExpressionContext): FlowType {
    const operator = binary.operator;
    const invalid = [left, right].find(type => !isOpen(type) && !ARITHMETIC_OPERANDS.has(type));
    if (invalid) {
        context.report('error', `'${operator}' cannot be applied to ${describeType(invalid)}: arithmetic works on numbers, durations and date-times.`,
            binary, IssueCodes.TypeMismatch, { left, right });
        return 'unknown';
    }
    if (isOpen(left) || isOpen(right)) return 'unknown';
    const result = ARITHMETIC[operator]?.[`${left},${right}`];
    if (result) return result;
    context.report('error', `'${operator}' cannot combine ${describeType(left)} with ${describeType(right)}.`, binary,
        IssueCodes.TypeMismatch, { left, right });
    return 'unknown';
}

function reportNotPrecedence(binary: ast.BinaryExpression, not: ast.NotExpression, context: ExpressionContext): void {
    const operandText = not.operand ? expressionText(not.operand) : undefined;
    const rightText = binary.right ? expressionText(binary.right) : undefined;
    if (operandText === undefined || rightText === undefined) return;
    const comparison = `${operandText} ${binary.operator} ${rightText}`;
    const replacements = [`not (${comparison})`, `${operandText} ${NEGATED[binary.operator]} ${rightText}`];
    context.report('warning',
        `'not' binds tighter than '${binary.operator}', so this reads as '(not ${operandText}) ${binary.operator} ${rightText}'. Write '${replacements[0]}' or '${replacements[1]}'.`,
        binary, IssueCodes.NotPrecedence, { replacements });
}
