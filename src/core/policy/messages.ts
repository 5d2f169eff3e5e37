/**
 * The words of the findings and of their fixes. Rules decide and return data (a code and
 * the facts behind it); this module alone turns that data into sentences, so the wording
 * can be read, reviewed and changed in one place.
 */
import type { UniqueIdKind } from '../arn';
import type { CreateGrantVerdict } from './evaluate';
import type { KeyAccountSource } from './facts';
import { groupedCount, KEY_POLICY_SIZE_LIMIT_TEXT } from './limits';
import { describeCandidate, type PrincipalCandidate } from './principals';

/** A statement as people recognise it: its Sid, or its position. */
export interface StatementLabel {
  index: number;
  sid?: unknown;
}

/** A verdict for one principal, as `createGrantVerdict` gives it. */
export interface PrincipalVerdict {
  principal: string;
  verdict: CreateGrantVerdict;
  reason: string;
}

/** Why a key policy gives a principal EC2's grant, or not (`createGrantVerdict`), as data. */
export type GrantVerdictFacts =
  | { cause: 'denied'; principal: string; statements: StatementLabel[] }
  | { cause: 'allowed'; principal: string; statements: StatementLabel[] }
  | { cause: 'allowed-cross-account'; principal: string; statements: StatementLabel[]; callerAccount: string }
  | { cause: 'account-delegation-only'; principal: string; statements: StatementLabel[] }
  | { cause: 'nothing-allows'; principal: string; viaService: string };

/** The key's account the verdict assumed, where it came from, and whether the principal is outside it. */
export interface KeyAccountFacts {
  source: KeyAccountSource;
  principalOutside: boolean;
}

/** What a rule found, as data. */
export type FindingFacts =
  | { code: 'create-grant-denied'; region: string; statement: StatementLabel; principals: PrincipalCandidate[] }
  /** Principals the statement allows to use the key, but not to have EC2 create the grant. */
  | { code: 'missing-create-grant'; cause: 'key-users-without-grant'; verdicts: PrincipalVerdict[] }
  | { code: 'missing-create-grant'; cause: 'nobody-can-get-grant' }
  | { code: 'missing-create-grant'; cause: 'identity-policy-starts-instances' }
  | { code: 'unscoped-create-grant'; principals: PrincipalCandidate[] }
  /** An IAM policy's statement: its holder may create grants on the keys it covers. */
  | { code: 'unscoped-create-grant'; holder: PrincipalCandidate }
  /** The console's key administrators statement: kms:Create* reaches kms:CreateGrant. */
  | { code: 'console-default-admin-create-grant'; principals: PrincipalCandidate[] }
  | { code: 'no-iam-delegation' }
  | { code: 'principal-cannot-create-grant'; verdict: PrincipalVerdict; keyAccount?: KeyAccountFacts }
  | { code: 'principal-relies-on-iam'; verdict: PrincipalVerdict; keyAccount?: KeyAccountFacts }
  | { code: 'policy-too-large'; bytes: number }
  /** A principal entry that is a deleted user's or role's unique id (orphanedPrincipalRules.ts). */
  | {
      code: 'orphaned-principal';
      uniqueId: string;
      kind: UniqueIdKind;
      element: 'Principal' | 'NotPrincipal';
      statement: StatementLabel;
    };

/** What a fix does, as data. */
export type FixFacts =
  | { fix: 'limit-deny-to-direct-calls' }
  | { fix: 'add-grant-statement'; sid: string; principals: string[] }
  | { fix: 'add-delegation-statement'; sid: string; account?: string }
  | { fix: 'require-grant-for-aws-resource' }
  | { fix: 'move-create-grant-to-own-statement'; sid: string }
  | { fix: 'add-deny-for-direct-grants'; sid: string }
  | { fix: 'add-identity-grant-statement'; sid: string; namesKeys: boolean }
  /** With `statement`, the whole statement goes: the deleted principal was its only one. */
  | { fix: 'remove-orphaned-principal'; uniqueId: string; element: string; statement?: StatementLabel }
  | { fix: 'replace-orphaned-principal'; uniqueId: string; arn: string };

/** Up to three names, then "and N more". */
function listNames(names: readonly string[]): string {
  if (names.length <= 3) return names.join(', ');
  return `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;
}

function listCandidates(candidates: readonly PrincipalCandidate[]): string {
  return listNames(candidates.map(describeCandidate));
}

function statementName(label: StatementLabel): string {
  return label.sid !== undefined ? `"${String(label.sid)}"` : `statement #${label.index + 1}`;
}

function statementPhrases(labels: readonly StatementLabel[]): string {
  return labels
    .map((label) => (label.sid !== undefined ? `statement "${String(label.sid)}"` : `statement #${label.index + 1}`))
    .join(', ');
}

