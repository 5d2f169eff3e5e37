/** The findings the analyzer reports: stable codes for code, messages for people. */
import type { TextEdit } from './fixes';

export type FindingCode =
  | 'missing-create-grant'
  | 'unscoped-create-grant'
  | 'create-grant-denied'
  | 'no-iam-delegation'
  | 'principal-cannot-create-grant'
  | 'principal-relies-on-iam'
  | 'invalid-policy'
  | 'policy-too-large';

export type Severity = 'error' | 'warning' | 'information';

/** Every code the analyzer can report, in the order of the table. */
export const FINDING_CODES: readonly FindingCode[] = [
  'missing-create-grant',
  'unscoped-create-grant',
  'create-grant-denied',
  'no-iam-delegation',
  'principal-cannot-create-grant',
  'principal-relies-on-iam',
  'invalid-policy',
  'policy-too-large',
];

/** The fixed severity of each code. */
export const FINDING_SEVERITY: Readonly<Record<FindingCode, Severity>> = {
  'missing-create-grant': 'warning',
  'unscoped-create-grant': 'warning',
  'create-grant-denied': 'error',
  'no-iam-delegation': 'information',
  'principal-cannot-create-grant': 'error',
  'principal-relies-on-iam': 'information',
  'invalid-policy': 'error',
  'policy-too-large': 'error',
};

/** A short title per code, for rule lists (SARIF) and hovers. */
export const FINDING_TITLES: Readonly<Record<FindingCode, string>> = {
  'missing-create-grant': 'kms:CreateGrant for EC2 is missing',
  'unscoped-create-grant': 'kms:CreateGrant is not limited to AWS resources',
  'create-grant-denied': 'A Deny blocks the grant EC2 creates',
  'no-iam-delegation': 'The key policy does not enable IAM policies',
  'principal-cannot-create-grant': 'A named principal cannot obtain the EC2 grant',
  'principal-relies-on-iam': "A named principal's grant depends on its IAM policies",
  'invalid-policy': 'The policy cannot be evaluated',
  'policy-too-large': 'The key policy exceeds 32,768 bytes',
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

export function isFindingCode(value: unknown): value is FindingCode {
  return typeof value === 'string' && (FINDING_CODES as readonly string[]).includes(value);
}
