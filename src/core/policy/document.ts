/**
 * Finding the policies in a JSON text: a key policy, an IAM policy, or the policies
 * embedded in a CloudFormation template. Works on the jsonc-parser tree so every value
 * keeps its offset; tolerant of comments, trailing commas and broken input.
 */
import { parseTree, type JSONPath, type Node, type ParseError } from 'jsonc-parser';
import { DEFAULT_REGION, MAX_NESTING_DEPTH, PLACEHOLDER_ACCOUNT } from './limits';
import { substitute } from './values';

/** `not-analyzed`: shaped like a policy or a template, but beyond what the analyzer reads (too deeply nested). */
export type DocumentKind =
  | 'key-policy'
  | 'identity-policy'
  | 'cloudformation'
  | 'terraform'
  | 'terraform-plan'
  | 'not-a-policy'
  | 'not-analyzed';

/** One policy document found in the text. */
export interface PolicyView {
  kind: 'key' | 'identity';
  /** The policy object node. */
  node: Node;
  /** JSON path of the policy object from the root (empty for a standalone policy). */
  path: JSONPath;
  /** The policy as plain data; CloudFormation intrinsics resolved where possible. */
  value: unknown;
  /** Set when the policy sits in a CloudFormation template. */
  cloudFormation?: {
    logicalId: string;
    accountId: string;
    /** Logical ids of the template's KMS keys. */ kmsKeys: string[];
  };
}

export interface ParsedDocument {
  kind: DocumentKind;
  root: Node | undefined;
  errors: ParseError[];
  policies: PolicyView[];
  /** Why a text shaped like a policy was not analyzed (kind `not-analyzed`). */
  notAnalyzed?: { depth: number } | { length: number };
}

/** Options of `parseDocument`. */
export interface ParseOptions {
  /** Resolves `AWS::AccountId` in a template. */
  accountId?: string;
  /** Resolves `AWS::Region` in a template. */
  region?: string;
  /** Longer texts are not parsed (see `MAX_ANALYZED_TEXT_LENGTH`). */
  maxLength?: number;
}

/** Returned for CloudFormation values that cannot be resolved statically; matches nothing. */
export const UNRESOLVED = '${cloudformation:unresolved}';

/** A property's value node, by exact key. */
export function propertyValue(node: Node | undefined, key: string): Node | undefined {
  const property = propertyNode(node, key);
  return property?.children?.[1];
}

/** The `"key": value` property node of an object node. */
export function propertyNode(node: Node | undefined, key: string): Node | undefined {
  if (!node || node.type !== 'object' || !node.children) return undefined;
  let found: Node | undefined;
  for (const property of node.children) {
    // JSON.parse keeps the last duplicate: do the same so tree and value agree.
    if (property.children?.[0]?.value === key) found = property;
  }
  return found;
}

/** The statement nodes of a policy object node (`Statement` may be one object). */
export function statementNodes(policy: Node): Node[] {
  const statement = propertyValue(policy, 'Statement');
  if (!statement) return [];
  if (statement.type === 'array') return statement.children ?? [];
  if (statement.type === 'object') return [statement];
  return [];
}

interface ResolveEnv {
  accountId: string;
  region: string;
  /** Logical id -> ARN, for `Fn::GetAtt [Role, Arn]`. */
  arns: Map<string, string>;
}

/** Plain value of a node; with `env`, CloudFormation intrinsics become strings. */
export function nodeValue(node: Node | undefined, env?: ResolveEnv): unknown {
  if (!node) return undefined;
  switch (node.type) {
    case 'string':
    case 'number':
    case 'boolean':
      return node.value;
    case 'null':
      return null;
    case 'array':
      return (node.children ?? []).map((c) => nodeValue(c, env));
    case 'object': {
      if (env) {
        const intrinsic = resolveIntrinsic(node, env);
        if (intrinsic !== undefined) return intrinsic;
      }
      const out: Record<string, unknown> = {};
      for (const property of node.children ?? []) {
        const key = property.children?.[0]?.value;
        if (typeof key !== 'string') continue;
        const value = nodeValue(property.children?.[1], env);
        // Assigning "__proto__" would replace the prototype and lose the key: define it instead.
        if (key === '__proto__')
          Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
        else out[key] = value;
      }
      return out;
    }
  }
}

