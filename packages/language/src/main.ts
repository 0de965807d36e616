import { startLanguageServer } from 'langium/lsp';
import { NodeFileSystem } from 'langium/node';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { createFlowServices } from './flow-module.js';

// The language server's entry point: bundled by esbuild into dist/server.cjs.
const connection = createConnection(ProposedFeatures.all);
const { shared } = createFlowServices({ connection, ...NodeFileSystem });
startLanguageServer(shared);
