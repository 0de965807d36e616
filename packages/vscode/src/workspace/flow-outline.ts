import * as vscode from 'vscode';

/** A workflow of a `.flow` file as its outline (the language server's document symbols) shows it. */
export interface OutlineWorkflow {
    name: string;
    /** A `template workflow`, which is instantiated, never run. */
    template: boolean;
    /** The whole declaration, and its name (what selecting it reveals). */
    range: vscode.Range;
    selectionRange: vscode.Range;
    /** Its phases, streams, tasks and batches, in declaration order. */
    children: OutlineElement[];
}

interface OutlineDeclaration {
    name: string;
    /** What the outline shows beside the name (a task's type, a phase's `after`). */
    detail?: string;
    range: vscode.Range;
    selectionRange: vscode.Range;
}

export type OutlineElement =
    | OutlineDeclaration & { kind: 'phase'; children: OutlineElement[] }
    | OutlineDeclaration & { kind: 'stream'; children: OutlineElement[] }
    | OutlineDeclaration & { kind: 'task' | 'batch' };

/** Symbol kinds the server gives Flow's declarations (packages/language/src/lsp/flow-node-kind-provider.ts). */
const KINDS = new Map<vscode.SymbolKind, 'phase' | 'stream' | 'task' | 'batch'>([
    [vscode.SymbolKind.Namespace, 'phase'],
    [vscode.SymbolKind.Package, 'stream'],
    [vscode.SymbolKind.Function, 'task'],
    [vscode.SymbolKind.Array, 'batch']
]);

/**
 * The workflows of a `.flow` file with their phases, streams and tasks, from the language
 * server's outline, so that the editor shell reads the structure without parsing it (which would
 * load Langium into the extension host). `serverReady` resolves once the server is up: before,
 * no provider answers and the file would look empty.
 */
export async function readOutline(uri: vscode.Uri, serverReady: Promise<unknown>): Promise<OutlineWorkflow[]> {
    await serverReady;
    const symbols = await vscode.commands.executeCommand<(vscode.DocumentSymbol | vscode.SymbolInformation)[] | undefined>(
        'vscode.executeDocumentSymbolProvider', uri) ?? [];
    return symbols
        .filter((symbol): symbol is vscode.DocumentSymbol => 'children' in symbol && symbol.kind === vscode.SymbolKind.Module)
        .map(symbol => ({
            name: symbol.name,
            template: symbol.detail === 'template',
            range: symbol.range,
            selectionRange: symbol.selectionRange,
            children: elements(symbol.children)
        }));
}

function elements(symbols: readonly vscode.DocumentSymbol[]): OutlineElement[] {
    const result: OutlineElement[] = [];
    for (const symbol of symbols) {
        const kind = KINDS.get(symbol.kind);
        if (kind === undefined) continue;
        const common = { name: symbol.name, detail: symbol.detail || undefined, range: symbol.range, selectionRange: symbol.selectionRange };
        result.push(kind === 'task' || kind === 'batch' ? { kind, ...common } : { kind, ...common, children: elements(symbol.children) });
    }
    return result;
}

/** Every task and batch of a workflow, however deep in phases and streams. */
export function outlineTasks(workflow: OutlineWorkflow): Extract<OutlineElement, { kind: 'task' | 'batch' }>[] {
    const found: Extract<OutlineElement, { kind: 'task' | 'batch' }>[] = [];
    const pending = [...workflow.children].reverse();
    while (pending.length > 0) {
        const element = pending.pop()!;
        if ('children' in element) pending.push(...[...element.children].reverse());
        else found.push(element);
    }
    return found;
}

/** The workflow and task (if any) whose declaration holds `position`. */
export function elementAt(outline: readonly OutlineWorkflow[], position: vscode.Position): { workflow?: OutlineWorkflow; task?: string } {
    const workflow = outline.find(candidate => candidate.range.contains(position));
    if (!workflow) return {};
    return { workflow, task: outlineTasks(workflow).find(task => task.range.contains(position))?.name };
}
