import { expectFoldings, expectSymbols } from 'langium/test';
import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver';
import { describe, expect, it } from 'vitest';
import { useFlowServices } from './lsp-services.js';

const services = useFlowServices();

/** A symbol tree as `name (detail)` lines, indented by depth. */
function outline(symbols: DocumentSymbol[], depth = 0): string[] {
    return symbols.flatMap(symbol => [
        `${'  '.repeat(depth)}${symbol.name}${symbol.detail ? ` (${symbol.detail})` : ''}`,
        ...outline(symbol.children ?? [], depth + 1)
    ]);
}

describe('outline', () => {
    it('nests workflow > phase > stream > task, with declarations under the workflow', async () => {
        await expectSymbols(services().Flow)({
            text: `workflow Launch {
  param topic: string
  agent crawler { capabilities web, pdf }
  pool gpu { concurrency 2 }
  type audit {}
  phase build sequential {
    stream product {
      task spec: design
      batch variants: audit { items [] }
    }
    checkpoint specified after spec
  }
}`,
            assert: symbols => expect(outline(symbols)).toEqual([
                'Launch',
                '  topic (param · string)',
                '  crawler (agent · web, pdf)',
                '  gpu (pool · concurrency 2)',
                '  audit (task type)',
                '  build (phase · sequential)',
                '    product (stream)',
                '      spec (task · design)',
                '      variants (batch · audit)',
                '    specified (checkpoint · after spec)'
            ])
        });
    });

    it('gives each kind of declaration its own symbol kind', async () => {
        await expectSymbols(services().Flow)({
            text: 'workflow W { phase p { stream s { task t: design } } }',
            assert: symbols => {
                const phase = symbols[0].children![0];
                const stream = phase.children![0];
                expect([symbols[0].kind, phase.kind, stream.kind, stream.children![0].kind])
                    .toEqual([SymbolKind.Module, SymbolKind.Namespace, SymbolKind.Package, SymbolKind.Function]);
            }
        });
    });
});

describe('folding', () => {
    it('folds every block that spans lines, up to the line before its closing brace', async () => {
        await expectFoldings(services().Flow)({
            text: `<|workflow W {
  <|phase p {
    <|task a: research {
      priority high
      timeout 5m|>
    }|>
  }|>
}`
        });
    });

    it('folds multi-line comments', async () => {
        await expectFoldings(services().Flow)({
            text: `<|/**
 * Three lines.|>
 */
agent a {}`
        });
    });
});
