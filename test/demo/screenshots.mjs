// `npm run screenshots`: runs the same demo as `npm run demo` headless and drives it the way a
// person would (clicks, keys, no test hooks), saving the README's pictures into
// media/screenshots: the tree, the diagnosis report, a quick fix in a key policy.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as util from 'node:util';
import { launchBrowser, repoRoot } from '../host/codeServer.mjs';
import { startDemo } from './session.mjs';

const OUT_DIR = path.join(repoRoot, 'media', 'screenshots');
const VIEWPORT = { width: 1400, height: 900 };
const STEP_TIMEOUT_MS = 60_000;
const PROFILE = 'dev-admin';
const REGION = 'eu-west-1';
const INSTANCE_NAME = 'app-1';
const INSTANCE_ID = 'i-00de0000000000004';
const POLICY_FILE = 'key-policy-missing-grant.json';

function log(message) {
  console.log(`screenshots: ${message}`);
}

/** A tree row of the Instances view whose accessible name starts with `label`. */
function treeRow(page, label) {
  const view = page.locator('.pane:has(.pane-header[aria-label*="Instances"]), [id="workbench.view.extension.ec2LaunchDoctor"]').first();
  return view.locator(`.monaco-list-row[role="treeitem"][aria-label^="${label}"]`).first();
}

/** Expands a collapsed tree row (a click toggles it) and waits until it reports expanded. */
async function expand(row) {
  await row.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  if ((await row.getAttribute('aria-expanded')) !== 'true') await row.click();
  await row.page().waitForFunction((el) => el.getAttribute('aria-expanded') === 'true', await row.elementHandle(), { timeout: STEP_TIMEOUT_MS });
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
  const icon = page.locator('.activitybar [role="tab"][aria-label^="EC2 Launch Doctor"], .activitybar a[aria-label^="EC2 Launch Doctor"]').first();
  await icon.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  await icon.click();
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
  const tab = page.locator(`.tabs-container [role="tab"][aria-label*="Diagnosis: ${INSTANCE_ID}"]`).first();
  await tab.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  // The report renders inside the webview's nested frames: wait for its verdict text.
  await waitForWebviewText(page, /kms-create-grant|CreateGrant/i);
  await parkMouse(page);
  await page.waitForTimeout(500);
  await shoot(page, 'report.png');
}

async function waitForWebviewText(page, pattern) {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      const text = await frame.evaluate(() => document.body?.innerText ?? '').catch(() => '');
      if (pattern.test(text)) return;
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`no webview showed ${pattern} within ${STEP_TIMEOUT_MS / 1000} s`);
}

async function showQuickFix(page) {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  await input.fill(POLICY_FILE);
  await page.locator('.quick-input-widget .monaco-list-row').first().waitFor({ timeout: STEP_TIMEOUT_MS });
  await page.keyboard.press('Enter');
  await page.locator(`.tabs-container [role="tab"][aria-label^="${POLICY_FILE}"]`).first().waitFor({ timeout: STEP_TIMEOUT_MS });
  const editor = page.locator('.editor-instance .monaco-editor').first();
  // Warnings are drawn as squiggles once the extension has analyzed the file.
  await editor.locator('.squiggly-warning, .squiggly-error').first().waitFor({ timeout: STEP_TIMEOUT_MS });
  await editor.locator('.view-lines').click();
  // Go to the first problem, close its peek, then open the quick fixes at the cursor.
  await page.keyboard.press('F8');
  await page.waitForTimeout(500);
  await page.keyboard.press('Escape');
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
    await page.exposeFunction('codeAutomationLog', (type, args) => workbenchLog.push(`[${type}] ${util.format(...(Array.isArray(args) ? args : [args]))}`));
    await page.exposeFunction('codeAutomationExit', () => undefined);
    await page.goto(demo.url);
    await page.locator('.monaco-workbench').waitFor({ timeout: STEP_TIMEOUT_MS });
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
        console.error(`screenshots: the ${name} step failed (${error.message.split('\n')[0]}); page saved as ${path.relative(repoRoot, file)}`);
        console.error(workbenchLog.filter((l) => /ec2|error/i.test(l)).slice(-15).join('\n'));
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
