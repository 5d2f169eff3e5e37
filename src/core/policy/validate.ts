/**
 * The `invalid-policy` rule: structure that stops a policy from being evaluated the way
 * AWS would (IAM User Guide, "IAM JSON policy element reference"; KMS requires Principal
 * and Resource in every key policy statement).
 */
import type { Node } from 'jsonc-parser';
import { parseOperator } from './conditions';
import { propertyNode, propertyValue, statementNodes, UNRESOLVED, type PolicyView } from './document';
import { PLACEHOLDER_ACCOUNT } from './limits';

export interface Problem {
  node: Node;
  message: string;
  /** The policy as a whole cannot be evaluated (no usable Statement). */
  fatal?: boolean;
}

const STATEMENT_KEYS = new Set([
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
]);
const POLICY_KEYS = new Set(['Version', 'Id', 'Statement']);
const PRINCIPAL_TYPES = new Set(['AWS', 'Service', 'Federated', 'CanonicalUser']);

/** True for a CloudFormation intrinsic (`{"Ref": ...}`, `{"Fn::Sub": ...}`): a value only known at deploy time. */
function isIntrinsic(node: Node, cloudFormation: boolean): boolean {
  if (!cloudFormation || node.type !== 'object' || node.children?.length !== 1) return false;
  const key = node.children[0].children?.[0]?.value;
  return typeof key === 'string' && (key === 'Ref' || key.startsWith('Fn::'));
}

function isStringLike(node: Node, cfn: boolean): boolean {
  return node.type === 'string' || isIntrinsic(node, cfn);
}

/** A string, or a non-empty array of strings. */
function checkStringList(node: Node, cfn: boolean, what: string, problems: Problem[]): void {
  if (isStringLike(node, cfn)) return;
  if (node.type === 'array') {
    const children = node.children ?? [];
    if (children.length === 0) {
      problems.push({ node, message: `${what} must not be an empty list.` });
      return;
    }
    for (const child of children) {
      if (!isStringLike(child, cfn)) problems.push({ node: child, message: `${what} entries must be strings.` });
    }
    return;
  }
  problems.push({ node, message: `${what} must be a string or a list of strings.` });
}

function checkPrincipal(node: Node, cfn: boolean, element: string, problems: Problem[]): void {
  if (node.type === 'string') {
    if (node.value !== '*')
      problems.push({
        node,
        message: `${element} must be "*" or an object such as {"AWS": "arn:aws:iam::${PLACEHOLDER_ACCOUNT}:root"}.`,
      });
    return;
  }
  if (node.type !== 'object' || !node.children || node.children.length === 0) {
    problems.push({
      node,
      message: `${element} must be "*" or an object such as {"AWS": "arn:aws:iam::${PLACEHOLDER_ACCOUNT}:root"}.`,
    });
    return;
  }
  for (const property of node.children) {
    const key = property.children?.[0];
    const value = property.children?.[1];
    if (!key || !value) continue;
    if (!PRINCIPAL_TYPES.has(String(key.value))) {
      problems.push({
        node: key,
        message: `Unknown principal type "${String(key.value)}": use AWS, Service, Federated or CanonicalUser.`,
      });
      continue;
    }
    checkStringList(value, cfn, `${element}.${String(key.value)}`, problems);
  }
}

function isConditionScalar(n: Node, cfn: boolean): boolean {
  return n.type === 'string' || n.type === 'boolean' || n.type === 'number' || isIntrinsic(n, cfn);
}

function checkConditionValue(node: Node, cfn: boolean, problems: Problem[]): void {
  if (isConditionScalar(node, cfn)) return;
  if (node.type === 'array') {
    for (const child of node.children ?? []) {
      if (!isConditionScalar(child, cfn))
        problems.push({ node: child, message: 'Condition values must be strings, numbers or booleans.' });
    }
    return;
  }
  problems.push({ node, message: 'Condition values must be a string, number, boolean or a list of them.' });
}

function checkCondition(node: Node, cfn: boolean, problems: Problem[]): void {
  if (isIntrinsic(node, cfn)) return;
  if (node.type !== 'object') {
    problems.push({
      node,
      message: 'Condition must be an object of operators, e.g. {"Bool": {"kms:GrantIsForAWSResource": true}}.',
    });
    return;
  }
  for (const property of node.children ?? []) {
    const key = property.children?.[0];
    const block = property.children?.[1];
    if (!key || !block) continue;
    if (!parseOperator(String(key.value))) {
      problems.push({ node: key, message: `Unknown condition operator "${String(key.value)}".` });
      continue;
    }
    if (block.type !== 'object') {
      problems.push({ node: block, message: `The "${String(key.value)}" block must be an object of condition keys.` });
      continue;
    }
    for (const entry of block.children ?? []) {
      const value = entry.children?.[1];
      if (value) checkConditionValue(value, cfn, problems);
    }
  }
}