/** The value of one `${name}` of an `Fn::Sub`. */
function subValue(name: string, env: ResolveEnv, variables: Record<string, unknown>): string {
  if (Object.prototype.hasOwnProperty.call(variables, name)) {
    const value = variables[name];
    return typeof value === 'string' ? value : UNRESOLVED;
  }
  if (name === 'AWS::AccountId') return env.accountId;
  if (name === 'AWS::Region') return env.region;
  if (name === 'AWS::Partition') return 'aws';
  if (name === 'AWS::URLSuffix') return 'amazonaws.com';
  const [logicalId, attribute] = name.split('.');
  const arn = attribute === 'Arn' ? env.arns.get(logicalId) : undefined;
  return arn ?? UNRESOLVED;
}

/**
 * Replaces each `${name}` of an `Fn::Sub` template (`${!literal}` and `${}` stay as written).
 * One pass: a template full of `${` without `}` must cost its length, not its length squared.
 */
function resolveSub(template: string, env: ResolveEnv, variables: Record<string, unknown>): string {
  return substitute(template, (name) =>
    name.length > 0 && name[0] !== '!' ? subValue(name, env, variables) : undefined,
  );
}

/** Resolves `Ref`, `Fn::Sub`, `Fn::Join`, `Fn::GetAtt`; other intrinsics become UNRESOLVED. */
function resolveIntrinsic(node: Node, env: ResolveEnv): unknown {
  const children = node.children ?? [];
  if (children.length !== 1) return undefined;
  const key = children[0].children?.[0]?.value;
  if (typeof key !== 'string' || (key !== 'Ref' && !key.startsWith('Fn::'))) return undefined;
  const argument = nodeValue(children[0].children?.[1], env);
  if (key === 'Ref') {
    if (argument === 'AWS::AccountId') return env.accountId;
    if (argument === 'AWS::Region') return env.region;
    if (argument === 'AWS::Partition') return 'aws';
    return UNRESOLVED;
  }
  if (key === 'Fn::Sub') {
    if (typeof argument === 'string') return resolveSub(argument, env, {});
    if (Array.isArray(argument) && typeof argument[0] === 'string') {
      const vars = argument[1] && typeof argument[1] === 'object' ? (argument[1] as Record<string, unknown>) : {};
      return resolveSub(argument[0], env, vars);
    }
    return UNRESOLVED;
  }
  if (key === 'Fn::Join') {
    if (
      Array.isArray(argument) &&
      typeof argument[0] === 'string' &&
      Array.isArray(argument[1]) &&
      argument[1].every((p) => typeof p === 'string')
    ) {
      return (argument[1] as string[]).join(argument[0]);
    }
    return UNRESOLVED;
  }
  if (key === 'Fn::GetAtt') {
    const [logicalId, attribute] = Array.isArray(argument)
      ? argument
      : typeof argument === 'string'
        ? argument.split('.')
        : [];
    if (attribute === 'Arn' && typeof logicalId === 'string' && env.arns.has(logicalId)) return env.arns.get(logicalId);
    return UNRESOLVED;
  }
  return UNRESOLVED;
}

function hasStatement(node: Node): boolean {
  return propertyNode(node, 'Statement') !== undefined;
}

/** Key policy when any statement carries Principal/NotPrincipal; identity policy otherwise. */
function policyKindOf(node: Node): 'key' | 'identity' {
  for (const statement of statementNodes(node)) {
    if (propertyNode(statement, 'Principal') || propertyNode(statement, 'NotPrincipal')) return 'key';
  }
  return 'identity';
}

/**
 * A resource policy about something else (an S3 bucket, a role trust policy) is not ours:
 * it must name a KMS action, a wildcard reaching KMS, or use NotAction.
 */
function concernsKms(node: Node): boolean {
  for (const statement of statementNodes(node)) {
    if (propertyNode(statement, 'NotAction')) return true;
    const action = propertyValue(statement, 'Action');
    const actions = action?.type === 'array' ? (action.children ?? []) : action ? [action] : [];
    for (const a of actions) {
      if (a.type !== 'string') return true;
      const text = String(a.value).toLowerCase();
      const colon = text.indexOf(':');
      const service = colon >= 0 ? text.slice(0, colon) : text;
      if (service === 'kms' || /[*?]/.test(service)) return true;
    }
    if (!action) return true;
  }
  return false;
}

