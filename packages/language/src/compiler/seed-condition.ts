/**
 * A parser for the seed's condition strings, a JavaScript-like subset:
 * `result.marketSize > 1000000`, `result.technicalComplexity === "high"`,
 * `!(result.ok && result.score >= 0.8)`. It produces the model's {@link Expression} trees, the
 * same ones the compiler makes from `.flow` conditions: `===`/`==` become `==`, `!==`/`!=` become
 * `!=`, `&&`/`||`/`!` become and/or/not, and `result.x` reads the result of the condition's
 * dependency. Operator precedence is JavaScript's, which is the language's too.
 */
import type { BinaryOperator, Expression, Json } from '@flow/model';

/** What names in a condition can mean. */
export interface ConditionScope {
    /** The task whose outcome `result`, `status`, `duration` and `attempts` read. */
    dependency?: string;
    /** Every task id of the workflow, so `other_task.result.x` works too. */
    tasks: ReadonlySet<string>;
}

/** A condition that cannot be read; `offset` is the 0-based position in the text. */
export class ConditionSyntaxError extends Error {
    constructor(message: string, readonly offset: number) {
        super(message);
        this.name = 'ConditionSyntaxError';
    }
}

type Token =
    | { kind: 'number'; value: number; offset: number }
    | { kind: 'string'; value: string; offset: number }
    | { kind: 'name'; value: string; offset: number }
    | { kind: 'operator'; value: string; offset: number }
    | { kind: 'end'; offset: number };

const OPERATORS = ['===', '!==', '==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '+', '-', '*', '/', '(', ')', '.'];
const OUTCOME_FIELDS = new Set(['result', 'status', 'duration', 'attempts']);

function tokenize(text: string): Token[] {
    const tokens: Token[] = [];
    let position = 0;
    while (position < text.length) {
        const character = text[position];
        if (/\s/.test(character)) {
            position++;
            continue;
        }
        const number = /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(position));
        if (number) {
            tokens.push({ kind: 'number', value: Number(number[0]), offset: position });
            position += number[0].length;
            continue;
        }
        const name = /^[_$a-zA-Z][_$a-zA-Z0-9]*/.exec(text.slice(position));
        if (name) {
            tokens.push({ kind: 'name', value: name[0], offset: position });
            position += name[0].length;
            continue;
        }
        if (character === '"' || character === '\'') {
            const start = position;
            let value = '';
            position++;
            while (position < text.length && text[position] !== character) {
                if (text[position] === '\\' && position + 1 < text.length) {
                    const escaped = text[++position];
                    value += ({ n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', '0': '\0' } as Record<string, string>)[escaped] ?? escaped;
                } else {
                    value += text[position];
                }
                position++;
            }
            if (position >= text.length) throw new ConditionSyntaxError(`the string starting at column ${start + 1} is not closed`, start);
            position++;
            tokens.push({ kind: 'string', value, offset: start });
            continue;
        }
        const operator = OPERATORS.find(candidate => text.startsWith(candidate, position));
        if (!operator) throw new ConditionSyntaxError(`unexpected character '${character}' at column ${position + 1}`, position);
        tokens.push({ kind: 'operator', value: operator, offset: position });
        position += operator.length;
    }
    tokens.push({ kind: 'end', offset: text.length });
    return tokens;
}

/** Parses a seed condition; throws {@link ConditionSyntaxError} saying what is wrong and where. */
export function parseSeedCondition(text: string, scope: ConditionScope): Expression {
    const tokens = tokenize(text);
    let index = 0;
    const peek = () => tokens[index];
    const isOperator = (...values: string[]) => {
        const token = peek();
        return token.kind === 'operator' && values.includes(token.value);
    };
    const describe = (token: Token) => token.kind === 'end' ? 'the end of the condition' : `'${'value' in token ? token.value : ''}' at column ${token.offset + 1}`;
    const binaryLevel = (operators: Record<string, BinaryOperator>, next: () => Expression) => (): Expression => {
        let left = next();
        while (isOperator(...Object.keys(operators))) {
            const operator = operators[(tokens[index++] as { value: string }).value];
            left = { kind: 'binary', operator, left, right: next() };
        }
        return left;
    };

    const primary = (): Expression => {
        const token = tokens[index++];
        switch (token.kind) {
            case 'number': return literal(token.value);
            case 'string': return literal(token.value);
            case 'operator':
                if (token.value === '(') {
                    const inner = or();
                    if (!isOperator(')')) throw new ConditionSyntaxError(`expected ')' but found ${describe(peek())}`, peek().offset);
                    index++;
                    return inner;
                }
                throw new ConditionSyntaxError(`expected a value but found ${describe(token)}`, token.offset);
            case 'end':
                throw new ConditionSyntaxError('the condition ends where a value is expected', token.offset);
            case 'name':
                return name(token);
        }
    };

    const name = (token: Extract<Token, { kind: 'name' }>): Expression => {
        switch (token.value) {
            case 'true': return literal(true);
            case 'false': return literal(false);
            case 'null': case 'undefined': return literal(null);
            case 'item': return { kind: 'item' };
            case 'params': case 'parameters': case 'param': {
                if (!isOperator('.')) throw new ConditionSyntaxError(`'${token.value}' must be followed by .name of a parameter`, token.offset);
                index++;
                const parameter = tokens[index++];
                if (parameter.kind !== 'name') throw new ConditionSyntaxError(`expected a parameter name after '${token.value}.'`, parameter.offset);
                return { kind: 'param', name: parameter.value };
            }
        }
        if (OUTCOME_FIELDS.has(token.value)) {
            if (!scope.dependency) {
                throw new ConditionSyntaxError(`'${token.value}' reads the outcome of the condition's dependency, but the condition names no dependency`, token.offset);
            }
            return { kind: 'member', object: { kind: 'task', task: scope.dependency }, property: token.value };
        }
        if (scope.tasks.has(token.value)) return { kind: 'task', task: token.value };
        throw new ConditionSyntaxError(
            `unknown name '${token.value}' at column ${token.offset + 1}: use result.<field> (the dependency's result), ` +
            'a task id, params.<name> or item', token.offset);
    };

    const postfix = (): Expression => {
        let expression = primary();
        while (isOperator('.')) {
            index++;
            const member = tokens[index++];
            if (member.kind !== 'name') throw new ConditionSyntaxError(`expected a field name after '.' but found ${describe(member)}`, member.offset);
            expression = { kind: 'member', object: expression, property: member.value };
        }
        return expression;
    };

    const unary = (): Expression => {
        if (isOperator('!')) {
            index++;
            return { kind: 'not', operand: unary() };
        }
        if (isOperator('-')) {
            index++;
            return { kind: 'negate', operand: unary() };
        }
        return postfix();
    };

    const multiplicative = binaryLevel({ '*': '*', '/': '/' }, unary);
    const additive = binaryLevel({ '+': '+', '-': '-' }, multiplicative);
    const relational = binaryLevel({ '<': '<', '<=': '<=', '>': '>', '>=': '>=' }, additive);
    const equality = binaryLevel({ '===': '==', '==': '==', '!==': '!=', '!=': '!=' }, relational);
    const and = binaryLevel({ '&&': 'and' }, equality);
    const or: () => Expression = binaryLevel({ '||': 'or' }, and);

    const expression = or();
    if (peek().kind !== 'end') throw new ConditionSyntaxError(`unexpected ${describe(peek())}`, peek().offset);
    return expression;
}

function literal(value: Json): Expression {
    return { kind: 'literal', value };
}
