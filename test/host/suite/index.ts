// The test entry point VS Code calls in the extension host (`extensionTestsPath`). The same
// module serves code-server here and @vscode/test-electron where desktop VS Code is available.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

/** Runs every *.test.js next to this file; rejects when any test fails. */
export function run(): Promise<void> {
  // The code-server runner starts echoing the log from this line on.
  console.log('host suite: starting');
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, reporter: 'spec' });
  // The .vsix run selects the suites that work against an installed extension.
  if (process.env.EC2LD_HOST_GREP) mocha.grep(new RegExp(process.env.EC2LD_HOST_GREP));
  for (const file of fs.readdirSync(__dirname).sort()) {
    if (file.endsWith('.test.js')) mocha.addFile(path.join(__dirname, file));
  }
  return new Promise((resolve, reject) => {
    try {
      const runner = mocha.run((failures) => {
        const stats = runner.stats ?? { passes: 0, failures };
        // A line the runner scripts parse to total the tiers.
        console.log(`host: ${stats.passes} passed, ${stats.failures} failed`);
        if (failures > 0) reject(new Error(`${failures} host test(s) failed`));
        else resolve();
      });
    } catch (error) {
      reject(error);
    }
  });
}
