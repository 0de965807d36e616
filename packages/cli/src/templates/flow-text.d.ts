// The built-in templates are .flow files that esbuild bundles as text (the `.flow` loader in
// esbuild.mjs), so `dist/flowctl.cjs` carries them and needs no file beside it.
declare module '*.flow' {
    const text: string;
    export default text;
}
