import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { NODE24, requireTools } from './tools.js';

export interface CodeServerOptions {
    /** The .vsix to install into this server's own extensions folder before it starts. */
    vsix?: string;
    /**
     * Start with VS Code's smoke-test driver, which runs an `extensionTestsPath` suite given in
     * the page's `payload` (without it the payload is ignored and nothing runs).
     */
    smokeTestDriver?: boolean;
    /**
     * `trusted`: Workspace Trust off, everything trusted (the usual test setting). `untrusted`:
     * Workspace Trust on and the folder never trusted, so the window opens in Restricted Mode.
     * @default 'trusted'
     */
    trust?: 'trusted' | 'untrusted';
    /** User settings over the quiet defaults (a scenario in a light theme sets `workbench.colorTheme`). */
    settings?: Record<string, unknown>;
}

/** User settings that keep welcome pages, tips, AI panels and update checks off the screen. */
const QUIET_SETTINGS = {
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoUpdate': false,
    'extensions.autoCheckUpdates': false,
    'extensions.ignoreRecommendations': true,
    'chat.disableAIFeatures': true,
    'editor.minimap.enabled': false,
    'window.commandCenter': false,
    'workbench.colorTheme': 'Default Dark Modern'
};

/** How long code-server may take to answer /healthz; on a busy 2-core machine it took under 5 s. */
const START_TIMEOUT_MS = 60_000;

/**
 * One code-server (VS Code in a browser) with its own user data, extensions and a fresh copy of
 * a workspace folder, all in a temp folder that `stop()` removes. It runs in its own session
 * (setsid), so that stopping its process group also ends its extension hosts, language servers
 * and file watchers: nothing is left behind.
 */
export class CodeServer {
    /** Kills the group if the test process exits without `stop()` (an interrupted run). */
    private readonly killOnExit = (): void => {
        if (this.process.pid !== undefined && groupAlive(this.process.pid)) process.kill(-this.process.pid, 'SIGKILL');
    };

    private constructor(
        /** http://127.0.0.1:PORT */
        readonly url: string,
        readonly port: number,
        /** The workspace folder it was started on (a copy; tests may write into it). */
        readonly workspace: string,
        private readonly process: ChildProcess,
        private readonly home: string,
        private readonly logFile: string
    ) {}

    static async start(fixture: string, options: CodeServerOptions = {}): Promise<CodeServer> {
        const { codeServer } = requireTools();
        const home = await mkdtemp(path.join(os.tmpdir(), 'flow-code-server-'));
        const workspace = path.join(home, 'workspace');
        await cp(fixture, workspace, { recursive: true });
        const userData = path.join(home, 'user-data');
        const extensions = path.join(home, 'extensions');
        const config = path.join(home, 'config.yaml');
        await mkdir(path.join(userData, 'User'), { recursive: true });
        await mkdir(extensions);
        // An empty config file: without --config, code-server writes one into the home folder.
        await writeFile(config, '');
        const untrusted = options.trust === 'untrusted';
        await writeFile(path.join(userData, 'User', 'settings.json'), JSON.stringify({
            ...QUIET_SETTINGS,
            'security.workspace.trust.enabled': untrusted,
            // Restricted Mode straight away, without the modal that asks whether to trust the folder.
            'security.workspace.trust.startupPrompt': 'never',
            ...options.settings
        }, null, 2));

        // HOME and XDG folders point into the temp folder too: code-server keeps logs there.
        const env = {
            ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), XDG_DATA_HOME: path.join(home, '.local/share'),
            XDG_CACHE_HOME: path.join(home, '.cache'),
            // No extension gallery: nothing here may reach out to a marketplace (an empty
            // configuration has no service URL, which turns the gallery off).
            EXTENSIONS_GALLERY: '{}'
        };
        const common = ['--config', config, '--user-data-dir', userData, '--extensions-dir', extensions];

        if (options.vsix) {
            const installed = spawnSync(NODE24, [codeServer, ...common, '--install-extension', options.vsix],
                { env, encoding: 'utf8', timeout: 120_000 });
            if (installed.status !== 0) {
                await rm(home, { recursive: true, force: true });
                throw new Error(`code-server --install-extension ${options.vsix} failed (exit ${installed.status ?? installed.signal}):\n` +
                    `${installed.stdout}\n${installed.stderr}`);
            }
        }

        const port = await freePort();
        const logFile = path.join(home, 'code-server.log');
        const log = openSync(logFile, 'a');
        const child = spawn(NODE24, [
            codeServer, ...common,
            '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`,
            '--disable-telemetry', '--disable-update-check', '--disable-getting-started-override',
            ...(untrusted ? [] : ['--disable-workspace-trust']),
            ...(options.smokeTestDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
            workspace
        ], { env, detached: true, stdio: ['ignore', log, log] });
        closeSync(log);
        const server = new CodeServer(`http://127.0.0.1:${port}`, port, workspace, child, home, logFile);
        process.on('exit', server.killOnExit);
        try {
            await server.waitUntilHealthy();
        } catch (error) {
            await server.stop();
            throw error;
        }
        return server;
    }

    /** What code-server printed so far (on a failure, the harness prints it). */
    log(): string {
        try {
            return readFileSync(this.logFile, 'utf8');
        } catch {
            return '(no log)';
        }
    }

    /** The workbench URL with the workspace folder open and, optionally, a smoke-driver payload. */
    workbenchUrl(payload?: [string, string][]): string {
        const query = new URLSearchParams({ folder: this.workspace });
        if (payload) query.set('payload', JSON.stringify(payload));
        return `${this.url}/?${query}`;
    }

    /** A path on this machine as the workbench's remote file system names it. */
    remoteUri(file: string): string {
        return `vscode-remote://127.0.0.1:${this.port}${file}`;
    }

    private async waitUntilHealthy(): Promise<void> {
        const deadline = Date.now() + START_TIMEOUT_MS;
        while (Date.now() < deadline) {
            if (this.process.exitCode !== null || this.process.signalCode !== null) {
                throw new Error(`code-server exited (${this.process.exitCode ?? this.process.signalCode}) before it answered:\n${this.log()}`);
            }
            const healthy = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(2_000) }).then(response => response.ok, () => false);
            if (healthy) return;
            await new Promise(resolve => setTimeout(resolve, 250));
        }
        throw new Error(`code-server did not answer ${this.url}/healthz within ${START_TIMEOUT_MS / 1000} s:\n${this.log()}`);
    }

    /** Stops the whole process group (`kill -- -PID`), escalating to SIGKILL, and removes the temp folder. */
    async stop(): Promise<void> {
        const pid = this.process.pid;
        if (pid !== undefined && groupAlive(pid)) {
            process.kill(-pid, 'SIGTERM');
            const deadline = Date.now() + 5_000;
            while (groupAlive(pid) && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 100));
            if (groupAlive(pid)) process.kill(-pid, 'SIGKILL');
            const killDeadline = Date.now() + 5_000;
            while (groupAlive(pid) && Date.now() < killDeadline) await new Promise(resolve => setTimeout(resolve, 100));
        }
        process.off('exit', this.killOnExit);
        await rm(this.home, { recursive: true, force: true, maxRetries: 3 });
    }
}

/** Whether any process of the group led by `pid` is still alive (signal 0 only checks). */
function groupAlive(pid: number): boolean {
    try {
        process.kill(-pid, 0);
        return true;
    } catch (error) {
        return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
}

/** A port nobody listens on now (the kernel picks it). */
function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const probe = createServer();
        probe.once('error', reject);
        probe.listen(0, '127.0.0.1', () => {
            const address = probe.address();
            probe.close(() => typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')));
        });
    });
}
