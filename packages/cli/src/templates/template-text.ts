import { CstUtils, GrammarUtils, type CstNode } from 'langium';
import type { ast } from '@flow/language';
import type { TemplateParam } from './template-catalog.js';

/** A replacement of the source text between two offsets. */
interface Edit {
    start: number;
    end: number;
    text: string;
}

/**
 * The template written out as a workflow of its own: `template workflow T` becomes
 * `workflow <name>`, and each given value becomes its parameter's default (so a run may still
 * override it). Everything else, comments included, stays as the template has it.
 */
export function expandTemplate(template: ast.Workflow, name: string, values: ReadonlyMap<TemplateParam, string>, provenance: string): string {
    const edits: Edit[] = [];
    for (const [param, literal] of values) {
        const defaultNode = param.node.default?.$cstNode;
        const typeNode = param.node.type.$cstNode!;
        edits.push(defaultNode
            ? { start: defaultNode.offset, end: defaultNode.end, text: literal }
            : { start: typeNode.end, end: typeNode.end, text: ` = ${literal}` });
    }
    return rewriteWorkflow(template, `workflow ${name}`, edits, provenance);
}

/** A workflow written out as `template workflow <name>`, everything else as it is. */
export function workflowAsTemplate(workflow: ast.Workflow, name: string, provenance: string): string {
    return rewriteWorkflow(workflow, `template workflow ${name}`, [], provenance);
}

/**
 * The workflow's text from its doc comment to its closing brace, with its header (`template`,
 * `workflow` and the name) replaced and the edits applied, after a `//` line saying where it
 * came from (above the doc comment, which must stay right before the declaration).
 */
function rewriteWorkflow(workflow: ast.Workflow, header: string, edits: Edit[], provenance: string): string {
    const node = workflow.$cstNode!;
    const source = node.root.fullText;
    const comment = CstUtils.findCommentNode(node, ['ML_COMMENT']);
    const start = comment?.text.startsWith('/**') ? comment.offset : node.offset;
    const first: CstNode = GrammarUtils.findNodeForKeyword(node, 'template') ?? GrammarUtils.findNodeForKeyword(node, 'workflow')!;
    const nameNode = GrammarUtils.findNodeForProperty(node, 'name')!;
    const all = [{ start: first.offset, end: nameNode.end, text: header }, ...edits].sort((a, b) => b.start - a.start);
    let text = source.slice(start, node.end);
    for (const edit of all) text = text.slice(0, edit.start - start) + edit.text + text.slice(edit.end - start);
    return `// ${provenance}\n${text}\n`;
}
