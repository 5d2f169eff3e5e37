/**
 * Infrastructure code of a given size for the policy benchmarks: the 1 MB CloudFormation
 * template in YAML, and a Terraform file of KMS keys whose policies are jsonencode objects,
 * with the roles they name.
 */
import { stringify } from 'yaml';
import { largeTemplateText } from './policyFixtures';

const TARGET_BYTES = 1_000_000;

/** The JSON benchmark template written as YAML, sized to about `target` bytes. */
export function largeYamlTemplateText(target = TARGET_BYTES): string {
  const render = (bytes: number): string => stringify(JSON.parse(largeTemplateText(bytes)), { lineWidth: 0 });
  // YAML is shorter than indented JSON: the JSON is scaled until the YAML is just below the size wanted.
  let jsonBytes = target;
  let text = render(jsonBytes);
  for (let i = 0; i < 5 && Math.abs(Buffer.byteLength(text) - target) > target * 0.02; i++) {
    jsonBytes = Math.floor(jsonBytes * (target / Buffer.byteLength(text)) * 0.99);
    text = render(jsonBytes);
  }
  return text;
}

function workload(i: number): string {
  return `resource "aws_iam_role" "app_${i}" {
  name = "app-${i}"
}

# Key ${i}: its users may encrypt, and some lack the grant EC2 needs.
resource "aws_kms_key" "volumes_${i}" {
  description = "EBS volumes of workload ${i}"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "Enable IAM User Permissions"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::\${data.aws_caller_identity.current.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "Allow use of the key"
        Effect    = "Allow"
        Principal = { AWS = aws_iam_role.app_${i}.arn }
        Action    = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
        Resource  = "*"
      },${
        i % 2 === 0
          ? `
      {
        Sid       = "Allow attachment of persistent resources"
        Effect    = "Allow"
        Principal = { AWS = aws_iam_role.app_${i}.arn }
        Action    = ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"]
        Resource  = "*"
        Condition = { Bool = { "kms:GrantIsForAWSResource" = "true" } }
      },`
          : ''
      }
    ]
  })
}

`;
}

/** A Terraform file of about `target` bytes: keys with jsonencode policies and the roles they name. */
export function largeTerraformText(target = TARGET_BYTES): string {
  let text = 'data "aws_caller_identity" "current" {}\n\n';
  for (let i = 0; ; i++) {
    const next = workload(i);
    if (Buffer.byteLength(text) + Buffer.byteLength(next) > target) break;
    text += next;
  }
  return text;
}
