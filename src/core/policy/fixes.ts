/**
 * The statements the product inserts (src/domain.md section 4), the document's formatting,
 * and `insertStatementEdits` for a text without an analysis (jsonc-parser `modify` with the
 * document's own formatting). The analyzer's fixes make their edits in localEdits.ts.
 */
import { accountRootArn, isAccountId } from '../arn';
import { applyEdits as applyJsonEdits, findNodeAtLocation, modify, parseTree, type JSONPath } from 'jsonc-parser';
import { nodeValue } from './document';

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
export function keyPolicyGrantStatement(principalArns: string[], sid: string = DEFAULT_GRANT_SID): object {
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
  const principal = typeof accountPrincipal === 'string' && isAccountId(accountPrincipal) ? accountRootArn(accountPrincipal) : accountPrincipal;
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

/** One jsonc-parser modification; undefined when jsonc-parser refuses it. */
export function modifyEdits(text: string, path: JSONPath, value: unknown, formatting: FormattingOptions, isArrayInsertion = false): TextEdit[] | undefined {
  try {
    return modify(text, path, value, { formattingOptions: { ...formatting, eol: formatting.eol ?? '\n' }, isArrayInsertion });
  } catch {
    return undefined;
  }
}

/**
 * Edits that append `statement` to the policy at `policyPath` (root by default). A single
 * `Statement` object becomes an array; a missing `Statement` is created.
 */
export function insertStatementEdits(
  text: string,
  statement: object,
  formatting?: FormattingOptions,
  policyPath: JSONPath = [],
  existing?: { statementIsArray: boolean; single?: unknown },
): TextEdit[] {
  const format = formatting ?? detectFormatting(text);
  const shape = existing ?? statementShape(text, policyPath);
  if (shape.statementIsArray) {
    return modifyEdits(text, [...policyPath, 'Statement', -1], statement, format, true) ?? [];
  }
  const value = shape.single !== undefined ? [shape.single, statement] : [statement];
  return modifyEdits(text, [...policyPath, 'Statement'], value, format) ?? [];
}

function statementShape(text: string, policyPath: JSONPath): { statementIsArray: boolean; single?: unknown } {
  const root = parseTree(text, [], { allowTrailingComma: true });
  const node = root ? findNodeAtLocation(root, [...policyPath, 'Statement']) : undefined;
  if (node?.type === 'array') return { statementIsArray: true };
  if (node?.type === 'object') return { statementIsArray: false, single: nodeValue(node) };
  return { statementIsArray: false };
}

/** A Sid not used yet in the policy: `base`, then `base2`, `base3`... */
export function uniqueSid(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) {
    const candidate = `${base}${i}`;
    if (!taken.has(candidate)) return candidate;
  }
}
