/** The Terraform resources whose `policy` argument is a policy document, and which kind of policy. */
export const POLICY_RESOURCES: Readonly<Record<string, 'key' | 'identity'>> = {
  aws_kms_key: 'key',
  aws_kms_replica_key: 'key',
  aws_kms_key_policy: 'key',
  aws_iam_policy: 'identity',
  aws_iam_role_policy: 'identity',
  aws_iam_user_policy: 'identity',
  aws_iam_group_policy: 'identity',
};
