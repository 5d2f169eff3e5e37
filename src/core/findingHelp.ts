/**
 * The long explanation of each policy finding code, in Markdown. Diagnostics link to it, the
 * CLI's SARIF output carries it as rule help. Sources: src/domain.md sections 3 to 5.
 */
export const FINDING_HELP: Record<string, { title: string; markdown: string }> = {
  'missing-create-grant': {
    title: 'A principal that uses the key cannot create the grant EC2 needs',
    markdown: `When an instance with a volume encrypted by this key starts, EC2 calls \`kms:CreateGrant\` on the
caller's behalf so that it can decrypt the volume's data key. If the caller may use the key for
cryptography but may not create that grant, the instance goes from \`pending\` straight back to
\`stopped\` with \`Client.InternalError: Client error on launch\`.

Fix: allow \`kms:CreateGrant\` for the principal, scoped to grants for AWS resources:

\`\`\`json
{ "Effect": "Allow", "Action": "kms:CreateGrant", "Resource": "*",
  "Condition": { "Bool": { "kms:GrantIsForAWSResource": true } } }
\`\`\`
In a key policy the statement also names the \`Principal\`; in an IAM policy its \`Resource\` is the key ARN.`,
  },
  'unscoped-create-grant': {
    title: 'kms:CreateGrant is allowed without the GrantIsForAWSResource condition',
    markdown: `This statement lets the principal create grants directly, not only through an AWS service such as
EC2. A grant can give any principal the key's permissions, so this is a permissions-management
privilege. Scope it with \`"Condition": {"Bool": {"kms:GrantIsForAWSResource": true}}\`, or split
\`kms:CreateGrant\` out of a wider action list into its own scoped statement.`,
  },
  'create-grant-denied': {
    title: 'A Deny blocks the grant EC2 creates at launch',
    markdown: `An explicit Deny wins over every Allow. This one matches \`kms:CreateGrant\` in the request EC2 makes
when it starts an instance (\`kms:GrantIsForAWSResource\` = true, \`kms:ViaService\` =
\`ec2.<region>.amazonaws.com\`), so instances with volumes encrypted by this key cannot start for
the principals it covers. Narrow the Deny, for example to \`"Bool": {"kms:GrantIsForAWSResource": false}\`.`,
  },
  'no-iam-delegation': {
    title: 'The key policy does not delegate to IAM',
    markdown: `Without a statement that allows the account itself (\`"Principal": {"AWS": "arn:aws:iam::<account>:root"}\`),
IAM policies cannot allow anything on this key: only principals the key policy names can use it.
Add the delegation statement if you manage access with IAM policies.`,
  },
  'principal-cannot-create-grant': {
    title: 'A principal you named cannot create the grant',
    markdown: `The principal is one you listed in the \`ec2LaunchDoctor.principals\` setting (or with \`--principal\`).
Under this key policy it cannot obtain the grant EC2 creates when it starts an instance, whatever
its IAM policies say: nothing in the key policy allows it, or a Deny blocks it.`,
  },
  'principal-relies-on-iam': {
    title: 'A principal you named depends on its IAM policies',
    markdown: `The key policy does not allow the principal itself; it only delegates to the account. The principal
can create the grant only if one of its IAM policies allows \`kms:CreateGrant\` on this key.`,
  },
  'invalid-policy': {
    title: 'The policy cannot be evaluated',
    markdown: `The structure prevents evaluation: a missing \`Statement\`, an \`Effect\` other than \`Allow\` or \`Deny\`,
neither or both of \`Action\` and \`NotAction\`, or a value of the wrong type. AWS rejects such a policy.`,
  },
  'policy-too-large': {
    title: 'The key policy is larger than 32 KB',
    markdown: `KMS rejects key policies over 32,768 bytes. Remove or merge statements before saving it.`,
  },
};
