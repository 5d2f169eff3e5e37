// `npm run screenshots`: runs the same demo as `npm run demo` headless and drives it the way a
// person would (clicks, keys, no test hooks), saving the README's pictures into
// media/screenshots: the tree, the diagnosis report, a quick fix in a key policy.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as util from 'node:util';
import { launchBrowser, repoRoot } from '../host/codeServer.mjs';
import {
  closeSecondarySideBar,
  expand,
  openInstancesView,
  resizeSideBar,
  STEP_TIMEOUT_MS,
  treeRow,
  waitForWebviewText,
} from '../host/workbench.mjs';
import { startDemo } from './session.mjs';

const OUT_DIR = path.join(repoRoot, 'media', 'screenshots');
const VIEWPORT = { width: 1400, height: 900 };
const TREE_SIDE_BAR_WIDTH = 560;
const EXPLORER_SIDE_BAR_WIDTH = 320;
const PROFILE = 'dev-admin';
const REGION = 'eu-west-1';
const INSTANCE_NAME = 'app-1';
const INSTANCE_ID = 'i-00de0000000000004';
const POLICY_FILE = 'key-policy-missing-grant.json';
/** The closing brace of the statement that lacks the grant in that file. */
const QUICK_FIX_LINE = 24;

function log(message) {
  console.log(`screenshots: ${message}`);
}

/** Moves the pointer away so that no hover card or tooltip covers the picture. */
async function parkMouse(page) {
  await page.mouse.move(VIEWPORT.width - 5, VIEWPORT.height - 5);
}

async function shoot(page, name) {
  const file = path.join(OUT_DIR, name);
  await page.screenshot({ path: file });
  log(`saved ${path.relative(repoRoot, file)}`);
}

async function showTree(page) {
  await openInstancesView(page);
  await resizeSideBar(page, TREE_SIDE_BAR_WIDTH);
  await expand(treeRow(page, PROFILE));
  await expand(treeRow(page, REGION));
  await treeRow(page, INSTANCE_NAME).waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  // Select the instance so its inline Diagnose action shows, as it would under the pointer.
  await treeRow(page, INSTANCE_NAME).click();
  await parkMouse(page);
  await page.waitForTimeout(500);
  await shoot(page, 'tree.png');
}

async function showReport(page) {
  const row = treeRow(page, INSTANCE_NAME);
  await row.hover();
  await row.locator('.actions [aria-label^="Diagnose Stopped Instance"]').first().click();
  const tab = page
    .locator(`.tabs-container [role="tab"][aria-label^="Diagnosis: "][aria-label*="${INSTANCE_ID}"]`)
    .first();
  await tab.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  // The report renders inside the webview's nested frames: wait for its verdict text.
  await waitForWebviewText(page, /kms-create-grant|CreateGrant/i);
  await parkMouse(page);
  await page.waitForTimeout(500);
  await shoot(page, 'report.png');
}

async function showQuickFix(page) {
  await page.locator('.activitybar a[aria-label^="Explorer"]').first().click();
  await resizeSideBar(page, EXPLORER_SIDE_BAR_WIDTH);
  const file = page
    .locator('.part.sidebar .monaco-list-row[role="treeitem"]')
    .filter({ has: page.locator('.label-name', { hasText: POLICY_FILE }) })
    .first();
  await file.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  await file.click();
  await page
    .locator(`.tabs-container [role="tab"][aria-label^="${POLICY_FILE}"]`)
    .first()
    .waitFor({ timeout: STEP_TIMEOUT_MS });
  const editor = page.locator('.editor-instance .monaco-editor').first();
  // Warnings are drawn as squiggles once the extension has analyzed the file.
  await editor.locator('.squiggly-warning, .squiggly-error').first().waitFor({ timeout: STEP_TIMEOUT_MS });
  // The Problems panel shows the finding's message under the editor.
  await page.keyboard.press('Control+Shift+M');
  await page
    .locator('.markers-panel .monaco-list-row', { hasText: 'missing-create-grant' })
    .first()
    .waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  // The cursor goes to the last line of the flagged statement so that the menu opens below it.
  await editor.locator('.view-lines').click();
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  await input.fill(`:${QUICK_FIX_LINE}`);
  await page.keyboard.press('Enter');
  await page.waitForTimeout(300);
  await page.keyboard.press('Control+.');
  await page.locator('.action-widget').first().waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  await page.waitForTimeout(500);
  await shoot(page, 'quick-fix.png');
}

async function main() {
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const started = Date.now();
  const demo = await startDemo();
  log(`demo ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  let browser;
  let failed = false;
  try {
    browser = await launchBrowser();
    const page = await browser.newPage({ viewport: VIEWPORT });
    // The workbench reports its own log lines here; kept for when a step times out.
    const workbenchLog = [];
    await page.exposeFunction('codeAutomationLog', (type, args) =>
      workbenchLog.push(`[${type}] ${util.format(...(Array.isArray(args) ? args : [args]))}`),
    );
    await page.exposeFunction('codeAutomationExit', () => undefined);
    await page.goto(demo.url);
    await page.locator('.monaco-workbench').waitFor({ timeout: STEP_TIMEOUT_MS });
    await closeSecondarySideBar(page);
    for (const [name, step] of [
      ['tree', showTree],
      ['report', showReport],
      ['quick fix', showQuickFix],
    ]) {
      try {
        await step(page);
      } catch (error) {
        failed = true;
        const file = path.join(repoRoot, '.test-artifacts', `screenshots-failed-${name.replace(' ', '-')}.png`);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        await page.screenshot({ path: file }).catch(() => undefined);
        console.error(
          `screenshots: the ${name} step failed (${error.message.split('\n')[0]}); page saved as ${path.relative(repoRoot, file)}`,
        );
        console.error(
          workbenchLog
            .filter((l) => /ec2|error/i.test(l))
            .slice(-15)
            .join('\n'),
        );
        await page.keyboard.press('Escape').catch(() => undefined);
      }
    }
  } finally {
    await browser?.close().catch(() => undefined);
    await demo.stop();
  }
  process.exit(failed ? 1 : 0);
}

main().catch((error) => {
  console.error(`screenshots: ${error?.stack ?? error}`);
  process.exit(1);
});
