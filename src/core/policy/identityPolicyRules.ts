/**
 * The rules for an IAM identity policy: a policy that lets its holder start instances
 * must also let EC2 create the grant for their encrypted volumes.
 */
import { parsePrincipalArn, splitArn } from '../arn';
import { nodeValue, propertyValue } from './document';
import { grantsAction, type PolicyFacts } from './facts';
import { identityGrantFixes } from './fixBuilders';
import type { RuleFinding } from './keyPolicyRules';
import { PLACEHOLDER_ACCOUNT } from './limits';
import { accountMember, arnPrincipal } from './principals';
import { isRecord } from './values';

const START_ACTIONS = ['ec2:StartInstances', 'ec2:RunInstances'];

/** The KMS keys the policy already names: key ARNs, or `Fn::GetAtt [Key, Arn]` in a template. */
function kmsKeyArnsOf(facts: PolicyFacts): (string | object)[] {
  const found: (string | object)[] = [];
  const seen = new Set<string>();
  const templateKeys = new Set(facts.view.cloudFormation?.kmsKeys ?? []);
  for (const s of facts.statements) {
    const resourceNode = propertyValue(s.node, 'Resource');
    if (!resourceNode) continue;
    for (const raw of resourceNode.type === 'array' ? (resourceNode.children ?? []) : [resourceNode]) {
      const value = nodeValue(raw);
      const isKeyArn = typeof value === 'string' && isKeyArnPattern(value);
      const getAtt = isRecord(value) ? value['Fn::GetAtt'] : undefined;
      const target = Array.isArray(getAtt) ? getAtt : typeof getAtt === 'string' ? getAtt.split('.') : [];
      const isKeyRef = target.length === 2 && target[1] === 'Arn' && templateKeys.has(String(target[0]));
      if (!isKeyArn && !isKeyRef) continue;
      const id = JSON.stringify(value);
      if (seen.has(id)) continue;
      seen.add(id);
      found.push(value as string | object);
    }
  }
  return found;
}

/**
 * A key ARN as an identity policy may write it: any Region and account field (wildcards
 * included, `arn:aws:kms:*:111122223333:key/*`), a `key/` resource.
 */
function isKeyArnPattern(value: string): boolean {
  const parts = splitArn(value);
  return parts !== undefined && /^[a-z-]+$/.test(parts[1]) && parts[2] === 'kms' && parts[5].startsWith('key/');
}

/** An identity policy allowing instances to start, but not EC2's grant. */
export function missingCreateGrantIdentity(facts: PolicyFacts, denied: Set<string>): RuleFinding[] {
  const starter = facts.statements.find(
    (s) => s.value.Effect === 'Allow' && START_ACTIONS.some((a) => grantsAction(s, a)),
  );
  if (!starter) return [];
  const named = facts.ctx.principals.find((p) => parsePrincipalArn(p));
  const candidate = named !== undefined ? arnPrincipal(named) : accountMember(facts.accounts[0] ?? PLACEHOLDER_ACCOUNT);
  const ev = facts.evaluate(candidate, 'through-ec2', 'identity');
  if (ev.decision !== 'implicit-deny' || denied.size > 0) return [];
  return [
    {
      facts: { code: 'missing-create-grant', cause: 'identity-policy-starts-instances' },
      node: starter.node,
      fixes: identityGrantFixes(facts, kmsKeyArnsOf(facts)),
    },
  ];
}
