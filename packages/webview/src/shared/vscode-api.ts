/**
 * The webview side of VS Code's API: `acquireVsCodeApi()` may be called once per page, so every
 * webview bundle gets it here. Messages are typed by the caller with the unions of
 * packages/vscode/src/shared/messages.ts.
 */
export interface WebviewApi<State, Outgoing> {
    postMessage(message: Outgoing): void;
    getState(): State | undefined;
    setState(state: State): void;
}

declare function acquireVsCodeApi<State, Outgoing>(): WebviewApi<State, Outgoing>;

let api: WebviewApi<unknown, unknown> | undefined;

export function vscodeApi<State, Outgoing>(): WebviewApi<State, Outgoing> {
    api ??= acquireVsCodeApi<unknown, unknown>();
    return api as WebviewApi<State, Outgoing>;
}
