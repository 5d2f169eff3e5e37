// Runs the host suite inside a real VS Code: code-server from the npm registry, driven by
// headless Debian chromium. Prints the suite's own output and exits with its result.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as util from 'node:util';
import { buildHostSuite } from './build.mjs';
import { launchBrowser, repoRoot, startCodeServer, workbenchUrl } from './codeServer.mjs';
import { startHostFixtures } from './fixtures.mjs';

const SUITE_START_MARKER = 'host suite: starting';
const SUITE_TIMEOUT_MS = Number(process.env.HOST_SUITE_TIMEOUT_MS ?? 10 * 60_000);

/**
 * `--vsix FILE`: install the packaged extension the way a person does and run the tests that
 * need no test hooks inside the extension (activation, commands, view, policy diagnostics).
 */
function parseArgs(argv) {
  const i = argv.indexOf('--vsix');
  return { vsix: i >= 0 ? path.resolve(argv[i + 1]) : undefined };
}

async function main() {
  const { vsix } = parseArgs(process.argv.slice(2));
  const suiteDir = await buildHostSuite();
  const artifacts = path.join(repoRoot, '.test-artifacts');
  fs.mkdirSync(artifacts, { recursive: true });
  const logFile = path.join(artifacts, 'code-server.log');
  fs.writeFileSync(logFile, '');
  const browserLog = path.join(artifacts, 'workbench.log');
  fs.writeFileSync(browserLog, '');

  const fixtures = await startHostFixtures();
  let server;
  let browser;
  let exitCode = 1;
  try {
    const env = vsix ? { ...fixtures.env, EC2LD_HOST_GREP: '^(extension host|key policy diagnostics)' } : fixtures.env;
    server = await startCodeServer({ workspace: fixtures.workspace, env, logFile, installVsix: vsix });
    browser = await launchBrowser();
    const page = await browser.newPage();
    const settled = new Promise((resolve) => {
      // The workbench logs a lot of its own (offline noise, chat, auth); the suite's output is
      // what lies between its start marker and its summary line. Everything goes to the log file.
      let inSuite = false;
      page.exposeFunction('codeAutomationLog', (type, args) => {
        const line = util.format(...(Array.isArray(args) ? args : [args]));
        fs.appendFileSync(browserLog, `[${type}] ${line}\n`);
        if (line.startsWith(SUITE_START_MARKER)) inSuite = true;
        // Workbench errors (offline gallery look-ups and the like) stay in the log file.
        const own = inSuite && type !== 'error' && !/^\[[\w:. -]+\] /.test(line);
        if (own) process.stdout.write(line + '\n');
        if (/^host: \d+ passed, \d+ failed$/.test(line)) inSuite = false;
      });
      page.exposeFunction('codeAutomationExit', (code) => resolve(Number(code)));
    });
    const url = workbenchUrl(server, {
      folder: fixtures.workspace,
      // With a .vsix the extension comes from the extensions folder; a bare carrier extension
      // hosts the tests so that nothing loads the extension from the source tree.
      extensionDevelopmentPath: vsix ? path.join(repoRoot, 'test', 'host', 'carrier') : repoRoot,
      extensionTestsPath: path.join(suiteDir, 'index.js'),
    });
    await page.goto(url);
    const timeout = new Promise((resolve) =>
      setTimeout(() => {
        console.error(`host: the suite did not finish within ${SUITE_TIMEOUT_MS / 1000} s`);
        resolve(1);
      }, SUITE_TIMEOUT_MS).unref(),
    );
    exitCode = await Promise.race([settled, timeout]);
    await page.screenshot({ path: path.join(artifacts, 'host-suite.png') }).catch(() => undefined);
    if (exitCode !== 0) console.error(`host: failed; the full logs are ${browserLog} and ${logFile}`);
  } finally {
    await browser?.close().catch(() => undefined);
    server?.stop();
    await fixtures.stop();
  }
  process.exit(exitCode);
}

main().catch((error) => {
  console.error(`host: ${error?.stack ?? error}`);
  process.exit(1);
});