/** `{"Ref": "AWS::NoValue"}`: a branch of Fn::If that leaves the property out. */
function isNoValue(node: Node): boolean {
  const [key, value] = node.children?.length === 1 ? (node.children[0].children ?? []) : [];
  return key?.value === 'Ref' && value?.value === 'AWS::NoValue';
}

/** The two values of an `{"Fn::If": [condition, a, b]}` node; undefined for any other node. */
function conditionalBranches(node: Node): Node[] | undefined {
  if (node.children?.length !== 1) return undefined;
  const [key, argument] = node.children[0].children ?? [];
  if (key?.value !== 'Fn::If' || argument?.type !== 'array' || argument.children?.length !== 3) return undefined;
  return argument.children.slice(1);
}

const IDENTITY_POLICY_TYPES = new Set([
  'AWS::IAM::Policy',
  'AWS::IAM::ManagedPolicy',
  'AWS::IAM::RolePolicy',
  'AWS::IAM::UserPolicy',
  'AWS::IAM::GroupPolicy',
]);
const INLINE_POLICY_TYPES = new Set(['AWS::IAM::Role', 'AWS::IAM::User', 'AWS::IAM::Group']);

function templatePolicies(resources: Node, accountId: string, region: string): PolicyView[] {
  const env: ResolveEnv = { accountId, region, arns: new Map() };
  for (const resource of resources.children ?? []) {
    const logicalId = resource.children?.[0]?.value;
    const body = resource.children?.[1];
    if (typeof logicalId !== 'string' || !body) continue;
    if (propertyValue(body, 'Type')?.value !== 'AWS::IAM::Role') continue;
    const roleName = propertyValue(propertyValue(body, 'Properties'), 'RoleName');
    const name = roleName?.type === 'string' ? String(roleName.value) : logicalId;
    const pathNode = propertyValue(propertyValue(body, 'Properties'), 'Path');
    const path = pathNode?.type === 'string' ? String(pathNode.value) : '/';
    env.arns.set(logicalId, `arn:aws:iam::${accountId}:role${path}${name}`);
  }
  const kmsKeys = (resources.children ?? [])
    .filter((r) => {
      const type = propertyValue(r.children?.[1], 'Type')?.value;
      return type === 'AWS::KMS::Key' || type === 'AWS::KMS::ReplicaKey';
    })
    .map((r) => String(r.children?.[0]?.value));
  const found: PolicyView[] = [];
  const add = (kind: 'key' | 'identity', node: Node | undefined, path: JSONPath, logicalId: string): void => {
    if (!node || node.type !== 'object' || isNoValue(node)) return;
    // `{"Fn::If": [condition, policy, otherPolicy]}`: the policy is one of the two; check both.
    const branches = conditionalBranches(node);
    if (branches) {
      branches.forEach((branch, i) => add(kind, branch, [...path, 'Fn::If', i + 1], logicalId));
      return;
    }
    found.push({ kind, node, path, value: nodeValue(node, env), cloudFormation: { logicalId, accountId, kmsKeys } });
  };
  for (const resource of resources.children ?? []) {
    const logicalId = resource.children?.[0]?.value;
    const body = resource.children?.[1];
    if (typeof logicalId !== 'string' || !body) continue;
    const type = propertyValue(body, 'Type')?.value;
    const properties = propertyValue(body, 'Properties');
    const base: JSONPath = ['Resources', logicalId, 'Properties'];
    if (type === 'AWS::KMS::Key' || type === 'AWS::KMS::ReplicaKey') {
      add('key', propertyValue(properties, 'KeyPolicy'), [...base, 'KeyPolicy'], logicalId);
    } else if (typeof type === 'string' && IDENTITY_POLICY_TYPES.has(type)) {
      add('identity', propertyValue(properties, 'PolicyDocument'), [...base, 'PolicyDocument'], logicalId);
    } else if (typeof type === 'string' && INLINE_POLICY_TYPES.has(type)) {
      const policies = propertyValue(properties, 'Policies');
      (policies?.type === 'array' ? (policies.children ?? []) : []).forEach((p, i) => {
        add('identity', propertyValue(p, 'PolicyDocument'), [...base, 'Policies', i, 'PolicyDocument'], logicalId);
      });
    }
  }
  return found;
}

