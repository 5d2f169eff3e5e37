// Driving the VS Code workbench in Chromium the way a person does (clicks and keys, no test
// hooks). Shared by the UI test tier and the screenshot script.

export const STEP_TIMEOUT_MS = 60_000;

/** The row of a side bar tree whose label is exactly `label`. */
export function treeRow(page, label) {
  const escaped = label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return page
    .locator('.part.sidebar .monaco-list-row[role="treeitem"]')
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${escaped}$`) }) })
    .first();
}

/** Expands a collapsed tree row (a click toggles it) and waits until it reports expanded. */
export async function expand(row) {
  await row.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  if ((await row.getAttribute('aria-expanded')) !== 'true') await row.click();
  await row.page().waitForFunction((el) => el.getAttribute('aria-expanded') === 'true', await row.elementHandle(), {
    timeout: STEP_TIMEOUT_MS,
  });
}

/** Clicks the extension's activity-bar icon; resolves when the Instances view is shown. */
export async function openInstancesView(page) {
  const icon = page
    .locator(
      '.activitybar [role="tab"][aria-label^="EC2 Launch Doctor"], .activitybar a[aria-label^="EC2 Launch Doctor"]',
    )
    .first();
  await icon.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  await icon.click();
  await page
    .locator('.part.sidebar .title-label', { hasText: /EC2 Launch Doctor/i })
    .first()
    .waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
}

/** The chat side bar takes a third of the window and is no part of this extension. */
export async function closeSecondarySideBar(page) {
  const auxiliaryBar = page.locator('.part.auxiliarybar');
  if (!(await auxiliaryBar.isVisible().catch(() => false))) return;
  // View: Toggle Secondary Side Bar Visibility.
  await page.keyboard.press('Control+Alt+B');
  await auxiliaryBar.waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
}

/** Drags the side bar's edge to the given width (the tree's descriptions need room). */
export async function resizeSideBar(page, width) {
  const box = await page.locator('.part.sidebar').boundingBox();
  if (!box || Math.abs(box.width - width) < 10) return;
  const edge = box.x + box.width + 1;
  const y = box.y + box.height / 2;
  await page.mouse.move(edge, y);
  await page.mouse.down();
  await page.mouse.move(edge + (width - box.width) / 2, y, { steps: 5 });
  await page.mouse.move(box.x + width, y, { steps: 5 });
  await page.mouse.up();
}

/** Waits until some frame (webviews render in nested frames) shows text matching `pattern`. */
export async function waitForWebviewText(page, pattern) {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      const text = await frame.evaluate(() => globalThis.document.body?.innerText ?? '').catch(() => '');
      if (pattern.test(text)) return text;
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`no webview showed ${pattern} within ${STEP_TIMEOUT_MS / 1000} s`);
}

/** The frame (webviews render in nested frames) whose text matches `pattern`, waiting for one. */
async function frameWithText(page, pattern) {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      const text = await frame.evaluate(() => globalThis.document.body?.innerText ?? '').catch(() => '');
      if (pattern.test(text)) return frame;
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`no webview showed ${pattern} within ${STEP_TIMEOUT_MS / 1000} s`);
}

/** Clicks the first link named `name` in a webview. */
export async function clickWebviewLink(page, name) {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const frame = await frameWithText(page, new RegExp(escaped));
  await frame.getByRole('link', { name, exact: true }).first().click({ timeout: STEP_TIMEOUT_MS });
}

/** Accepts the quick pick item whose label is `label` (waits for the pick to list it). */
export async function pickQuickItem(page, label) {
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: label }).first();
  await row.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  await row.click();
}

/** True while a modal dialog is shown. */
export async function dialogVisible(page) {
  return page
    .locator('.monaco-dialog-box')
    .first()
    .isVisible()
    .catch(() => false);
}

/** Waits for a modal dialog, clicks its `button` and resolves with the dialog's text. */
export async function answerDialog(page, button) {
  const dialog = page.locator('.monaco-dialog-box').first();
  await dialog.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  const text = await dialog.innerText();
  await dialog
    .locator('.monaco-button', { hasText: new RegExp(`^${button}$`) })
    .first()
    .click();
  await dialog.waitFor({ state: 'hidden', timeout: STEP_TIMEOUT_MS });
  return text;
}