function checkStatement(statement: Node, kind: 'key' | 'identity', cfn: boolean, problems: Problem[]): void {
  if (isIntrinsic(statement, cfn)) return;
  if (statement.type !== 'object') {
    problems.push({ node: statement, message: 'Each statement must be an object.' });
    return;
  }
  for (const property of statement.children ?? []) {
    const key = property.children?.[0];
    if (key && !STATEMENT_KEYS.has(String(key.value))) {
      problems.push({
        node: key,
        message: `Unknown statement element "${String(key.value)}" (element names are case-sensitive).`,
      });
    }
  }
  const sid = propertyValue(statement, 'Sid');
  if (sid && !isStringLike(sid, cfn)) problems.push({ node: sid, message: 'Sid must be a string.' });

  const effect = propertyValue(statement, 'Effect');
  if (!effect) problems.push({ node: statement, message: 'The statement has no Effect: use "Allow" or "Deny".' });
  else if (
    !(effect.type === 'string' && (effect.value === 'Allow' || effect.value === 'Deny')) &&
    !isIntrinsic(effect, cfn)
  ) {
    problems.push({ node: effect, message: 'Effect must be "Allow" or "Deny" (case-sensitive).' });
  }

  const action = propertyValue(statement, 'Action');
  const notAction = propertyValue(statement, 'NotAction');
  if (!action && !notAction) problems.push({ node: statement, message: 'The statement needs Action or NotAction.' });
  else if (action && notAction)
    problems.push({ node: statement, message: 'A statement cannot have both Action and NotAction.' });
  else checkStringList((action ?? notAction)!, cfn, action ? 'Action' : 'NotAction', problems);

  const resource = propertyValue(statement, 'Resource');
  const notResource = propertyValue(statement, 'NotResource');
  if (!resource && !notResource) {
    problems.push({
      node: statement,
      message:
        kind === 'key'
          ? 'The statement needs Resource (use "*" in a key policy: it means this key).'
          : 'The statement needs Resource or NotResource.',
    });
  } else if (resource && notResource)
    problems.push({ node: statement, message: 'A statement cannot have both Resource and NotResource.' });
  else checkStringList((resource ?? notResource)!, cfn, resource ? 'Resource' : 'NotResource', problems);

  const principal = propertyValue(statement, 'Principal');
  const notPrincipal = propertyValue(statement, 'NotPrincipal');
  if (kind === 'key') {
    if (!principal && !notPrincipal)
      problems.push({ node: statement, message: 'Every key policy statement needs Principal (or NotPrincipal).' });
    else if (principal && notPrincipal)
      problems.push({ node: statement, message: 'A statement cannot have both Principal and NotPrincipal.' });
    else checkPrincipal((principal ?? notPrincipal)!, cfn, principal ? 'Principal' : 'NotPrincipal', problems);
  } else if (principal || notPrincipal) {
    problems.push({
      node: propertyNode(statement, principal ? 'Principal' : 'NotPrincipal')!,
      message: 'An IAM identity policy cannot have Principal: it applies to whoever it is attached to.',
    });
  }

  const condition = propertyValue(statement, 'Condition');
  if (condition) checkCondition(condition, cfn, problems);
}

/** Everything in a policy that keeps it from being evaluated; empty when it is well formed. */
export function validatePolicy(view: PolicyView): Problem[] {
  const problems: Problem[] = [];
  const cfn = view.cloudFormation !== undefined;
  const policy = view.node;
  for (const property of policy.children ?? []) {
    const key = property.children?.[0];
    if (key && !POLICY_KEYS.has(String(key.value))) {
      problems.push({
        node: key,
        message: `Unknown policy element "${String(key.value)}": a policy holds Version, Id and Statement.`,
      });
    }
  }
  const version = propertyValue(policy, 'Version');
  if (
    version &&
    !(version.type === 'string' && (version.value === '2012-10-17' || version.value === '2008-10-17')) &&
    !isIntrinsic(version, cfn)
  ) {
    problems.push({ node: version, message: 'Version must be "2012-10-17" (or the older "2008-10-17").' });
  }
  const statement = propertyValue(policy, 'Statement');
  if (!statement) {
    problems.push({ node: policy, message: 'The policy has no Statement.', fatal: true });
    return problems;
  }
  if (isIntrinsic(statement, cfn) || (statement.type === 'string' && statement.value === UNRESOLVED)) return problems;
  if (statement.type !== 'array' && statement.type !== 'object') {
    problems.push({
      node: statement,
      message: 'Statement must be a list of statements (or a single statement object).',
      fatal: true,
    });
    return problems;
  }
  for (const s of statementNodes(policy)) checkStatement(s, view.kind, cfn, problems);
  return problems;
}
