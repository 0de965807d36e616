import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

/** The folder of the webview bundles (built by esbuild.mjs from packages/webview), inside the extension. */
export const WEBVIEW_BUNDLE_DIR = ['dist', 'webview'] as const;

/** A webview bundle: `dist/webview/NAME.js` and its stylesheet `NAME.css` (with codicons). */
export interface WebviewPage {
    /** The bundle's name: `progress` for dist/webview/progress.js. */
    bundle: string;
    /** The page's title, for screen readers (the tab shows the panel's own title). */
    title: string;
}

/**
 * Options every Flow webview uses: scripts on, and nothing loadable but the bundle folder. No
 * `retainContextWhenHidden`: a hidden webview is rebuilt from its saved state and what the
 * extension sends again, which costs less than keeping every hidden page alive.
 */
export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
    return {
        enableScripts: true,
        localResourceRoots: [vscode.Uri.joinPath(extensionUri, ...WEBVIEW_BUNDLE_DIR)],
        enableFindWidget: true
    };
}

/**
 * The page of a webview bundle, under a strict content security policy: nothing by default;
 * styles, fonts and images only from the extension's bundle folder (`webview.cspSource`); the
 * one script only with this page's nonce. No inline style or script is needed: the bundles set
 * geometry through SVG attributes and the CSSOM, which the policy allows.
 */
export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, page: WebviewPage): string {
    const nonce = randomBytes(16).toString('base64');
    const asset = (file: string): string => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...WEBVIEW_BUNDLE_DIR, file)).toString();
    const csp = [
        "default-src 'none'",
        `img-src ${webview.cspSource} data:`,
        `style-src ${webview.cspSource}`,
        `font-src ${webview.cspSource}`,
        `script-src 'nonce-${nonce}'`
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${asset(`${page.bundle}.css`)}">
<title>${escapeHtml(page.title)}</title>
</head>
<body>
<script nonce="${nonce}" src="${asset(`${page.bundle}.js`)}"></script>
</body>
</html>`;
}

function escapeHtml(text: string): string {
    return text.replace(/[&<>"']/g, char => `&#${char.charCodeAt(0)};`);
}
