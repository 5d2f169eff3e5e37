/** The findings the analyzer reports: stable codes for code, messages for people. */
import type { TextEdit } from './fixes';
import { KEY_POLICY_SIZE_LIMIT_TEXT } from './limits';

export type FindingCode =
  | 'missing-create-grant'
  | 'unscoped-create-grant'
  | 'console-default-admin-create-grant'
  | 'create-grant-denied'
  | 'no-iam-delegation'
  | 'principal-cannot-create-grant'
  | 'principal-relies-on-iam'
  | 'invalid-policy'
  | 'policy-too-large'
  | 'orphaned-principal'
  | 'analysis-failed';

export type Severity = 'error' | 'warning' | 'information';

/** Every code the analyzer can report, in the order of the table. */
export const FINDING_CODES: readonly FindingCode[] = [
  'missing-create-grant',
  'unscoped-create-grant',
  'console-default-admin-create-grant',
  'create-grant-denied',
  'no-iam-delegation',
  'principal-cannot-create-grant',
  'principal-relies-on-iam',
  'invalid-policy',
  'policy-too-large',
  'orphaned-principal',
  'analysis-failed',
];

/** The fixed severity of each code. */
export const FINDING_SEVERITY: Readonly<Record<FindingCode, Severity>> = {
  'missing-create-grant': 'warning',
  'unscoped-create-grant': 'warning',
  // AWS writes it into every key created in the console: a fact worth knowing, not a mistake.
  'console-default-admin-create-grant': 'information',
  'create-grant-denied': 'error',
  'no-iam-delegation': 'information',
  'principal-cannot-create-grant': 'error',
  'principal-relies-on-iam': 'information',
  'invalid-policy': 'error',
  'policy-too-large': 'error',
  // The policy still works for everyone else; it is saving it back that fails.
  'orphaned-principal': 'warning',
  'analysis-failed': 'error',
};

/** The one title of each code: SARIF rule lists, the explanation pages, hovers. */
export const FINDING_TITLES: Readonly<Record<FindingCode, string>> = {
  'missing-create-grant': 'kms:CreateGrant for EC2 is missing',
  'unscoped-create-grant': 'kms:CreateGrant is not limited to AWS resources',
  'console-default-admin-create-grant': "The key administrators of AWS's default key policy may create grants directly",
  'create-grant-denied': 'A Deny blocks the grant EC2 creates',
  'no-iam-delegation': 'The key policy does not enable IAM policies',
  'principal-cannot-create-grant': 'A named principal cannot obtain the EC2 grant',
  'principal-relies-on-iam': "A named principal's grant depends on its IAM policies",
  'invalid-policy': 'The policy cannot be evaluated',
  'policy-too-large': `The key policy exceeds ${KEY_POLICY_SIZE_LIMIT_TEXT} bytes`,
  'orphaned-principal': 'A principal was deleted: KMS refuses this key policy until it is removed',
  'analysis-failed': 'The file could not be analyzed',
};

export interface PolicyFix {
  title: string;
  edits: TextEdit[];
  isPreferred?: boolean;
}

export interface Finding {
  code: FindingCode;
  severity: Severity;
  message: string;
  /** Offsets into the analyzed text. */
  range: { offset: number; length: number };
  fixes: PolicyFix[];
  /** Per-principal explanation for hovers. */
  details?: string[];
}

/**
 * The finding that stands for an analysis that did not finish: an internal error of the
 * analyzer, or a document beyond what it analyzes. Never "no findings", never "not a policy".
 */
export function analysisFailedFinding(reason: string): Finding {
  return {
    code: 'analysis-failed',
    severity: FINDING_SEVERITY['analysis-failed'],
    message: `EC2 Launch Doctor could not analyze this file: ${reason}`,
    range: { offset: 0, length: 0 },
    fixes: [],
  };
}
