import { DefaultWorkspaceManager, type FileSystemNode, type LangiumDocument, URI, UriUtils, type WorkspaceFolder } from 'langium';
import type { LangiumSharedServices } from 'langium/lsp';
import { BUILTIN_LIBRARY, BUILTIN_URI } from '../builtins.js';
import { FLOW_IGNORE_FILE, FlowIgnore } from './flow-ignore.js';

/**
 * Loads the built-in library next to the workspace's own `.flow` files, and leaves out what a
 * workspace folder's `.flowignore` lists (test fixtures with deliberate errors, generated files).
 */
export class FlowWorkspaceManager extends DefaultWorkspaceManager {
    private readonly documentFactory;
    /** Per workspace root folder (as a URI string ending in `/`), its ignore rules. */
    private ignores: Array<{ root: string; ignore: FlowIgnore }> = [];

    constructor(services: LangiumSharedServices) {
        super(services);
        this.documentFactory = services.workspace.LangiumDocumentFactory;
    }

    protected override async performStartup(folders: WorkspaceFolder[]): Promise<LangiumDocument[]> {
        this.ignores = await Promise.all(folders.map(async folder => {
            const root = this.getRootFolder(folder);
            let ignore = FlowIgnore.EMPTY;
            try {
                ignore = FlowIgnore.parse(await this.fileSystemProvider.readFile(UriUtils.joinPath(root, FLOW_IGNORE_FILE)));
            } catch {
                // No .flowignore: nothing is left out.
            }
            return { root: root.toString().replace(/\/?$/, '/'), ignore };
        }));
        return super.performStartup(folders);
    }

    override shouldIncludeEntry(entry: FileSystemNode): boolean {
        if (!super.shouldIncludeEntry(entry)) return false;
        const uri = entry.uri.toString();
        const owner = this.ignores.find(candidate => uri.startsWith(candidate.root));
        return !owner || !owner.ignore.ignores(decodeURIComponent(uri.slice(owner.root.length)), entry.isDirectory);
    }

    protected override async loadAdditionalDocuments(
        folders: WorkspaceFolder[],
        collector: (document: LangiumDocument) => void
    ): Promise<void> {
        await super.loadAdditionalDocuments(folders, collector);
        collector(this.documentFactory.fromString(BUILTIN_LIBRARY, URI.parse(BUILTIN_URI)));
    }
}
