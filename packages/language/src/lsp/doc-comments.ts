import { type AstNode, CstUtils, isJSDoc, parseJSDoc } from 'langium';

/**
 * The `/** ... *\/` comment directly above a declaration, or undefined.
 *
 * Langium's comment lookup asks the CST for the node's previous sibling with `indexOf`, which is
 * linear in the number of siblings; completion asks for the documentation of every candidate,
 * so with 10,000 tasks in one workflow that lookup alone is quadratic. This one reads the text
 * backwards from the node and confirms with a binary search in the CST that the `*\/` it found
 * ends a real comment (not text inside a string or a line comment).
 */
export function docCommentOf(node: AstNode): string | undefined {
    const cst = node.$cstNode;
    if (!cst) return undefined;
    const text = cst.root.fullText;
    let end = cst.offset - 1;
    while (end >= 0 && isWhitespace(text.charCodeAt(end))) end--;
    if (end < 1 || text[end] !== '/' || text[end - 1] !== '*') return undefined;
    const leaf = CstUtils.findLeafNodeAtOffset(cst.root, end);
    if (!leaf || !leaf.hidden || leaf.end !== end + 1 || !leaf.text.startsWith('/**')) return undefined;
    return leaf.text;
}

/** The doc comment above a declaration rendered as Markdown, or undefined. */
export function docMarkdown(node: AstNode): string | undefined {
    const comment = docCommentOf(node);
    if (!comment || !isJSDoc(comment)) return undefined;
    const markdown = parseJSDoc(comment).toMarkdown().trim();
    return markdown.length > 0 ? markdown : undefined;
}

function isWhitespace(code: number): boolean {
    return code === 32 || code === 9 || code === 10 || code === 13;
}
