import {
    AstUtils, DefaultDocumentValidator, type AstReflection, type LangiumDocument, type ParseResult,
    type ReferenceInfo, type RootCstNode, type ScopeProvider, type ValidationOptions
} from 'langium';
import type { Diagnostic } from 'vscode-languageserver-types';
import type { FlowServices } from '../flow-module.js';
import * as ast from '../generated/ast.js';
import { isNestingError } from '../parser/flow-lexer.js';
import { IssueCodes } from './issue-codes.js';
import { closestName } from './suggestions.js';

/** What a reference of each target type is called in messages. */
const REFERENCE_KINDS: Record<string, string> = {
    Schedulable: 'task', Task: 'task', Batch: 'batch', Phase: 'phase', Param: 'parameter', Agent: 'agent',
    Pool: 'pool', TaskType: 'task type', Notification: 'notification', Workflow: 'template'
};

/** How expected tokens are described in syntax errors. */
const TOKEN_DESCRIPTIONS: Record<string, string> = {
    DURATION: 'a duration (a number directly followed by ms, s, m, h or d, such as 30m or 1h30m)',
    NUMBER: 'a number',
    STRING: 'a string in double quotes',
    DATETIME: 'a date-time such as 2024-02-15T17:00:00Z',
    ID: 'a name'
};

/** A digit run glued to letters: `5min`, `10mb`. The lexer skips the digits and reads the letters as a name. */
const NUMBER_WITH_LETTERS = /^[0-9]+(\.[0-9]+)?[A-Za-z_][A-Za-z0-9_]*/;
const SPACED_UNIT = /^[ \t]+(ms|s|m|h|d)(?![A-Za-z0-9_])/;

/**
 * Turns Langium's built-in diagnostics into messages that say what to write: unknown names get a
 * "did you mean" suggestion (also in the diagnostic's `data` for the quick fix), and lexing and
 * parsing errors name what was expected in words instead of token types.
 */
export class FlowDocumentValidator extends DefaultDocumentValidator {
    protected readonly reflection: AstReflection;
    protected readonly scopeProvider: ScopeProvider;
    /** Spans already explained by a rewritten lexing error, so the parser's echo is dropped. */
    private readonly explainedSpans = new WeakMap<ParseResult, Array<[number, number]>>();

    constructor(services: FlowServices) {
        super(services);
        this.reflection = services.shared.AstReflection;
        this.scopeProvider = services.references.ScopeProvider;
    }

    protected override processLinkingErrors(document: LangiumDocument, diagnostics: Diagnostic[], _options: ValidationOptions): void {
        for (const reference of document.references) {
            const error = reference.error;
            const range = reference.$refNode?.range;
            if (!error || !range) continue;
            const info = error.info;
            const refText = reference.$refText;
            const { kind, suggestion } = this.describeUnknown(info, refText);
            const message = suggestion
                ? `Unknown ${kind} '${refText}'. Did you mean '${suggestion}'?`
                : `Unknown ${kind} '${refText}': nothing of that name is declared where it is used.`;
            diagnostics.push({
                severity: 1,
                range,
                message,
                code: IssueCodes.UnknownReference,
                source: this.getSource(),
                data: {
                    code: IssueCodes.UnknownReference,
                    ...(suggestion ? { suggestion } : {}),
                    refText,
                    containerType: info.container.$type,
                    property: info.property
                }
            });
        }
    }

    /** The kind of thing a reference names, and the closest name of that kind in its scope. */
    protected describeUnknown(info: ReferenceInfo, refText: string): { kind: string; suggestion?: string } {
        let referenceType: string;
        try {
            referenceType = this.reflection.getReferenceType(info);
        } catch {
            return { kind: 'name' };
        }
        const kind = ast.isArgument(info.container) ? 'template parameter' : REFERENCE_KINDS[referenceType] ?? 'name';
        // A bare parameter name in an expression is a common slip for `param.name`.
        if (ast.isTaskRef(info.container)) {
            const workflow = AstUtils.getContainerOfType(info.container, ast.isWorkflow);
            if (workflow?.members.some(member => ast.isParam(member) && member.name === refText)) {
                return { kind, suggestion: `param.${refText}` };
            }
        }
        let candidates: string[];
        try {
            candidates = this.scopeProvider.getScope(info).getAllElements().map(description => description.name).toArray();
        } catch {
            return { kind };
        }
        return { kind, suggestion: closestName(refText, candidates) };
    }

