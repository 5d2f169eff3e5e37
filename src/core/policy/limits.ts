/**
 * Small facts of AWS and of the analyzer that several modules need, each in one place.
 */

/** KMS rejects a key policy larger than this many bytes (PutKeyPolicy, CreateKey). */
export const KEY_POLICY_SIZE_LIMIT = 32_768;

/**
 * A count as people read it in English, digits grouped by commas: 32768 is "32,768", as
 * `toLocaleString('en-US')` writes it. Not through Intl: its first use loads the locale data,
 * tens of milliseconds, and the limit's text is built when the extension loads.
 */
export function groupedCount(count: number): string {
  if (!Number.isSafeInteger(count) || count < 0) return count.toLocaleString('en-US');
  return String(count).replace(/\B(?=(\d{3})+$)/g, ',');
}

/** The limit as people read it: "32,768". */
export const KEY_POLICY_SIZE_LIMIT_TEXT = groupedCount(KEY_POLICY_SIZE_LIMIT);

/**
 * The example account of the AWS documentation: stands for "the account" where a policy
 * names none, and resolves `AWS::AccountId` in a template analyzed without one.
 */
export const PLACEHOLDER_ACCOUNT = '111122223333';

/** The Region of EC2's `kms:ViaService` when neither the person nor the policy names one. */
export const DEFAULT_REGION = 'us-east-1';

/**
 * Texts longer than this (in UTF-16 code units) are not analyzed by the editor: the analysis
 * is linear, but it runs after every pause in typing, on the extension host. Twice the largest
 * template CloudFormation accepts (1 MB from S3); a key policy is at most 32 KB. The CLI
 * analyzes any size.
 */
export const MAX_ANALYZED_TEXT_LENGTH = 2_000_000;

/** The size of a text in UTF-8, as KMS counts a policy document. */
export function utf8ByteLength(text: string): number {
  return new TextEncoder().encode(text).length;
}

/**
 * Texts nesting objects and arrays deeper than this are not analyzed: the parser and the
 * analysis recurse per level. A key policy nests about 6 levels, a template about 12 more.
 */
export const MAX_NESTING_DEPTH = 100;
