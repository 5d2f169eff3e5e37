// What the host suite runs against: a workspace folder of policy files. (The AWS emulator
// joins here once the suite needs AWS.)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from './codeServer.mjs';

/** Creates a throw-away workspace; returns its path, the environment for VS Code and stop(). */
export async function startHostFixtures() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ec2ld-host-'));
  const workspace = path.join(tmp, 'workspace');
  fs.cpSync(path.join(repoRoot, 'test', 'host', 'workspace'), workspace, { recursive: true });
  return {
    workspace,
    env: {},
    async stop() {
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}