/** The reason of a CreateGrant verdict. */
export function wordGrantVerdict(facts: GrantVerdictFacts): string {
  const { principal } = facts;
  switch (facts.cause) {
    case 'denied':
      return `The key policy denies kms:CreateGrant to ${principal} by ${statementPhrases(facts.statements)}.`;
    case 'allowed':
      return `The key policy allows kms:CreateGrant to ${principal} by ${statementPhrases(facts.statements)}.`;
    case 'allowed-cross-account':
      return (
        `The key policy allows kms:CreateGrant to ${principal} by ${statementPhrases(facts.statements)}, ` +
        `but the caller is in another account (${facts.callerAccount}): an IAM policy in that account must also allow it.`
      );
    case 'account-delegation-only':
      return `Only the account delegation (${statementPhrases(facts.statements)}) can allow kms:CreateGrant to ${principal}: an IAM policy of the caller must allow it.`;
    case 'nothing-allows':
      return (
        `No statement of the key policy allows kms:CreateGrant to ${principal} (with kms:GrantIsForAWSResource true, via ${facts.viaService}), ` +
        "and it does not delegate to the caller's account."
      );
  }
}

/** The message of a finding, and the per-principal lines shown on hover. */
export function wordFinding(facts: FindingFacts): { message: string; details?: string[] } {
  switch (facts.code) {
    case 'create-grant-denied':
      return {
        message:
          `This Deny blocks the grant EC2 creates for encrypted volumes (kms:CreateGrant with kms:GrantIsForAWSResource true, ` +
          `via ec2.${facts.region}.amazonaws.com) for ${listCandidates(facts.principals)}: their instances will stop at launch (Client.InternalError).`,
        details: facts.principals.map((p) => `${describeCandidate(p)}: denied by ${statementName(facts.statement)}`),
      };
    case 'missing-create-grant':
      return wordMissingCreateGrant(facts);
    case 'unscoped-create-grant':
      if ('holder' in facts)
        return {
          message:
            'This statement lets whoever holds this policy call kms:CreateGrant directly, not only through AWS services: ' +
            'they can grant the keys it covers to any principal. Limit it with kms:GrantIsForAWSResource.',
          details: [
            `${facts.holder.kind === 'arn' ? facts.holder.arn : 'the holder of this policy'}: may create grants directly`,
          ],
        };
      return {
        message:
          `This statement lets ${listCandidates(facts.principals)} call kms:CreateGrant directly, not only through AWS services: ` +
          'anyone holding it can grant the key to any principal. Limit it with kms:GrantIsForAWSResource.',
        details: facts.principals.map((p) => `${describeCandidate(p)}: may create grants directly`),
      };
    case 'console-default-admin-create-grant':
      return {
        message:
          `AWS's default key administrators statement: its kms:Create* lets ${listCandidates(facts.principals)} call kms:CreateGrant directly, ` +
          'without kms:GrantIsForAWSResource. The console writes it into every key; it is still a way to grant the key to any principal.',
        details: facts.principals.map(
          (p) => `${describeCandidate(p)}: may create grants directly (kms:Create*, AWS's default)`,
        ),
      };
    case 'no-iam-delegation':
      return {
        message:
          'This key policy does not delegate kms:CreateGrant to the account (Principal arn:aws:iam::<account>:root, usually with kms:*): ' +
          "IAM policies cannot allow EC2's grant on this key, only the principals named here can get it.",
      };
    case 'principal-cannot-create-grant':
      return withKeyAccount(
        {
          message: `${facts.verdict.principal} cannot have EC2 create the grant for encrypted volumes: ${facts.verdict.reason}`,
          details: [verdictLine(facts.verdict)],
        },
        facts.keyAccount,
      );
    case 'principal-relies-on-iam':
      return withKeyAccount(
        {
          message: `${facts.verdict.principal} gets the EC2 grant only if its IAM policies allow kms:CreateGrant: ${facts.verdict.reason}`,
          details: [verdictLine(facts.verdict)],
        },
        facts.keyAccount,
      );
    case 'policy-too-large':
      return {
        message: `This key policy is ${groupedCount(facts.bytes)} bytes; KMS rejects key policies over ${KEY_POLICY_SIZE_LIMIT_TEXT} bytes.`,
      };
    case 'orphaned-principal':
      return {
        message:
          `${facts.uniqueId} is the unique id of a deleted IAM ${facts.kind}: a policy shows a principal this way once it no longer exists, ` +
          'and it matches no one. KMS refuses any PutKeyPolicy of this policy (MalformedPolicyDocumentException: ' +
          '"Policy contains a statement with one or more invalid principals.") until it is removed or replaced.',
        details: [
          `${facts.uniqueId}: deleted IAM ${facts.kind}, in the ${facts.element} of ${statementPhrases([facts.statement])}`,
        ],
      };
  }
}

