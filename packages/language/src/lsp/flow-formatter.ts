import { type AstNode, type CompositeCstNode, type CstNode, GrammarAST, isCompositeCstNode, isLeafCstNode, type LangiumDocument, type RootCstNode } from 'langium';
import { AbstractFormatter, type FormattingAction } from 'langium/lsp';
import type { FormattingOptions, Range, TextEdit } from 'vscode-languageserver';
import * as ast from '../generated/ast.js';

/** How a `{ ... }` block or a `[ ... ]` / `{ k: v }` literal is laid out. */
type Layout = 'empty' | 'inline' | 'multiline';

/**
 * Flow's one layout (documented in docs/language.md, "Formatting").
 *
 * - Two spaces per level, whatever the editor's tab settings: every `.flow` file looks the same.
 * - A block with several statements gets one statement per line. A block with one statement that
 *   is written on one line stays on one line (`pool gpu { concurrency 2 }`); written over
 *   several lines, it is laid out like a longer block. An empty block is `{}`.
 * - Object and array literals written on one line stay on one line (`{ a: 1, b: 2 }`, `[1, 2]`);
 *   a literal that spans lines gets one entry per line.
 * - Inside a statement, tokens are separated by one space, except `a, b`, `name: value`,
 *   `task.result.x`, `f(x)`, `[x]` and unary minus (`-1`).
 * - At most one blank line is kept between statements, none after `{` or before `}`.
 * - Comments stay where they are: a trailing comment keeps its line and its spacing, a comment on
 *   its own line is indented like the statement that follows.
 *
 * Every decision depends only on what formatting keeps (the number of statements, whether a block
 * spans lines, comments), so formatting twice gives the same text as formatting once. Only
 * whitespace between tokens changes, never a token, so the parse is the same.
 *
 * The layout is computed in one pass over the leaves of the CST (linear in the document) and
 * handed to Langium as one formatting per leaf whose gap must change, so no gap is formatted
 * twice and a formatted file costs Langium no edits at all.
 */
export class FlowFormatter extends AbstractFormatter {
    protected override doDocumentFormat(document: LangiumDocument, options: FormattingOptions, range?: Range): TextEdit[] {
        return super.doDocumentFormat(document, { ...options, tabSize: 2, insertSpaces: true }, range);
    }

    /** The whole layout is planned from the root, so the other AST nodes need no visit. */
    protected override iterateAstFormatting(document: LangiumDocument): void {
        this.format(document.parseResult.value);
    }

    protected override format(node: AstNode): void {
        if (!ast.isFlowFile(node) || !node.$cstNode) return;
        const formatter = this.getNodeFormatter(node);
        for (const [leaf, action] of planLayout(node.$cstNode)) {
            formatter.cst([leaf]).prepend(action);
        }
    }
}

/** The formatting of the gap before each leaf that needs one, in document order. */
function planLayout(root: CstNode): Map<CstNode, FormattingAction> {
    const pairs = collectBrackets(root);
    const opening = new Map<CstNode, BracketPair>();
    const closing = new Map<CstNode, BracketPair>();
    /** Offsets of the first token of each statement or entry that starts a line. */
    const lineStarts = new Set<number>();
    // Top-level elements start lines; the file itself has no brackets around them.
    for (const child of isCompositeCstNode(root) ? root.content : []) {
        if (!child.hidden) lineStarts.add(child.offset);
    }
    for (const pair of pairs) {
        opening.set(pair.open, pair);
        closing.set(pair.close, pair);
        if (pair.layout === 'multiline') for (const member of pair.members) lineStarts.add(member.offset);
    }

    const plan = new Map<CstNode, FormattingAction>();
    const text = (root as RootCstNode).fullText;
    let depth = 0;
    let previous: CstNode | undefined;
    let previousToken: CstNode | undefined;
    for (const node of leavesOf(root)) {
        const gap = text.substring(previous?.end ?? 0, node.offset);
        if (node.hidden) {
            // A comment on its own line is indented to the current depth; a trailing one stays put.
            if (!previous || gap.includes('\n')) plan.set(node, { options: {}, moves: [{ tabs: depth }] });
            previous = node;
            continue;
        }
        const close = closing.get(node);
        let action: FormattingAction;
        if (close?.layout === 'multiline') {
            depth--;
            action = lineBreak(1, depth);
        } else if (!previousToken) {
            action = spaces(0);
        } else if (lineStarts.has(node.offset)) {
            const afterOpening = opening.get(previousToken)?.layout === 'multiline' && previous === previousToken;
            const lines = afterOpening ? 1 : Math.min(2, Math.max(1, lineBreaksIn(gap)));
            action = lineBreak(lines, depth);
        } else {
            action = spaces(spaceBetween(previousToken, node, close, opening.get(previousToken)));
        }
        // Gaps that are already right get no formatting: most of a formatted file needs no edit,
        // and Langium's formatter would otherwise build and discard an edit for every token.
        if (!isAlready(gap, previous, action)) plan.set(node, action);
        if (opening.get(node)?.layout === 'multiline') depth++;
        previous = node;
        previousToken = node;
    }
    return plan;
}

