import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';

/**
 * Starts the Flow language server (dist/server.cjs) in its own Node process, talking over IPC.
 * Every language feature (diagnostics, completion, hover, ...) comes from there; the extension
 * host only relays. The client is stopped with the extension (it is on `context.subscriptions`).
 */
export async function startLanguageClient(context: vscode.ExtensionContext): Promise<LanguageClient> {
    const serverModule = context.asAbsolutePath('dist/server.cjs');
    const serverOptions: ServerOptions = {
        run: { module: serverModule, transport: TransportKind.ipc },
        debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6009'] } }
    };
    const clientOptions: LanguageClientOptions = {
        documentSelector: [{ scheme: 'file', language: 'flow' }, { scheme: 'untitled', language: 'flow' }],
        synchronize: {
            // Files of the workspace that are not open still change what resolves (shared agents,
            // types, pools) and what is scanned at all (.flowignore).
            fileEvents: vscode.workspace.createFileSystemWatcher('**/{*.flow,.flowignore}')
        }
    };
    const client = new LanguageClient('flow', 'Flow Language Server', serverOptions, clientOptions);
    context.subscriptions.push(client);
    await client.start();
    return client;
}
