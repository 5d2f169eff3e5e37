// The end-to-end UI tier: a person's path through the real workbench in headless Chromium,
// against the demo (emulator + code-server + the extension). It clicks the activity-bar icon,
// expands a profile and a region, finds the instance that stopped at launch, runs its inline
// Diagnose action and reads the report. Screenshots go to .test-artifacts/.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startDemo } from '../demo/session.mjs';
import { launchBrowser, repoRoot } from './codeServer.mjs';
import { closeSecondarySideBar, expand, openInstancesView, resizeSideBar, STEP_TIMEOUT_MS, treeRow, waitForWebviewText } from './workbench.mjs';

const artifacts = path.join(repoRoot, '.test-artifacts');

const steps = [
  ['clicking the activity-bar icon shows the Instances view', async (page) => {
    await openInstancesView(page);
    await resizeSideBar(page, 560);
  }],
  ['expanding profile dev-admin lists its regions with counts', async (page) => {
    await expand(treeRow(page, 'dev-admin'));
    const region = treeRow(page, 'eu-west-1');
    await region.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
    const text = await region.innerText();
    if (!/\d+ instances, \d+ stopped at launch/.test(text)) throw new Error(`eu-west-1 row reads "${text}"`);
  }],
  ['expanding eu-west-1 shows app-1 marked as stopped at launch', async (page) => {
    await expand(treeRow(page, 'eu-west-1'));
    const row = treeRow(page, 'app-1');
    await row.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
    const text = await row.innerText();
    if (!/stopped at launch/.test(text)) throw new Error(`app-1 row reads "${text}"`);
    if ((await row.locator('.codicon-warning').count()) === 0) throw new Error('app-1 has no warning icon');
    await page.screenshot({ path: path.join(artifacts, 'ui-tree.png') });
  }],
  ['the inline Diagnose action opens the report with the verdict', async (page) => {
    const row = treeRow(page, 'app-1');
    await row.hover();
    await row.locator('.actions [aria-label^="Diagnose Stopped Instance"]').first().click();
    await page.locator('.tabs-container [role="tab"][aria-label*="Diagnosis: i-00de0000000000004"]').first().waitFor({ timeout: STEP_TIMEOUT_MS });
    const text = await waitForWebviewText(page, /kms-create-grant-not-allowed/);
    if (!/AllowEC2GrantsForEncryptedVolumes/.test(text)) throw new Error('the report shows no fix statement');
    await page.screenshot({ path: path.join(artifacts, 'ui-report.png') });
  }],
];

async function main() {
  fs.mkdirSync(artifacts, { recursive: true });
  const demo = await startDemo({ logFile: path.join(artifacts, 'ui-code-server.log'), testDriver: true });
  let browser;
  let passed = 0;
  let failed = 0;
  try {
    browser = await launchBrowser();
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.exposeFunction('codeAutomationLog', () => undefined);
    await page.exposeFunction('codeAutomationExit', () => undefined);
    await page.goto(demo.url);
    await page.locator('.monaco-workbench').waitFor({ timeout: STEP_TIMEOUT_MS });
    await closeSecondarySideBar(page);
    console.log('  UI (headless Chromium)');
    for (const [title, step] of steps) {
      try {
        await step(page);
        passed++;
        console.log(`    ✔ ${title}`);
      } catch (error) {
        failed++;
        const shot = path.join(artifacts, `ui-failed-${passed + failed}.png`);
        await page.screenshot({ path: shot }).catch(() => undefined);
        console.log(`    ✖ ${title}: ${String(error?.message ?? error).split('\n')[0]} (page: ${path.relative(repoRoot, shot)})`);
        // Later steps build on this one.
        break;
      }
    }
  } finally {
    await browser?.close().catch(() => undefined);
    await demo.stop();
  }
  const skipped = steps.length - passed - failed;
  console.log(`ui: ${passed} passed, ${failed + skipped} failed`);
  process.exit(failed + skipped > 0 ? 1 : 0);
}

main().catch((error) => {
  console.error(`ui: ${error?.stack ?? error}`);
  process.exit(1);
});
