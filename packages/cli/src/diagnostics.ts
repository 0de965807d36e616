import type { LangiumDocument } from 'langium';
import { displayPath } from './input-files.js';

/** A 1-based position, as editors and compilers print them. */
export interface CliPosition {
    line: number;
    column: number;
}

export type CliSeverity = 'error' | 'warning' | 'info';

/** One problem in one file, in the shape of `flowctl validate --json`. */
export interface CliDiagnostic {
    /** Path relative to the current directory. */
    file: string;
    severity: CliSeverity;
    /** Stable code (`flow/dependency-cycle`); absent for the few problems that have none. */
    code?: string;
    message: string;
    range: { start: CliPosition; end: CliPosition };
}

// Langium reports lexer, parser and linker problems under its own codes; the CLI shows them
// under Flow's naming scheme so that every diagnostic line ends in a `[flow/...]` code.
const LANGIUM_CODES: Record<string, string> = {
    'lexing-error': 'flow/syntax-error',
    'parsing-error': 'flow/syntax-error',
    'linking-error': 'flow/unknown-reference'
};

const SEVERITIES: Record<number, CliSeverity | undefined> = { 1: 'error', 2: 'warning', 3: 'info' };

/** The document's diagnostics (lexer, parser, linker, validator), hints left out, in source order. */
export function documentDiagnostics(document: LangiumDocument, file: string): CliDiagnostic[] {
    const result: CliDiagnostic[] = [];
    for (const diagnostic of document.diagnostics ?? []) {
        const severity = SEVERITIES[diagnostic.severity ?? 1];
        if (!severity) continue;
        const dataCode = (diagnostic.data as { code?: unknown } | undefined)?.code;
        const rawCode = diagnostic.code ?? (typeof dataCode === 'string' ? dataCode : undefined);
        const code = rawCode === undefined ? undefined : LANGIUM_CODES[String(rawCode)] ?? String(rawCode);
        result.push({
            file: displayPath(file),
            severity,
            code,
            message: typeof diagnostic.message === 'string' ? diagnostic.message : diagnostic.message.value,
            range: {
                start: { line: diagnostic.range.start.line + 1, column: diagnostic.range.start.character + 1 },
                end: { line: diagnostic.range.end.line + 1, column: diagnostic.range.end.character + 1 }
            }
        });
    }
    return sortDiagnostics(result);
}

/** Sorts by position; the file order is the caller's. */
export function sortDiagnostics(diagnostics: CliDiagnostic[]): CliDiagnostic[] {
    return diagnostics.sort((a, b) =>
        a.range.start.line - b.range.start.line || a.range.start.column - b.range.start.column);
}

/** `file:line:col: error: message [flow/code]` */
export function formatDiagnostic(diagnostic: CliDiagnostic): string {
    const { file, range, severity, message, code } = diagnostic;
    // Messages may span lines (e.g. a parser's "expecting one of"); keep one diagnostic per line.
    const oneLine = message.replace(/\s*\r?\n\s*/g, ' ');
    return `${file}:${range.start.line}:${range.start.column}: ${severity}: ${oneLine}${code ? ` [${code}]` : ''}`;
}

/** Counts by severity. */
export function countProblems(diagnostics: readonly CliDiagnostic[]): { errors: number; warnings: number } {
    return {
        errors: diagnostics.filter(diagnostic => diagnostic.severity === 'error').length,
        warnings: diagnostics.filter(diagnostic => diagnostic.severity === 'warning').length
    };
}

/** "3 files checked: 2 errors, 1 warning." */
export function summaryLine(fileCount: number, diagnostics: readonly CliDiagnostic[]): string {
    const { errors, warnings } = countProblems(diagnostics);
    const files = plural(fileCount, 'file');
    if (errors === 0 && warnings === 0) return `${files} checked: no problems.`;
    return `${files} checked: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}.`;
}

function plural(count: number, noun: string): string {
    return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
