// One demo session: the local AWS emulator with its demo scenario, an AWS config whose profiles
// point at it, a throw-away copy of the demo workspace and a real VS Code (code-server) loading
// the extension from this repository. `npm run demo` keeps it open for a person;
// `npm run screenshots` drives it in headless Chromium.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot, startCodeServer, workbenchUrl } from '../host/codeServer.mjs';
import { startEmulatorProcess } from '../host/fixtures.mjs';

export const demoWorkspaceSource = path.join(repoRoot, 'test', 'demo', 'workspace');

/**
 * The environment VS Code (or the CLI) needs to see the emulator's profiles. Variables a
 * person's shell may hold are removed (undefined) so that the demo never reaches real AWS.
 */
export function demoEnvironment(emulator) {
  return {
    AWS_CONFIG_FILE: emulator.configFile,
    AWS_SHARED_CREDENTIALS_FILE: emulator.credentialsFile,
    AWS_PROFILE: undefined,
    AWS_DEFAULT_PROFILE: undefined,
    AWS_REGION: undefined,
    AWS_DEFAULT_REGION: undefined,
    AWS_ACCESS_KEY_ID: undefined,
    AWS_SECRET_ACCESS_KEY: undefined,
    AWS_SESSION_TOKEN: undefined,
    AWS_ENDPOINT_URL: undefined,
  };
}

/** `env` applied over the current process environment, with undefined values removed. */
export function childEnvironment(env) {
  const merged = { ...process.env, ...env };
  for (const [name, value] of Object.entries(merged)) if (value === undefined) delete merged[name];
  return merged;
}

/**
 * Starts the emulator and writes the workspace into a new temporary folder. Everything lives
 * under `tmp`, which stop() removes after stopping the emulator.
 */
export async function startDemoBackend() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ec2ld-demo-'));
  const workspace = path.join(tmp, 'ec2-launch-doctor-demo');
  fs.cpSync(demoWorkspaceSource, workspace, { recursive: true });
  const configDir = path.join(tmp, 'aws');
  fs.mkdirSync(configDir);
  let emulator;
  try {
    emulator = await startEmulatorProcess({ scenario: 'demo', configDir });
  } catch (error) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
  return {
    tmp,
    workspace,
    emulator,
    env: demoEnvironment(emulator),
    async stop() {
      await emulator.stop();
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/**
 * Starts the whole demo in code-server and resolves with the page URL that loads the extension
 * from this repository. `port` asks for a fixed port (0 or undefined: any free one).
 * `testDriver` is for the UI tier only: it makes VS Code hide notification toasts, which a
 * person trying the demo (and the screenshots) must see.
 */
export async function startDemo({ port, logFile, testDriver = false } = {}) {
  const backend = await startDemoBackend();
  const serverLog = logFile ?? path.join(backend.tmp, 'code-server.log');
  let server;
  try {
    server = await startCodeServer({
      workspace: backend.workspace,
      env: backend.env,
      logFile: serverLog,
      port: port || undefined,
      testDriver,
      linkExtension: testDriver ? undefined : repoRoot,
    });
  } catch (error) {
    // The log lives in the folder that stop() removes: keep its end in the error.
    const tail = readTail(serverLog, 20);
    await backend.stop();
    throw new Error(
      `${error instanceof Error ? error.message : error}${tail ? `\ncode-server's last lines:\n${tail}` : ''}`,
    );
  }
  const url = testDriver
    ? workbenchUrl(server, { folder: backend.workspace, extensionDevelopmentPath: repoRoot })
    : `${server.url}/?${new URLSearchParams({ folder: backend.workspace })}`;
  let stopped = false;
  return {
    url,
    server,
    backend,
    workspace: backend.workspace,
    /** Stops code-server (with its helpers) and the emulator and removes every temporary file; idempotent. */
    async stop() {
      if (stopped) return;
      stopped = true;
      server.stop();
      await backend.stop();
    },
  };
}

function readTail(file, lines) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