    protected override processLexingErrors(parseResult: ParseResult, diagnostics: Diagnostic[], options: ValidationOptions): void {
        const text = (parseResult.value?.$cstNode as RootCstNode | undefined)?.fullText;
        const explained: Array<[number, number]> = [];
        this.explainedSpans.set(parseResult, explained);
        const before = diagnostics.length;
        super.processLexingErrors(parseResult, diagnostics, options);
        const lexerErrors = [...parseResult.lexerErrors];
        // The base class adds one diagnostic per lexer error, in order; rewrite those we understand.
        for (let i = before; i < diagnostics.length; i++) {
            const diagnostic = diagnostics[i];
            diagnostic.code = IssueCodes.SyntaxError;
            const error = lexerErrors[i - before];
            if (!error || text === undefined || isNestingError(error)) continue;
            const glued = NUMBER_WITH_LETTERS.exec(text.substring(error.offset));
            if (glued) {
                const word = glued[0];
                const expected = this.expectedTokenAfter(parseResult, error.offset + error.length);
                diagnostic.message = this.gluedUnitMessage(word, expected);
                diagnostic.range = {
                    start: diagnostic.range.start,
                    end: { line: diagnostic.range.start.line, character: diagnostic.range.start.character + word.length }
                };
                explained.push([error.offset, error.offset + word.length]);
            } else {
                const character = text.charAt(error.offset);
                diagnostic.message = `Unexpected character '${character}': it cannot start a name, number, string or symbol of the language.`;
            }
        }
    }

    private expectedTokenAfter(parseResult: ParseResult, offset: number): string | undefined {
        for (const error of parseResult.parserErrors) {
            if (error.token.startOffset === offset) {
                return /Expecting token of type '(\w+)'/.exec(error.message)?.[1];
            }
        }
        return undefined;
    }

    private gluedUnitMessage(word: string, expected: string | undefined): string {
        if (expected === 'DURATION') {
            return `'${word}' is not a duration: write a number directly followed by one of the units ms, s, m, h or d, such as 5m, 90s or 1h30m.`;
        }
        if (expected === 'NUMBER') {
            return `'${word}' is not a number: write a plain number here, without a unit.`;
        }
        return `'${word}' is neither a number nor a duration: numbers have no unit, and durations use ms, s, m, h or d (5m, 1h30m).`;
    }

    protected override processParsingErrors(parseResult: ParseResult, diagnostics: Diagnostic[], options: ValidationOptions): void {
        const text = (parseResult.value?.$cstNode as RootCstNode | undefined)?.fullText ?? '';
        const explained = this.explainedSpans.get(parseResult) ?? [];
        const before = diagnostics.length;
        super.processParsingErrors(parseResult, diagnostics, options);
        const added = diagnostics.splice(before);
        // The base class skips errors without a usable position, so match diagnostics to errors by message.
        const errors = [...parseResult.parserErrors];
        for (const diagnostic of added) {
            const index = errors.findIndex(error => error.message === diagnostic.message);
            const error = index >= 0 ? errors.splice(index, 1)[0] : undefined;
            const start = error?.token.startOffset;
            if (start !== undefined && explained.some(([from, to]) => start >= from && start < to)) continue;
            diagnostic.code = IssueCodes.SyntaxError;
            diagnostic.message = rewriteParserMessage(String(diagnostic.message), text, error?.token.endOffset);
            diagnostics.push(diagnostic);
        }
    }
}

/** Chevrotain's messages, in words a user of the language understands. */
export function rewriteParserMessage(message: string, text: string, tokenEnd: number | undefined): string {
    const mismatch = /^Expecting token of type '([^']+)' but found `([\s\S]*)`\.$/.exec(message);
    if (mismatch) {
        const [, expected, found] = mismatch;
        const description = TOKEN_DESCRIPTIONS[expected] ?? `'${expected}'`;
        let result = `Expected ${description} but found ${found === '' ? 'the end of the file' : `'${found}'`}.`;
        if (expected === 'DURATION' && tokenEnd !== undefined && /^[0-9.]+$/.test(found)) {
            const unit = SPACED_UNIT.exec(text.substring(tokenEnd + 1));
            if (unit) result += ` Write the unit right after the number, without a space: '${found}${unit[1]}'.`;
        }
        return result;
    }
    const endOfFile = /^Expecting end of file but found `([\s\S]*)`\.$/.exec(message);
    if (endOfFile) {
        return `Unexpected '${endOfFile[1]}': a file holds workflows, templates, agents, pools, task types and notifications (is there a '}' too many?).`;
    }
    const alternatives = /^Expecting: one of these possible Token sequences:\n([\s\S]*)\nbut found: '([\s\S]*)'$/.exec(message);
    if (alternatives) {
        const [, list, found] = alternatives;
        const firsts = [...list.matchAll(/^\s*\d+\. \[([^\],]+)/gm)].map(match => match[1].trim());
        const unique = [...new Set(firsts)];
        if (unique.includes('param') && unique.includes('not')) {
            return `Expected an expression (such as task.result.value, param.name, a number or a string) but found '${found}'.`;
        }
        const described = unique.includes('ID')
            ? ['ID', ...unique.filter(token => token !== 'ID' && !/^[A-Za-z_]\w*$/.test(token))]
            : unique;
        const shown = found === '' ? 'the end of the file' : `'${found}'`;
        if (described.length > 8) return `Unexpected ${shown} here.`;
        const words = described.map(token => TOKEN_DESCRIPTIONS[token] ?? `'${token}'`);
        return `Expected ${words.length === 1 ? words[0] : `one of ${words.join(', ')}`} but found ${shown}.`;
    }
    return message;
}
