// Helpers shared by the host tests: the extension's API, the emulator's control API, and
// answering the extension's confirmation dialogs the way a person would.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../../src/extension';

export const EXTENSION_ID = 'ec2-launch-doctor.ec2-launch-doctor';

/** The activated extension's API. */
export async function extensionApi(): Promise<ExtensionApi> {
  const extension = vscode.extensions.getExtension<ExtensionApi>(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is not installed in this host`);
  return extension.activate();
}

/** The emulator's control API (counts, faults, state). */
export function emulatorUrl(): string {
  const url = process.env.EC2LD_EMULATOR_URL;
  assert.ok(url, 'EC2LD_EMULATOR_URL is not set: the host runner starts the emulator');
  return url;
}

export async function emulator<T = any>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${emulatorUrl()}/__emulator/${path}`, {
    method,
    headers: body === undefined ? undefined : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.ok, `emulator ${method} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Calls of one action (by one principal, if given) counted by the emulator since the last reset, by region. */
export async function callsOf(action: string, principal?: string): Promise<Record<string, number>> {
  const { calls } = await emulator<{ calls: { action: string; region: string; principal?: string; count: number }[] }>(
    'GET',
    'calls',
  );
  const byRegion: Record<string, number> = {};
  for (const row of calls.filter((c) => c.action === action && (!principal || c.principal === principal)))
    byRegion[row.region] = (byRegion[row.region] ?? 0) + row.count;
  return byRegion;
}

/**
 * Answers the next modal confirmations with `answer` (as a person clicking that button would),
 * records their texts, and restores the real dialog afterwards.
 */
export async function answeringConfirmations<T>(
  answer: string | undefined,
  run: (asked: string[]) => PromiseLike<T>,
): Promise<T> {
  const window = vscode.window as { showWarningMessage: (...args: any[]) => Thenable<unknown> };
  const real = window.showWarningMessage;
  const asked: string[] = [];
  window.showWarningMessage = async (message: string, ...rest: any[]) => {
    const options = rest[0];
    if (options && typeof options === 'object' && options.modal) {
      asked.push(`${message}\n${options.detail ?? ''}`);
      return answer;
    }
    return undefined;
  };
  try {
    return await run(asked);
  } finally {
    window.showWarningMessage = real;
  }
}

/** Polls until `probe` returns a value (not undefined) or the time runs out. */
export async function eventually<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/**
 * Answers the next quick picks by choosing the item whose label `choose` returns true for,
 * records the labels offered, and restores the real quick pick afterwards.
 */
export async function answeringQuickPicks<T>(
  choose: (label: string) => boolean,
  run: (offered: string[][]) => PromiseLike<T>,
): Promise<T> {
  const window = vscode.window as { showQuickPick: (...args: any[]) => Thenable<unknown> };
  const real = window.showQuickPick;
  const offered: string[][] = [];
  window.showQuickPick = async (items: any) => {
    const list = (await items) as vscode.QuickPickItem[];
    offered.push(list.map((i) => i.label));
    return list.find((i) => choose(i.label));
  };
  try {
    return await run(offered);
  } finally {
    window.showQuickPick = real;
  }
}
