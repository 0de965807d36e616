// esbuild bundles the CSS a webview script imports into the CSS file beside the script.
declare module '*.css';
