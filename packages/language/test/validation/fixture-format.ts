/**
 * The inline expectation format of validation fixtures (after Safe-DS): a comment
 * `// $TEST$ error "part of the message" flow/code` (with `\"` for a quote) expects a diagnostic on the next range marked
 * with `»` and `«` that no earlier comment has taken. Markers nest, so `»»x««` marks one range
 * twice, for two diagnostics on the same text. The markers are removed before parsing.
 */

export interface Expectation {
    severity: 'error' | 'warning' | 'info';
    message: string;
    code: string;
    /** Offsets in the text without markers. */
    range: { start: number; end: number };
}

export interface Fixture {
    /** The source without markers. */
    text: string;
    expectations: Expectation[];
}

const TEST_COMMENT = /\/\/\s*\$TEST\$\s+(error|warning|info)\s+"((?:\\.|[^"\\])*)"\s+(\S+)/g;

export function parseFixture(source: string): Fixture {
    let text = '';
    const open: number[] = [];
    const ranges: Array<{ start: number; end: number }> = [];
    for (const character of source) {
        if (character === '»') {
            open.push(text.length);
        } else if (character === '«') {
            const start = open.pop();
            if (start === undefined) throw new Error(`'«' without '»' at offset ${text.length}`);
            ranges.push({ start, end: text.length });
        } else {
            text += character;
        }
    }
    if (open.length > 0) throw new Error(`'»' without '«' at offset ${open[0]}`);
    // Outer ranges close last; order by start so comments take ranges in reading order.
    ranges.sort((a, b) => a.start - b.start || b.end - a.end);
    const taken = new Set<number>();
    const expectations: Expectation[] = [];
    for (const match of text.matchAll(TEST_COMMENT)) {
        const commentEnd = match.index + match[0].length;
        const index = ranges.findIndex((range, i) => !taken.has(i) && range.start >= commentEnd);
        if (index < 0) throw new Error(`No »range« after the $TEST$ comment at offset ${match.index}`);
        taken.add(index);
        expectations.push({
            severity: match[1] as Expectation['severity'], message: match[2].replace(/\\(.)/g, '$1'), code: match[3], range: ranges[index]
        });
    }
    if (taken.size !== ranges.length) throw new Error('A »range« has no $TEST$ comment');
    return { text, expectations };
}
