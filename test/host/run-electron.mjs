// Runs the same host suite in desktop VS Code through @vscode/test-electron, where desktop
// VS Code can be downloaded (it cannot on machines without access to its download site).
// Like rust-analyzer's runTests, it runs on the oldest VS Code that package.json's
// `engines.vscode` accepts and on the current stable one, so an API newer than the minimum
// fails here before a user on the minimum sees it.
//   node test/host/run-electron.mjs [VERSION ...]   (default: the minimum and stable)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { buildHostSuite } from './build.mjs';
import { repoRoot } from './codeServer.mjs';
import { startHostFixtures } from './fixtures.mjs';

/** `^1.85.0` -> `1.85.0`: the oldest version the manifest accepts. */
function minimumVersion() {
  const { engines } = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
  const match = /(\d+\.\d+\.\d+)/.exec(engines?.vscode ?? '');
  if (!match) throw new Error(`package.json engines.vscode has no version: "${engines?.vscode}"`);
  return match[1];
}

const versions = process.argv.slice(2).length > 0 ? process.argv.slice(2) : [minimumVersion(), 'stable'];
const suiteDir = await buildHostSuite();
for (const version of versions) {
  const fixtures = await startHostFixtures();
  try {
    console.log(`electron host tests on VS Code ${version}`);
    await runTests({
      version,
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: path.join(suiteDir, 'index.js'),
      launchArgs: [fixtures.workspace, '--disable-extensions', '--disable-workspace-trust'],
      extensionTestsEnv: fixtures.env,
    });
  } catch (error) {
    console.error(`electron host tests on VS Code ${version} failed: ${error?.message ?? error}`);
    process.exitCode = 1;
  } finally {
    await fixtures.stop();
  }
}
