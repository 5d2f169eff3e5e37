/**
 * Links into the AWS Management Console. The console host depends on the partition: China and
 * GovCloud regions have consoles of their own.
 */
export function consoleHost(region: string): string {
  if (region.startsWith('cn-')) return 'console.amazonaws.cn';
  if (region.startsWith('us-gov-')) return 'console.amazonaws-us-gov.com';
  return `${region}.console.aws.amazon.com`;
}

/** The console page of one EC2 instance, in its own region. */
export function instanceConsoleUrl(region: string, instanceId: string): string {
  const r = encodeURIComponent(region);
  return `https://${consoleHost(region)}/ec2/home?region=${r}#InstanceDetails:instanceId=${encodeURIComponent(instanceId)}`;
}

/** The console page of one KMS key. */
export function keyConsoleUrl(region: string, keyId: string): string {
  const r = encodeURIComponent(region);
  return `https://${consoleHost(region)}/kms/home?region=${r}#/kms/keys/${encodeURIComponent(keyId)}`;
}

/**
 * The IAM console page of the user or role whose policies take an edit (IAM is global: the
 * console of the partition of `region`). Undefined for anything that is not an IAM user or
 * role ARN, so no made-up page is linked.
 */
export function iamPrincipalConsoleUrl(region: string, principalArn: string): string | undefined {
  const match = /^arn:[a-z-]+:iam::\d{12}:(user|role)\/(?:[^/]+\/)*([\w+=,.@-]+)$/.exec(principalArn);
  if (!match) return undefined;
  const page = match[1] === 'user' ? 'users' : 'roles';
  const host = consoleHost(region).replace(/^[a-z0-9-]+\.console\.aws\.amazon\.com$/, 'console.aws.amazon.com');
  return `https://${host}/iam/home#/${page}/details/${encodeURIComponent(match[2])}`;
}
