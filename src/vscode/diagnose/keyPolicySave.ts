// Saving a key policy document to KMS, and where its backups go. No `vscode` import: the
// order of the steps, the profile used and the folder names are tested in plain mocha.
import type * as Crypto from 'node:crypto';
import { parseKeyArn } from '../../core/arn';
import { KEY_POLICY_SIZE_LIMIT, utf8ByteLength } from '../../core/policy/limits';
import { summarizePolicyChange } from '../../core/policyChange';
import type { AwsFacade } from '../awsBridge';

/** Why a key policy document is being written, as the editor's will-save event said. */
export type SaveTrigger = 'explicit' | 'auto' | 'unknown';

/**
 * Whether a write of a key policy document may go on to the confirmation and PutKeyPolicy:
 * only a save the person asked for (Save, or Save Key Policy to AWS). An auto save (after a
 * delay, on focus change) or a write nobody announced is refused, with how to write it; the
 * editor keeps the document dirty, so nothing typed is lost.
 */
export function writeRefusal(trigger: SaveTrigger): string | undefined {
  if (trigger === 'explicit') return undefined;
  return trigger === 'auto'
    ? 'Not written to AWS: auto save never writes a live key policy. Your edits stay in the editor; save explicitly (Ctrl+S / Cmd+S) or run "Save Key Policy to AWS" to write them, after confirmation.'
    : 'Not written to AWS: a live key policy is written only by an explicit save. Your edits stay in the editor.';
}

/** A key policy document about to be saved. */
export interface SaveRequest {
  keyArn: string;
  /** The profile the person works with. */
  profile: string;
  /** The profile that read the policy when the document was opened (one of the key's account). */
  via?: string;
  /** The policy exactly as KMS returned it then: the base of the save. */
  live?: string;
  /** The document's text, to become the key policy. */
  text: string;
}

/** What the save asks of the editor. */
export interface SaveSteps {
  /** Asks the person to confirm; true only when they did. */
  confirm(question: { message: string; detail: string }): Promise<boolean>;
  /** Keeps the policy about to be replaced; returns where. Throws when it cannot. */
  backup(policy: string): Promise<string>;
}

export type SaveResult = { saved: true; via: string; backup: string } | { saved: false; reason: string };

/**
 * Validates the text, asks for confirmation naming the profile that will write, re-reads the
 * live policy through exactly that profile and refuses when it changed (or when that profile
 * no longer reads it), keeps a backup, then calls PutKeyPolicy through that same profile.
 * Nothing is written without the confirmation and the backup.
 */
export async function saveKeyPolicy(
  aws: Pick<AwsFacade, 'readKeyPolicy' | 'putKeyPolicy'>,
  request: SaveRequest,
  steps: SaveSteps,
): Promise<SaveResult> {
  const { keyArn, text } = request;
  try {
    JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { saved: false, reason: `Not saved: KMS accepts plain JSON only (${detail}).` };
  }
  const size = utf8ByteLength(text);
  if (size > KEY_POLICY_SIZE_LIMIT) {
    return {
      saved: false,
      reason: `Not saved: the policy is ${size} bytes; KMS allows at most ${KEY_POLICY_SIZE_LIMIT}.`,
    };
  }
  if (request.live === undefined) return { saved: false, reason: 'Not saved: reopen the key policy first.' };

  const via = request.via ?? request.profile;
  const confirmed = await steps.confirm({
    message: `Replace the key policy of ${keyArn}?`,
    detail:
      `${summarizePolicyChange(request.live, text).join('\n')}\n\n` +
      `PutKeyPolicy through profile ${via}, with the lockout safety check on. ` +
      'The current policy is kept as a backup you can restore.',
  });
  if (!confirmed) {
    return { saved: false, reason: 'Not saved: the change was not confirmed. Your edits are still in the editor.' };
  }

  const current = await aws.readKeyPolicy(via, keyArn);
  if (!current.ok) return { saved: false, reason: `Not saved: ${current.error.message} ${current.error.nextStep}` };
  if (current.value.via !== via) {
    return {
      saved: false,
      reason:
        `Not saved: profile ${via}, which you confirmed, no longer reads this key's policy ` +
        `(profile ${current.value.via} would). Reopen the key policy to save through another profile.`,
    };
  }
  if (current.value.policy !== request.live) {
    return {
      saved: false,
      reason:
        'Not saved: the key policy changed in AWS since you opened it. Copy your edits, reopen the key policy and apply them again.',
    };
  }
  let backup: string;
  try {
    backup = await steps.backup(current.value.policy);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { saved: false, reason: `Not saved: the current policy could not be backed up (${detail}).` };
  }
  const result = await aws.putKeyPolicy(via, keyArn, text);
  if (!result.ok) return { saved: false, reason: `Not saved: ${result.error.message} ${result.error.nextStep}` };
  return { saved: true, via, backup };
}

/**
 * The folder, inside the backup folder, of one key's backups: `ACCOUNT-REGION-KEYID` for a
 * well-formed key ARN. The ARN comes from a document's URI, so it is hostile: anything that
 * is not letters, digits and dashes gets a folder named after a hash of the whole ARN
 * instead, so no `..`, separator or device name can reach the file system.
 */
export function backupFolderName(keyArn: string): string {
  const key = parseKeyArn(keyArn);
  const safe = /^[A-Za-z0-9-]{1,128}$/;
  if (key && safe.test(key.account) && safe.test(key.region) && safe.test(key.keyId)) {
    return `${key.account}-${key.region}-${key.keyId}`;
  }
  // Loaded here, not at the top: node:crypto costs milliseconds at activation, and only an
  // unusual key ARN ever needs this name.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createHash } = require('node:crypto') as typeof Crypto;
  return `key-${createHash('sha256').update(keyArn).digest('hex').slice(0, 32)}`;
}