/** Which account the verdict took to own the key, and how to set it when that is wrong. */
export function wordKeyAccount(source: KeyAccountSource): string {
  const how = 'set ec2LaunchDoctor.keyAccount or lint --key-arn if that is wrong';
  switch (source.from) {
    case 'given':
      return `The key's account is ${source.account}, as given.`;
    case 'delegation':
      return `The key's account is assumed to be ${source.account}, the account ${statementPhrases([source.statement])} allows kms:* (${how}).`;
    case 'administration':
      return `The key's account is assumed to be ${source.account}, the account ${statementPhrases([source.statement])} lets administer the key (${how}).`;
  }
}

/**
 * The finding with the key's account in its details, and in its message when the verdict
 * turned on it (the principal is outside that account).
 */
function withKeyAccount(
  worded: { message: string; details: string[] },
  keyAccount: KeyAccountFacts | undefined,
): { message: string; details: string[] } {
  if (!keyAccount) return worded;
  const sentence = wordKeyAccount(keyAccount.source);
  return {
    message: keyAccount.principalOutside ? `${worded.message} ${sentence}` : worded.message,
    details: [...worded.details, sentence],
  };
}

function verdictLine(v: PrincipalVerdict): string {
  return `${v.principal}: ${v.verdict}. ${v.reason}`;
}

function wordMissingCreateGrant(facts: Extract<FindingFacts, { code: 'missing-create-grant' }>): {
  message: string;
  details?: string[];
} {
  switch (facts.cause) {
    case 'key-users-without-grant': {
      const names = listNames(facts.verdicts.map((v) => v.principal));
      const one = facts.verdicts.length === 1;
      return {
        message:
          `${names} may use this key for encryption but the key policy does not allow ${one ? 'it' : 'them'} kms:CreateGrant for AWS resources: ` +
          `instances with volumes encrypted by this key that ${one ? 'it starts' : 'they start'} can go from pending to stopped.`,
        details: facts.verdicts.map((v) => `${v.principal}: ${v.verdict} (${v.reason})`),
      };
    }
    case 'nobody-can-get-grant':
      return {
        message:
          'No principal can have EC2 create the grant for encrypted volumes: no statement allows kms:CreateGrant (with kms:GrantIsForAWSResource true) ' +
          'and the policy does not delegate to IAM. Every instance with a volume encrypted by this key will stop at launch.',
      };
    case 'identity-policy-starts-instances':
      return {
        message:
          'This policy allows starting or launching EC2 instances but not kms:CreateGrant: instances whose volumes use a customer managed KMS key ' +
          'will go from pending to stopped unless another policy allows it.',
      };
  }
}

/** The title of a fix, as the quick-fix menu and the CLI show it. */
export function fixTitle(facts: FixFacts): string {
  switch (facts.fix) {
    case 'limit-deny-to-direct-calls':
      return 'Limit this Deny to direct CreateGrant calls (BoolIfExists kms:GrantIsForAWSResource false)';
    case 'add-grant-statement':
      return `Add statement "${facts.sid}" allowing EC2 grants for ${listNames(facts.principals)}`;
    case 'add-delegation-statement':
      return `Add the account delegation statement "${facts.sid}"${facts.account !== undefined ? ` for account ${facts.account}` : ''}`;
    case 'require-grant-for-aws-resource':
      return 'Allow these grants only for AWS resources (Bool kms:GrantIsForAWSResource true)';
    case 'move-create-grant-to-own-statement':
      return `Move kms:CreateGrant into its own statement "${facts.sid}" limited to AWS resources`;
    case 'add-deny-for-direct-grants':
      return `Add Deny "${facts.sid}": kms:CreateGrant only when the grant is for an AWS resource`;
    case 'add-identity-grant-statement':
      return facts.namesKeys
        ? `Add statement "${facts.sid}" allowing kms:CreateGrant for AWS resources on the keys this policy names`
        : `Add statement "${facts.sid}" allowing kms:CreateGrant for AWS resources (replace the placeholder key ARN)`;
    case 'remove-orphaned-principal':
      return facts.statement
        ? `Remove ${statementPhrases([facts.statement])}: its only principal, ${facts.uniqueId}, was deleted`
        : `Remove the deleted principal ${facts.uniqueId} from ${facts.element}`;
    case 'replace-orphaned-principal':
      return `Replace the deleted principal ${facts.uniqueId} with ${facts.arn}`;
  }
}
