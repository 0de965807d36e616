import { DefaultLexer, type LexerResult, type TokenizeOptions } from 'langium';

/**
 * How deeply brackets and prefix operators may nest. The parser, the validator and the compiler
 * all recurse along nesting, so without a bound a long enough run of `(` overflows the stack;
 * no real workflow comes near this.
 */
export const MAX_NESTING_DEPTH = 64;

/** The errors this lexer adds itself, whose messages say all there is to say. */
const nestingErrors = new WeakSet<object>();

/** Whether a lexer error is the nesting bound's (as opposed to Chevrotain's "unexpected character"). */
export function isNestingError(error: object): boolean {
    return nestingErrors.has(error);
}

const OPENERS = new Set(['(', '[', '{']);
const CLOSERS = new Set([')', ']', '}']);
const PREFIX_OPERATORS = new Set(['not', '-']);

/**
 * Langium's lexer with a nesting bound: where brackets (or a chain of `not` and `-`) nest deeper
 * than {@link MAX_NESTING_DEPTH}, the token stream ends and a lexer error says where and why.
 * The parser then reports the unfinished construct as usual, so every service still answers.
 */
export class FlowLexer extends DefaultLexer {
    override tokenize(text: string, options?: TokenizeOptions): LexerResult {
        const result = super.tokenize(text, options);
        let depth = 0;
        let prefixChain = 0;
        for (let index = 0; index < result.tokens.length; index++) {
            const token = result.tokens[index];
            const image = token.image;
            if (OPENERS.has(image)) depth++;
            else if (CLOSERS.has(image)) depth = Math.max(0, depth - 1);
            prefixChain = PREFIX_OPERATORS.has(image) ? prefixChain + 1 : 0;
            if (depth + prefixChain > MAX_NESTING_DEPTH) {
                const error = {
                    offset: token.startOffset,
                    length: token.image.length,
                    line: token.startLine,
                    column: token.startColumn,
                    message: `Nesting deeper than ${MAX_NESTING_DEPTH} levels: the rest of the file is not read. ` +
                        'Flatten this expression or value (name parts of it as parameters or metadata entries).'
                };
                nestingErrors.add(error);
                result.errors.push(error);
                result.tokens.length = index;
                break;
            }
        }
        return result;
    }
}
