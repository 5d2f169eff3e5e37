/**
 * The rules for an IAM identity policy: a policy that lets its holder start instances
 * must also let EC2 create the grant for their encrypted volumes.
 */
import { parsePrincipalArn, splitArn } from '../arn';
import { nodeValue, propertyValue } from './document';
import { DIRECT_GRANT_VARIANTS, grantsAction, type PolicyFacts } from './facts';
import { identityGrantFixes, unscopedFixes } from './fixBuilders';
import type { RuleFinding } from './keyPolicyRules';
import { PLACEHOLDER_ACCOUNT } from './limits';
import { accountMember, arnPrincipal, type PrincipalCandidate } from './principals';
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

/** Who holds an identity policy: the first principal the person named, else any principal of the account. */
function holderOf(facts: PolicyFacts): PrincipalCandidate {
  const named = facts.ctx.principals.find((p) => parsePrincipalArn(p));
  return named !== undefined ? arnPrincipal(named) : accountMember(facts.accounts[0] ?? PLACEHOLDER_ACCOUNT);
}

/**
 * Allow statements letting the holder call kms:CreateGrant directly: without
 * kms:GrantIsForAWSResource (or kms:ViaService) the holder can grant any key the statement
 * covers to any principal, as a key policy statement would.
 */
export function unscopedCreateGrantIdentity(facts: PolicyFacts): RuleFinding[] {
  const holder = holderOf(facts);
  const findings: RuleFinding[] = [];
  for (const s of facts.statements) {
    if (s.value.Effect !== 'Allow' || !grantsAction(s, 'kms:CreateGrant')) continue;
    const direct = DIRECT_GRANT_VARIANTS.some(
      (variant) =>
        facts.statementApplies(s.index, holder, variant, 'identity') !== undefined &&
        facts.evaluate(holder, variant, 'identity').decision === 'allow',
    );
    if (!direct) continue;
    findings.push({
      facts: { code: 'unscoped-create-grant', holder },
      node: s.node,
      fixes: unscopedFixes(facts, s, []),
    });
  }
  return findings;
}

/** An identity policy allowing instances to start, but not EC2's grant. */
export function missingCreateGrantIdentity(facts: PolicyFacts, denied: Set<string>): RuleFinding[] {
  const starter = facts.statements.find(
    (s) => s.value.Effect === 'Allow' && START_ACTIONS.some((a) => grantsAction(s, a)),
  );
  if (!starter) return [];
  const ev = facts.evaluate(holderOf(facts), 'through-ec2', 'identity');
  if (ev.decision !== 'implicit-deny' || denied.size > 0) return [];
  return [
    {
      facts: { code: 'missing-create-grant', cause: 'identity-policy-starts-instances' },
      node: starter.node,
      fixes: identityGrantFixes(facts, kmsKeyArnsOf(facts)),
    },
  ];
}
