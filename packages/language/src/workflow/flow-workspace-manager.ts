import { DefaultWorkspaceManager, type LangiumDocument, URI, type WorkspaceFolder } from 'langium';
import type { LangiumSharedServices } from 'langium/lsp';
import { BUILTIN_LIBRARY, BUILTIN_URI } from '../builtins.js';

/** Loads the built-in library next to the workspace's own `.flow` files. */
export class FlowWorkspaceManager extends DefaultWorkspaceManager {
    private readonly documentFactory;

    constructor(services: LangiumSharedServices) {
        super(services);
        this.documentFactory = services.workspace.LangiumDocumentFactory;
    }

    protected override async loadAdditionalDocuments(
        folders: WorkspaceFolder[],
        collector: (document: LangiumDocument) => void
    ): Promise<void> {
        await super.loadAdditionalDocuments(folders, collector);
        collector(this.documentFactory.fromString(BUILTIN_LIBRARY, URI.parse(BUILTIN_URI)));
    }
}