/** A `{ ... }` or `[ ... ]` pair with what it holds. */
interface BracketPair {
    open: CstNode;
    close: CstNode;
    /** Statements or entries, each a CST node (commas and comments left out). */
    members: CstNode[];
    layout: Layout;
    /** The innermost pair around this one. */
    parent?: BracketPair;
}

/**
 * Finds every `{ ... }` and `[ ... ]` pair (a rule's brackets are always siblings of its
 * members in the CST) and decides its layout. A pair that holds a multi-line pair is multi-line
 * too: otherwise the inner one's line breaks would make it multi-line on the next run.
 */
function collectBrackets(root: CstNode): BracketPair[] {
    const pairs: BracketPair[] = [];
    for (const node of compositesOf(root)) {
        const content = node.content;
        for (let open = 0; open < content.length; open++) {
            const openNode = content[open];
            const closeText = closingBracketOf(openNode);
            if (!closeText) continue;
            let close = open + 1;
            while (close < content.length && !isPunctuation(content[close], closeText)) close++;
            if (close >= content.length) continue;
            const inner = content.slice(open + 1, close);
            const members = inner.filter(child => !child.hidden && !isPunctuation(child, ','));
            const hasComment = inner.some(child => child.hidden);
            const closeNode = content[close];
            const spansLines = closeNode.range.start.line !== openNode.range.end.line;
            const isLiteral = ast.isObjectLiteral(openNode.astNode) || ast.isArrayLiteral(openNode.astNode);
            let layout: Layout;
            if (members.length === 0 && !hasComment) layout = 'empty';
            else if (!spansLines && (isLiteral || members.length <= 1)) layout = 'inline';
            else layout = 'multiline';
            pairs.push({ open: openNode, close: closeNode, members, layout });
            open = close;
        }
    }
    pairs.sort((a, b) => a.open.offset - b.open.offset);
    const enclosing: BracketPair[] = [];
    for (const pair of pairs) {
        while (enclosing.length > 0 && enclosing[enclosing.length - 1].close.end <= pair.open.offset) enclosing.pop();
        pair.parent = enclosing[enclosing.length - 1];
        enclosing.push(pair);
    }
    // Inner pairs come after their parents; walking backwards settles children first.
    for (let index = pairs.length - 1; index >= 0; index--) {
        const pair = pairs[index];
        if (pair.layout === 'multiline' && pair.parent) pair.parent.layout = 'multiline';
    }
    return pairs;
}

/** The leaves under a CST node in document order (iterative: CSTs can be deep). */
function* leavesOf(root: CstNode): Generator<CstNode> {
    const stack: Array<{ content: readonly CstNode[]; index: number }> = [];
    if (isCompositeCstNode(root)) stack.push({ content: root.content, index: 0 });
    else yield root;
    while (stack.length > 0) {
        const top = stack[stack.length - 1];
        if (top.index >= top.content.length) {
            stack.pop();
            continue;
        }
        const child = top.content[top.index++];
        if (isCompositeCstNode(child)) stack.push({ content: child.content, index: 0 });
        else yield child;
    }
}

/** The composite nodes under a CST node, parents before children. */
function* compositesOf(root: CstNode): Generator<CompositeCstNode> {
    const stack: CstNode[] = [root];
    while (stack.length > 0) {
        const node = stack.pop()!;
        if (!isCompositeCstNode(node)) continue;
        yield node;
        for (let index = node.content.length - 1; index >= 0; index--) stack.push(node.content[index]);
    }
}

function lineBreaksIn(text: string): number {
    let count = 0;
    for (let index = text.indexOf('\n'); index >= 0; index = text.indexOf('\n', index + 1)) count++;
    return count;
}

function closingBracketOf(node: CstNode): string | undefined {
    if (isPunctuation(node, '{')) return '}';
    if (isPunctuation(node, '[')) return ']';
    return undefined;
}

function isPunctuation(node: CstNode, text: string): boolean {
    return isLeafCstNode(node) && !node.hidden && node.text === text && GrammarAST.isKeyword(node.grammarSource);
}

/** Spaces between two tokens of one line. */
function spaceBetween(previous: CstNode, next: CstNode, close: BracketPair | undefined, opened: BracketPair | undefined): number {
    const before = previous.text;
    const after = next.text;
    if (after === ',' || after === '.' || after === ':' || after === ')' || after === ']') return 0;
    if (before === '.' || before === '(' || before === '[') return 0;
    if (after === '(') return ast.isWorkflow(next.astNode) ? 0 : 1;
    if (before === '-' && (ast.isNegationExpression(previous.astNode) || ast.isNumberLiteral(previous.astNode))) return 0;
    if (opened?.layout === 'empty' && close === opened) return 0;
    return 1;
}

/** Whether the text between the previous leaf and this one is already what the action asks for. */
function isAlready(gap: string, previous: CstNode | undefined, action: FormattingAction): boolean {
    const move = action.moves[0];
    if (move.characters !== undefined) {
        // Langium leaves the gap after a comment alone.
        return previous?.hidden === true || gap === ' '.repeat(move.characters);
    }
    return gap === '\n'.repeat(move.lines ?? 0) + '  '.repeat(move.tabs ?? 0);
}

function spaces(count: number): FormattingAction {
    return { options: {}, moves: [{ characters: count }] };
}

function lineBreak(lines: number, depth: number): FormattingAction {
    return { options: {}, moves: [{ lines, tabs: depth }] };
}
