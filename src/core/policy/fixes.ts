/**
 * The statements the product inserts (src/domain.md section 4) and the document's formatting.
 * The fixes make their edits in localEdits.ts, formatted as the document is.
 */
import { accountRootArn, isAccountId } from '../arn';
import { applyEdits as applyJsonEdits } from 'jsonc-parser';

export interface TextEdit {
  offset: number;
  length: number;
  content: string;
}

export interface FormattingOptions {
  tabSize: number;
  insertSpaces: boolean;
  eol?: string;
}

export const DEFAULT_GRANT_SID = 'AllowEC2GrantsForEncryptedVolumes';
export const DELEGATION_SID = 'Enable IAM User Permissions';
/** Replaced by the person: the policy named no KMS key. */
export const KEY_ARN_PLACEHOLDER = 'arn:aws:kms:REGION:ACCOUNT_ID:key/KEY_ID';

/**
 * The least-privilege key policy statement letting `principalArns` have EC2 create the
 * grant for their encrypted volumes, and nothing else.
 */
export function keyPolicyGrantStatement(
  principalArns: readonly (string | object)[],
  sid: string = DEFAULT_GRANT_SID,
): object {
  return {
    Sid: sid,
    Effect: 'Allow',
    Principal: { AWS: principalArns.length === 1 ? principalArns[0] : [...principalArns] },
    Action: 'kms:CreateGrant',
    Resource: '*',
    Condition: { Bool: { 'kms:GrantIsForAWSResource': true } },
  };
}

/**
 * The IAM identity policy statement allowing EC2's grant on the given keys (a template
 * may pass `Fn::GetAtt` objects); with no key, a placeholder the person must replace.
 */
export function identityPolicyGrantStatement(keyArns: readonly (string | object)[], sid?: string): object {
  return {
    ...(sid !== undefined ? { Sid: sid } : {}),
    Effect: 'Allow',
    Action: ['kms:CreateGrant'],
    Resource: keyArns.length > 0 ? [...keyArns] : [KEY_ARN_PLACEHOLDER],
    Condition: { Bool: { 'kms:GrantIsForAWSResource': true } },
  };
}

/** The statement that lets IAM policies of `accountId` grant access to the key. */
export function delegationStatement(accountPrincipal: string | object, sid: string = DELEGATION_SID): object {
  const principal =
    typeof accountPrincipal === 'string' && isAccountId(accountPrincipal)
      ? accountRootArn(accountPrincipal)
      : accountPrincipal;
  return { Sid: sid, Effect: 'Allow', Principal: { AWS: principal }, Action: 'kms:*', Resource: '*' };
}

/** Guesses the text's indentation and line ending, so inserted text blends in. */
export function detectFormatting(text: string): FormattingOptions {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const indented = /\n([ \t]+)\S/.exec(text);
  if (!indented) return { tabSize: 2, insertSpaces: true, eol };
  const indent = indented[1];
  if (indent.startsWith('\t')) return { tabSize: 4, insertSpaces: false, eol };
  return { tabSize: Math.min(Math.max(indent.length, 1), 8), insertSpaces: true, eol };
}

/** Applies non-overlapping edits given against the same original text. */
export function applyEdits(text: string, edits: TextEdit[]): string {
  return applyJsonEdits(text, edits);
}

/** A Sid not used yet in the policy: `base`, then `base2`, `base3`... */
export function uniqueSid(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) {
    const candidate = `${base}${i}`;
    if (!taken.has(candidate)) return candidate;
  }
}
