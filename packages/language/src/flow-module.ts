import {
    type Module, inject, type LangiumSharedCoreServices, type LangiumDocument, URI,
    type FileSystemProvider, EmptyFileSystem
} from 'langium';
import {
    createDefaultModule, createDefaultSharedModule, type DefaultSharedModuleContext,
    type LangiumServices, type LangiumSharedServices, type PartialLangiumServices,
    type PartialLangiumSharedServices
} from 'langium/lsp';
import { FlowGeneratedModule, FlowGeneratedSharedModule } from './generated/module.js';
import { FlowLexer } from './parser/flow-lexer.js';
import { FlowTokenBuilder } from './parser/flow-token-builder.js';
import { FlowScopeComputation } from './references/flow-scope-computation.js';
import { FlowScopeProvider } from './references/flow-scope-provider.js';
import { FlowWorkspaceManager } from './workflow/flow-workspace-manager.js';
import { FlowTaskGraph } from './workflow/flow-task-graph.js';
import { FlowValidator, registerValidationChecks } from './validation/flow-validator.js';
import { FlowDocumentValidator } from './validation/flow-document-validator.js';
import { FlowCompletionProvider } from './lsp/flow-completion-provider.js';
import { FlowNodeKindProvider } from './lsp/flow-node-kind-provider.js';
import { FlowFormatter } from './lsp/flow-formatter.js';
import { FlowInterpolationIndex } from './lsp/flow-interpolation-index.js';
import { FlowReferences } from './lsp/flow-references.js';
import { FlowHoverProvider } from './lsp/flow-hover-provider.js';
import { FlowDefinitionProvider } from './lsp/flow-definition-provider.js';
import { FlowReferencesProvider } from './lsp/flow-references-provider.js';
import { FlowRenameProvider } from './lsp/flow-rename-provider.js';
import { FlowSemanticTokenProvider } from './lsp/flow-semantic-token-provider.js';
import { FlowCodeActionProvider } from './lsp/flow-code-action-provider.js';
import { FlowDocumentSymbolProvider } from './lsp/flow-document-symbol-provider.js';
import { BUILTIN_LIBRARY, BUILTIN_URI } from './builtins.js';

/** Services added to Langium's for the Flow language, grouped by concern. */
export type FlowAddedServices = {
    // Grouped by concern: references, validation, lsp, workflow.
    validation: {
        FlowValidator: FlowValidator;
    };
    workflow: {
        /** The dependency graph of each workflow, cached per document. */
        TaskGraph: FlowTaskGraph;
    };
    lsp: {
        /** The names read in `{{...}}` interpolations of each document, cached per document. */
        InterpolationIndex: FlowInterpolationIndex;
    };
};

export type FlowServices = LangiumServices & FlowAddedServices;

export const FlowModule: Module<FlowServices, PartialLangiumServices & FlowAddedServices> = {
    parser: {
        Lexer: (services) => new FlowLexer(services),
        TokenBuilder: () => new FlowTokenBuilder()
    },
    references: {
        ScopeComputation: (services) => new FlowScopeComputation(services),
        ScopeProvider: (services) => new FlowScopeProvider(services),
        // Adds the names read in interpolations to Langium's references (the LSP features' concern).
        References: (services) => new FlowReferences(services)
    },
    validation: {
        DocumentValidator: (services) => new FlowDocumentValidator(services),
        FlowValidator: (services) => new FlowValidator(services)
    },
    workflow: {
        TaskGraph: (services) => new FlowTaskGraph(services)
    },
    lsp: {
        CompletionProvider: (services) => new FlowCompletionProvider(services),
        Formatter: () => new FlowFormatter(),
        InterpolationIndex: (services) => new FlowInterpolationIndex(services),
        HoverProvider: (services) => new FlowHoverProvider(services),
        DefinitionProvider: (services) => new FlowDefinitionProvider(services),
        ReferencesProvider: (services) => new FlowReferencesProvider(services),
        RenameProvider: (services) => new FlowRenameProvider(services),
        SemanticTokenProvider: (services) => new FlowSemanticTokenProvider(services),
        CodeActionProvider: (services) => new FlowCodeActionProvider(services),
        DocumentSymbolProvider: (services) => new FlowDocumentSymbolProvider(services)
    }
};

export const FlowSharedModule: Module<LangiumSharedServices, PartialLangiumSharedServices> = {
    workspace: {
        WorkspaceManager: (services) => new FlowWorkspaceManager(services)
    },
    lsp: {
        NodeKindProvider: () => new FlowNodeKindProvider()
    }
};

export interface FlowServiceSet {
    shared: LangiumSharedServices;
    Flow: FlowServices;
}

/** Creates the shared and the language services (the language server's entry point uses it). */
export function createFlowServices(context: DefaultSharedModuleContext): FlowServiceSet {
    const shared = inject(createDefaultSharedModule(context), FlowGeneratedSharedModule, FlowSharedModule);
    const Flow = inject(createDefaultModule({ shared }), FlowGeneratedModule, FlowModule);
    shared.ServiceRegistry.register(Flow);
    registerValidationChecks(Flow);
    if (!context.connection) {
        // Without a language client nobody sends configuration; mark it as received.
        shared.workspace.ConfigurationProvider.initialized({});
    }
    return { shared, Flow };
}

/**
 * Services for use outside a language server (CLI, tests, benchmarks), with the built-in
 * library loaded and indexed, so documents built afterwards link against it.
 */
export async function createFlowServicesWithBuiltins(
    fileSystemProvider: (services: LangiumSharedCoreServices) => FileSystemProvider = EmptyFileSystem.fileSystemProvider
): Promise<FlowServiceSet> {
    const services = createFlowServices({ fileSystemProvider });
    await loadBuiltins(services.shared);
    return services;
}

/** Adds the built-in library document and builds it (idempotent). */
export async function loadBuiltins(shared: LangiumSharedServices): Promise<LangiumDocument> {
    const documents = shared.workspace.LangiumDocuments;
    const uri = URI.parse(BUILTIN_URI);
    const existing = documents.getDocument(uri);
    if (existing) return existing;
    const document = shared.workspace.LangiumDocumentFactory.fromString(BUILTIN_LIBRARY, uri);
    documents.addDocument(document);
    await shared.workspace.DocumentBuilder.build([document], { validation: false });
    return document;
}
