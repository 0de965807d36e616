// The build of sql.js with its WebAssembly inlined: bundles (dist/flowctl.cjs) carry it as is,
// with no .wasm file to find next to them at run time.
declare module 'sql.js/dist/sql-wasm-inline.js' {
    import initSqlJs from 'sql.js';
    export default initSqlJs;
}
