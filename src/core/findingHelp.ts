/**
 * The long explanation of each policy finding code, in Markdown. Diagnostics link to it, the
 * CLI's SARIF output carries it as each rule's help. Sources: src/domain.md sections 3 to 5.
 */
import { FINDING_TITLES, type FindingCode } from './policy/findings';
import { KEY_POLICY_SIZE_LIMIT_TEXT } from './policy/limits';

export interface FindingHelp {
  /** The code's title (`FINDING_TITLES`). */
  title: string;
  markdown: string;
}

const EXPLANATIONS: Record<FindingCode, string> = {
  'missing-create-grant': `When an instance with a volume encrypted by this key starts, EC2 calls \`kms:CreateGrant\` on the
caller's behalf so that it can decrypt the volume's data key. If the caller may use the key for
cryptography but may not create that grant, the instance goes from \`pending\` straight back to
\`stopped\` with \`Client.InternalError: Client error on launch\`.

Fix: allow \`kms:CreateGrant\` for the principal, scoped to grants for AWS resources:

\`\`\`json
{ "Effect": "Allow", "Action": "kms:CreateGrant", "Resource": "*",
  "Condition": { "Bool": { "kms:GrantIsForAWSResource": true } } }
\`\`\`
In a key policy the statement also names the \`Principal\`; in an IAM policy its \`Resource\` is the key ARN.`,
  'unscoped-create-grant': `This statement lets the principal create grants directly, not only through an AWS service such as
EC2. A grant can give any principal the key's permissions, so this is a permissions-management
privilege. Scope it with \`"Condition": {"Bool": {"kms:GrantIsForAWSResource": true}}\`, or split
\`kms:CreateGrant\` out of a wider action list into its own scoped statement.`,
  'console-default-admin-create-grant': `This is the key administrators statement the AWS KMS console writes into every key it creates
("Allow access for Key Administrators"). Its \`kms:Create*\` lets the administrators call
\`kms:CreateGrant\` directly, without \`kms:GrantIsForAWSResource\`: nothing you added, but still a
real path to the key, since a grant can give any principal the key's permissions. Whoever can
administer the key can also change its policy, so this widens little for them; it matters when the
administrators are many, or are not meant to use the key.

To close it, add a Deny on \`kms:CreateGrant\` for the administrators with
\`"BoolIfExists": {"kms:GrantIsForAWSResource": false}\` (the quick fix), or replace \`kms:Create*\`
with the \`kms:Create\` actions they need (\`kms:CreateAlias\`).`,
  'create-grant-denied': `An explicit Deny wins over every Allow. This one matches \`kms:CreateGrant\` in the request EC2 makes
when it starts an instance (\`kms:GrantIsForAWSResource\` = true, \`kms:ViaService\` =
\`ec2.<region>.amazonaws.com\`), so instances with volumes encrypted by this key cannot start for
the principals it covers. Narrow the Deny, for example to \`"Bool": {"kms:GrantIsForAWSResource": false}\`.`,
  'no-iam-delegation': `Without a statement that allows the account itself (\`"Principal": {"AWS": "arn:aws:iam::<account>:root"}\`),
IAM policies cannot allow anything on this key: only principals the key policy names can use it.
Add the delegation statement if you manage access with IAM policies.`,
  'principal-cannot-create-grant': `The principal is one you listed in the \`ec2LaunchDoctor.principals\` setting (or with \`--principal\`).
Under this key policy it cannot obtain the grant EC2 creates when it starts an instance, whatever
its IAM policies say: nothing in the key policy allows it, or a Deny blocks it.`,
  'principal-relies-on-iam': `The key policy does not allow the principal itself; it only delegates to the account. The principal
can create the grant only if one of its IAM policies allows \`kms:CreateGrant\` on this key.`,
  'invalid-policy': `The structure prevents evaluation: a missing \`Statement\`, an \`Effect\` other than \`Allow\` or \`Deny\`,
neither or both of \`Action\` and \`NotAction\`, or a value of the wrong type. AWS rejects such a policy.`,
  'policy-too-large': `KMS rejects key policies over ${KEY_POLICY_SIZE_LIMIT_TEXT} bytes. Remove or merge statements before saving it.`,
  'orphaned-principal': `A key policy names users and roles by ARN, and IAM keeps each one's unique id behind the ARN. When
the user or role is deleted, the policy shows the unique id instead (\`AIDA...\` for a user,
\`AROA...\` for a role): it no longer names anyone, and a new user or role with the same name does
not inherit it.

KMS refuses to save a key policy holding such an id: \`PutKeyPolicy\` fails with
\`MalformedPolicyDocumentException\` "Policy contains a statement with one or more invalid principals",
even if nothing else changed. Remove the id, or replace it with the ARN of the principal that
should have the access (the quick fixes do either; a statement whose only principal it was is
removed). A new user or role with the old name needs its ARN written again.`,
  'analysis-failed': `The analyzer stopped before it reached a conclusion about this file, so it says nothing about
whether instances can start. Either the document is beyond what it analyzes (nested deeper than any
policy is, or larger than the editor analyzes while you type) or the analyzer met an internal error,
which the output channel "EC2 Launch Doctor" (or the CLI's error output) shows. Run
\`ec2-launch-doctor lint\` on the file for the details.`,
};

/** Title and explanation of every finding code. */
export const FINDING_HELP: Readonly<Record<FindingCode, FindingHelp>> = Object.fromEntries(
  (Object.keys(EXPLANATIONS) as FindingCode[]).map((code) => [
    code,
    { title: FINDING_TITLES[code], markdown: EXPLANATIONS[code] },
  ]),
) as Record<FindingCode, FindingHelp>;

/** The help of a code read from outside (a link, a file): undefined for an unknown code. */
export function findingHelp(code: string): FindingHelp | undefined {
  return Object.prototype.hasOwnProperty.call(FINDING_HELP, code) ? FINDING_HELP[code as FindingCode] : undefined;
}