/**
 * Parses and classifies a text. Classification is by content, never by file name:
 * `Statement` (or a policy `Version`) at the root makes a policy; `Resources` holding KMS
 * keys or IAM policies makes a CloudFormation template.
 */
export function parseDocument(text: string, options: ParseOptions = {}): ParsedDocument {
  // The parser and the analysis recurse per level: a deeper text is refused before either runs.
  const tooLong = options.maxLength !== undefined && text.length > options.maxLength;
  const shape = nestingOf(text);
  if (tooLong || shape.depth > MAX_NESTING_DEPTH) {
    const keys = shape.topLevelKeys;
    const policyLike = keys.has('Statement') || keys.has('Resources') || keys.has('Version');
    return {
      kind: policyLike ? 'not-analyzed' : 'not-a-policy',
      root: undefined,
      errors: [],
      policies: [],
      notAnalyzed: tooLong ? { length: text.length } : { depth: shape.depth },
    };
  }
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: true });
  return classifyTree(root, errors, options);
}

/**
 * Classifies a parsed tree: JSON's own, or one a format adapter (YAML, HCL) built with
 * offsets into its source. The same rules apply whatever the tree was read from.
 */
export function classifyTree(root: Node | undefined, errors: ParseError[], options: ParseOptions = {}): ParsedDocument {
  const none: ParsedDocument = { kind: 'not-a-policy', root, errors, policies: [] };
  if (!root || root.type !== 'object') return none;
  const resources = propertyValue(root, 'Resources');
  if (resources?.type === 'object' && !hasStatement(root)) {
    const policies = templatePolicies(
      resources,
      options.accountId ?? PLACEHOLDER_ACCOUNT,
      options.region ?? DEFAULT_REGION,
    );
    return policies.length > 0 ? { kind: 'cloudformation', root, errors, policies } : none;
  }
  const version = propertyValue(root, 'Version');
  const looksLikePolicy =
    hasStatement(root) ||
    (version?.type === 'string' && (version.value === '2012-10-17' || version.value === '2008-10-17'));
  if (!looksLikePolicy) return none;
  const kind = policyKindOf(root);
  if (kind === 'key' && !concernsKms(root)) return none;
  const view: PolicyView = { kind, node: root, path: [], value: nodeValue(root) };
  return { kind: kind === 'key' ? 'key-policy' : 'identity-policy', root, errors, policies: [view] };
}

/**
 * How deeply the text nests objects and arrays, and the property names of its root object.
 * One loop over the characters, whatever the depth, skipping strings and comments as
 * jsonc-parser reads them; a string is a root key when a colon follows it at depth 1.
 */
function nestingOf(text: string): { depth: number; topLevelKeys: Set<string> } {
  const topLevelKeys = new Set<string>();
  let depth = 0;
  let max = 0;
  /** The last string read at depth 1, until something other than blanks follows it. */
  let pendingKey: string | undefined;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > max) max = depth;
      pendingKey = undefined;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      if (depth > 0) depth--;
      pendingKey = undefined;
    } else if (c === 0x22 /* " */) {
      const start = i + 1;
      for (i = start; i < length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i++;
        else if (d === 0x22 || d === 0x0a || d === 0x0d) break;
      }
      pendingKey = depth === 1 ? text.slice(start, i) : undefined;
    } else if (c === 0x2f /* / */ && text.charCodeAt(i + 1) === 0x2f) {
      while (i < length && text.charCodeAt(i) !== 0x0a && text.charCodeAt(i) !== 0x0d) i++;
    } else if (c === 0x2f && text.charCodeAt(i + 1) === 0x2a /* * */) {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? length : end + 1;
    } else if (c === 0x3a /* : */) {
      if (pendingKey !== undefined) topLevelKeys.add(pendingKey);
      pendingKey = undefined;
    } else if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) {
      pendingKey = undefined;
    }
  }
  return { depth: max, topLevelKeys };
}
