// Runs the same host suite in desktop VS Code through @vscode/test-electron, where desktop
// VS Code can be downloaded (it cannot on machines without access to its download site).
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { buildHostSuite } from './build.mjs';
import { repoRoot } from './codeServer.mjs';
import { startHostFixtures } from './fixtures.mjs';

const suiteDir = await buildHostSuite();
const fixtures = await startHostFixtures();
try {
  await runTests({
    extensionDevelopmentPath: repoRoot,
    extensionTestsPath: path.join(suiteDir, 'index.js'),
    launchArgs: [fixtures.workspace, '--disable-extensions', '--disable-workspace-trust'],
    extensionTestsEnv: fixtures.env,
  });
} catch (error) {
  console.error(`electron host tests failed: ${error?.message ?? error}`);
  process.exitCode = 1;
} finally {
  await fixtures.stop();
}
