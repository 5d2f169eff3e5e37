// What the host suite runs against: a throw-away workspace of policy files and the local AWS
// emulator with its demo scenario. VS Code gets an AWS config whose profiles point at the
// emulator, exactly as a user's would point at AWS; the suite finds the emulator's control API
// through EC2LD_EMULATOR_URL.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from './codeServer.mjs';

/**
 * Starts the emulator as a child process (`test/emulator/main.ts` under tsx) and resolves with
 * its URL once it prints it.
 */
export async function startEmulatorProcess({ scenario = 'demo', configDir, launchDelayMs = 800, extraArgs = [] } = {}) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(repoRoot, 'test', 'emulator', 'main.ts'),
      '--scenario',
      scenario,
      '--config-dir',
      configDir,
      '--launch-delay',
      String(launchDelayMs),
      ...extraArgs,
    ],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the emulator did not start within 30 s:\n${output}`)), 30_000);
    const onData = (chunk) => {
      output += chunk;
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the emulator exited (${code}) before it listened:\n${output}`));
    });
  });
  return {
    url,
    configFile: path.join(configDir, 'config'),
    credentialsFile: path.join(configDir, 'credentials'),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}

/** Creates the workspace and starts the emulator; returns the workspace, VS Code's environment and stop(). */
export async function startHostFixtures() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ec2ld-host-'));
  const workspace = path.join(tmp, 'workspace');
  fs.cpSync(path.join(repoRoot, 'test', 'host', 'workspace'), workspace, { recursive: true });
  const configDir = path.join(tmp, 'aws');
  fs.mkdirSync(configDir);
  const emulator = await startEmulatorProcess({ configDir });
  return {
    workspace,
    env: {
      AWS_CONFIG_FILE: emulator.configFile,
      AWS_SHARED_CREDENTIALS_FILE: emulator.credentialsFile,
      // The extension must reach the emulator only through the profiles' endpoint_url
      // (undefined removes the variable).
      AWS_PROFILE: undefined,
      AWS_REGION: undefined,
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
      AWS_SESSION_TOKEN: undefined,
      EC2LD_EMULATOR_URL: emulator.url,
    },
    async stop() {
      await emulator.stop();
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}
