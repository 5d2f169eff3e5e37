/**
 * The policies of a Terraform file as the trees the rules read, every offset into the .tf
 * text. A resource's `policy` is read in the three ways people write it:
 *  - `jsonencode({...})`: the HCL object, its keys and values as the policy's;
 *  - a heredoc holding JSON: parsed as JSON where it stands;
 *  - `data.aws_iam_policy_document.NAME.json`: the data block's `statement`, `principals`
 *    and `condition` blocks, as the policy JSON they produce.
 * References Terraform resolves at plan time become what they are when the file says so
 * (`data.aws_caller_identity.X.account_id` is the account, `aws_iam_role.X.arn` a role of it
 * when the role's name is written); any other value is unknown and matches nothing.
 */
import { parseTree, type Node, type ParseError } from 'jsonc-parser';
import type * as TreeSitter from 'web-tree-sitter';
import { UNRESOLVED, nodeValue, type PolicyView } from '../document';
import { MAX_NESTING_DEPTH } from '../limits';
import { substitute } from '../values';
import { POLICY_RESOURCES } from './terraformResources';

type SyntaxNode = TreeSitter.Node;
type Building = { -readonly [K in keyof Node]: Node[K] };

/** How an HCL value is written, for the editor: an HCL expression, a policy-document block, JSON. */
export type HclShape =
  | { kind: 'expression'; multiline: boolean }
  /** The statements of a policy document: new `statement` blocks go after `after`, at `column`. */
  | { kind: 'statements'; after: number; column: number }
  /** One `statement` block: new blocks inside it go before the line of its closing brace. */
  | { kind: 'statement'; close: number; column: number }
  | { kind: 'json' };

/** `statement` arguments of `aws_iam_policy_document` and the policy elements they produce. */
const STATEMENT_LISTS: readonly [string, string][] = [
  ['actions', 'Action'],
  ['not_actions', 'NotAction'],
  ['resources', 'Resource'],
  ['not_resources', 'NotResource'],
];

export interface HclPolicies {
  policies: PolicyView[];
  errors: ParseError[];
  shapes: WeakMap<Node, HclShape>;
  /** Resolved string -> the HCL expression it was read from (`aws_iam_role.app.arn`). */
  sources: Map<string, string>;
  /** The account the file reads from `data.aws_caller_identity`, and the reference that reads it. */
  account?: { id: string; reference: string };
}

interface Context {
  text: string;
  accountId: string;
  region: string;
  /** `aws_iam_role.NAME` / `aws_iam_user.NAME` -> ARN, for the names the file writes. */
  arns: Map<string, string>;
  shapes: WeakMap<Node, HclShape>;
  errors: ParseError[];
  /** Resolved string -> the expression the file writes for it, so fixes write the reference back. */
  sources: Map<string, string>;
  /** The first `data.aws_caller_identity.X.account_id` the file reads. */
  accountReference?: string;
}

/** The block's type and labels: `resource "aws_kms_key" "main"` -> ['resource', 'aws_kms_key', 'main']. */
function blockHeader(block: SyntaxNode): string[] {
  const out: string[] = [];
  for (const child of block.namedChildren) {
    if (!child) continue;
    if (child.type === 'identifier') out.push(child.text);
    else if (child.type === 'string_lit') out.push(stringLiteral(child) ?? '');
    else if (child.type === 'body' || child.type === 'block_start') break;
  }
  return out;
}

function bodyOf(block: SyntaxNode): SyntaxNode | undefined {
  return block.namedChildren.find((c) => c?.type === 'body') ?? undefined;
}

function blocksOf(body: SyntaxNode | undefined): SyntaxNode[] {
  return (body?.namedChildren ?? []).filter((c): c is SyntaxNode => c?.type === 'block');
}

/** The attribute `name = expression` of a body, by name (the last one, as the rules read duplicates). */
function attributeOf(body: SyntaxNode | undefined, name: string): SyntaxNode | undefined {
  let found: SyntaxNode | undefined;
  for (const child of body?.namedChildren ?? []) {
    if (child?.type === 'attribute' && child.namedChildren[0]?.text === name) found = child;
  }
  return found;
}

function attributeValue(attribute: SyntaxNode | undefined): SyntaxNode | undefined {
  return attribute?.namedChildren.find((c) => c?.type === 'expression') ?? undefined;
}

/** HCL's escapes in a quoted string: `\"`, `\\`, `\n`..., `$${` and `%%{` for a literal `${`/`%{`. */
function unescape(literal: string): string {
  return literal
    .replace(/\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (_, e: string) => {
      if (e[0] === 'u' || e[0] === 'U') return String.fromCodePoint(parseInt(e.slice(1), 16));
      return ({ n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' } as Record<string, string>)[e] ?? e;
    })
    .replace(/\$\$\{/g, '${')
    .replace(/%%\{/g, '%{');
}

/** The value of a string literal without interpolation; undefined for anything else. */
function stringLiteral(node: SyntaxNode): string | undefined {
  if (node.type !== 'string_lit') return undefined;
  return unescape(
    node.namedChildren
      .filter((c) => c?.type === 'template_literal')
      .map((c) => c?.text ?? '')
      .join(''),
  );
}

/** The single meaningful child of a wrapper (`expression`, `literal_value`, `collection_value`). */
function unwrap(node: SyntaxNode): SyntaxNode {
  let current = node;
  while (
    (current.type === 'expression' || current.type === 'literal_value' || current.type === 'collection_value') &&
    current.namedChildCount === 1
  ) {
    const child = current.namedChildren[0];
    if (!child) break;
    current = child;
  }
  return current;
}

/** What a reference the file writes stands for, when it is known before plan time. */
function resolveReference(reference: string, ctx: Context): string | undefined {
  const parts = reference.trim().split('.');
  if (parts[0] === 'data' && parts[1] === 'aws_caller_identity' && parts[3] === 'account_id') {
    ctx.accountReference ??= parts.join('.');
    return ctx.accountId;
  }
  if (parts[0] === 'data' && parts[1] === 'aws_partition' && parts[3] === 'partition') return 'aws';
  if (parts[0] === 'data' && parts[1] === 'aws_region' && (parts[3] === 'name' || parts[3] === 'region'))
    return ctx.region;
  if (parts.length === 3 && parts[2] === 'arn') return ctx.arns.get(`${parts[0]}.${parts[1]}`);
  return undefined;
}

/** A string with its `${...}` references resolved; an unknown one makes the whole string unknown. */
function resolveInterpolations(value: string, ctx: Context): string {
  let unknown = false;
  const out = substitute(value, (inner) => {
    const resolved = resolveReference(inner, ctx);
    if (resolved === undefined) unknown = true;
    return resolved ?? '';
  });
  return unknown ? UNRESOLVED : out;
}

/** The first expression seen for a resolved value is the one fixes write. */
function remember(ctx: Context, resolved: string, expression: string): void {
  if (!ctx.sources.has(resolved)) ctx.sources.set(resolved, expression.trim());
}

function leaf(type: Node['type'], value: unknown, node: SyntaxNode, parent: Node | undefined): Building {
  return { type, value, offset: node.startIndex, length: node.endIndex - node.startIndex, parent };
}

/** An HCL expression (inside `jsonencode`) as a JSON tree. */
function expressionTree(syntax: SyntaxNode, parent: Node | undefined, ctx: Context, depth: number): Node {
  if (depth > MAX_NESTING_DEPTH) return leaf('string', UNRESOLVED, syntax, parent);
  const node = unwrap(syntax);
  switch (node.type) {
    case 'string_lit': {
      const value = stringLiteral(node) ?? '';
      // An ARN the file writes literally is written so again by a fix that names it.
      if (value.startsWith('arn:')) remember(ctx, value, node.text);
      return leaf('string', value, node, parent);
    }
    case 'numeric_lit':
      return leaf('number', Number(node.text), node, parent);
    case 'bool_lit':
      return leaf('boolean', node.text === 'true', node, parent);
    case 'null_lit':
      return leaf('null', null, node, parent);
    case 'template_expr': {
      const quoted = node.namedChildren[0];
      if (quoted?.type !== 'quoted_template') break;
      // Literal parts unescaped (a literal `${` marked so it is not read as a reference),
      // interpolations as written: then resolved as one string.
      let value = '';
      for (const part of quoted.namedChildren) {
        if (part?.type === 'template_literal') value += unescape(part.text).replace(/\$\{/g, '\uE000{');
        else if (part?.type === 'template_interpolation') value += part.text;
        else if (part?.type === 'template_directive') value += UNRESOLVED;
      }
      const resolved = resolveInterpolations(value, ctx).replace(/\uE000\{/g, '${');
      if (resolved !== UNRESOLVED && value.includes('${')) remember(ctx, resolved, node.text);
      return leaf('string', resolved, node, parent);
    }
    case 'tuple': {
      const out = leaf('array', undefined, node, parent);
      out.children = node.namedChildren
        .filter((c): c is SyntaxNode => c?.type === 'expression')
        .map((c) => expressionTree(c, out, ctx, depth + 1));
      ctx.shapes.set(out, { kind: 'expression', multiline: node.text.includes('\n') });
      return out;
    }
    case 'object': {
      const out = leaf('object', undefined, node, parent);
      out.children = [];
      for (const element of node.namedChildren) {
        if (element?.type !== 'object_elem') continue;
        const keySyntax = element.childForFieldName('key');
        const valueSyntax = element.childForFieldName('val');
        if (!keySyntax || !valueSyntax) continue;
        const key = objectKey(keySyntax);
        if (key === undefined) continue;
        const property = leaf('property', undefined, element, out);
        const keyNode = leaf('string', key, keySyntax, property);
        property.children = [keyNode, expressionTree(valueSyntax, property, ctx, depth + 1)];
        out.children.push(property);
      }
      ctx.shapes.set(out, { kind: 'expression', multiline: node.text.includes('\n') });
      return out;
    }
    case 'expression': {
      // `data.aws_caller_identity.current.account_id` and the like: a reference.
      const resolved = resolveReference(node.text, ctx);
      if (resolved !== undefined) {
        remember(ctx, resolved, node.text);
        return leaf('string', resolved, node, parent);
      }
      break;
    }
  }
  return leaf('string', UNRESOLVED, node, parent);
}

/** An object key: a bare identifier or a string. Computed keys (`(var.x)`) are left out. */
function objectKey(syntax: SyntaxNode): string | undefined {
  const node = unwrap(syntax);
  if (node.type === 'variable_expr') return node.text;
  if (node.type === 'string_lit') return stringLiteral(node);
  if (node.type === 'identifier') return node.text;
  return undefined;
}

/** JSON in a heredoc, parsed where it stands: its nodes carry offsets into the .tf text. */
function heredocTree(heredoc: SyntaxNode, ctx: Context): Node | undefined {
  const identifiers = heredoc.namedChildren.filter((c) => c?.type === 'heredoc_identifier');
  const opening = identifiers[0];
  const closing = identifiers[identifiers.length - 1];
  if (!opening || !closing || opening === closing) return undefined;
  const start = ctx.text.indexOf('\n', opening.endIndex) + 1;
  const end = closing.startIndex;
  if (start <= 0 || end <= start) return undefined;
  const errors: ParseError[] = [];
  const root = parseTree(ctx.text.slice(start, end), errors, { allowTrailingComma: false, disallowComments: true });
  for (const e of errors) ctx.errors.push({ ...e, offset: e.offset + start });
  if (!root) return undefined;
  const shift = (node: Node): void => {
    const building = node as Building;
    building.offset += start;
    if (building.colonOffset !== undefined) building.colonOffset += start;
    if (node.type === 'string' && typeof node.value === 'string' && node.value.includes('${'))
      building.value = resolveInterpolations(node.value, ctx);
    ctx.shapes.set(node, { kind: 'json' });
    for (const child of node.children ?? []) shift(child);
  };
  shift(root);
  return root;
}

/** The policy JSON an `aws_iam_policy_document` data block produces, as a tree over its blocks. */
function policyDocumentTree(block: SyntaxNode, ctx: Context): Node | undefined {
  const body = bodyOf(block);
  if (!body) return undefined;
  const policy = leaf('object', undefined, block, undefined);
  const versionProperty = leaf('property', undefined, block, policy);
  versionProperty.length = 0;
  const version = attributeValue(attributeOf(body, 'version'));
  versionProperty.children = [
    { ...leaf('string', 'Version', block, versionProperty), length: 0 },
    version
      ? expressionTree(version, versionProperty, ctx, 1)
      : { ...leaf('string', '2012-10-17', block, versionProperty), length: 0 },
  ];
  const statementBlocks = blocksOf(body).filter((b) => b.namedChildren[0]?.text === 'statement');
  const statementsProperty = leaf('property', undefined, body, policy);
  const statements = leaf('array', undefined, body, statementsProperty);
  statementsProperty.children = [{ ...leaf('string', 'Statement', body, statementsProperty), length: 0 }, statements];
  statements.children = statementBlocks.map((s) => statementTree(s, statements, ctx));
  const last = statementBlocks[statementBlocks.length - 1];
  const closeBrace = block.namedChildren.find((c) => c?.type === 'block_end');
  ctx.shapes.set(statements, {
    kind: 'statements',
    after: last ? last.endIndex : closeBrace ? lineStartOf(ctx.text, closeBrace.startIndex) - 1 : body.endIndex,
    column: last ? columnOf(ctx.text, last.startIndex) : columnOf(ctx.text, block.startIndex) + 2,
  });
  policy.children = [versionProperty, statementsProperty];
  return policy;
}

function lineStartOf(text: string, offset: number): number {
  let at = offset;
  while (at > 0 && text[at - 1] !== '\n') at--;
  return at;
}

function columnOf(text: string, offset: number): number {
  return offset - lineStartOf(text, offset);
}

/** A property `Key: value` of a synthetic policy node, over the HCL it comes from. */
function syntheticProperty(parent: Node, key: string, keySyntax: SyntaxNode, over: SyntaxNode): Building {
  const property = leaf('property', undefined, over, parent);
  property.children = [leaf('string', key, keySyntax, property)];
  return property;
}

function statementTree(block: SyntaxNode, parent: Node, ctx: Context): Node {
  const body = bodyOf(block);
  const statement = leaf('object', undefined, block, parent);
  const children: Node[] = [];
  const add = (key: string, attribute: SyntaxNode | undefined): void => {
    const value = attributeValue(attribute);
    if (!attribute || !value) return;
    const property = syntheticProperty(statement, key, attribute.namedChildren[0] ?? attribute, attribute);
    property.children?.push(expressionTree(value, property, ctx, 2));
    children.push(property);
  };
  add('Sid', attributeOf(body, 'sid'));
  const effect = attributeOf(body, 'effect');
  if (effect) add('Effect', effect);
  else {
    // The data source's default effect.
    const property = syntheticProperty(statement, 'Effect', block, block);
    property.length = 0;
    property.children?.push({ ...leaf('string', 'Allow', block, property), length: 0 });
    children.push(property);
  }
  for (const [name, element] of STATEMENT_LISTS) add(element, attributeOf(body, name));
  for (const [blockName, element] of [
    ['principals', 'Principal'],
    ['not_principals', 'NotPrincipal'],
  ] as const) {
    const blocks = blocksOf(body).filter((b) => b.namedChildren[0]?.text === blockName);
    if (blocks.length > 0) children.push(principalsTree(blocks, element, statement, ctx));
  }
  const conditions = blocksOf(body).filter((b) => b.namedChildren[0]?.text === 'condition');
  if (conditions.length > 0) children.push(conditionTree(conditions, statement, ctx));
  statement.children = children;
  const closeBrace = block.namedChildren.find((c) => c?.type === 'block_end');
  ctx.shapes.set(statement, {
    kind: 'statement',
    close: closeBrace ? closeBrace.startIndex : block.endIndex,
    column: columnOf(ctx.text, block.startIndex) + 2,
  });
  return statement;
}

/** `principals { type = "AWS" identifiers = [...] }` blocks as `{"AWS": [...]}` (type "*" as "*"). */
function principalsTree(blocks: SyntaxNode[], element: string, parent: Node, ctx: Context): Node {
  const first = blocks[0];
  const property = syntheticProperty(parent, element, first.namedChildren[0] ?? first, first);
  const value = leaf('object', undefined, first, property);
  value.children = [];
  for (const block of blocks) {
    const body = bodyOf(block);
    const typeNode = attributeValue(attributeOf(body, 'type'));
    const identifiers = attributeValue(attributeOf(body, 'identifiers'));
    const type = typeNode ? nodeValue(expressionTree(typeNode, undefined, ctx, 3)) : undefined;
    if (typeof type !== 'string' || !identifiers) continue;
    if (type === '*') {
      property.children?.push(leaf('string', '*', block, property));
      return property;
    }
    const entry = syntheticProperty(value, type, typeNode ?? block, block);
    entry.children?.push(expressionTree(identifiers, entry, ctx, 3));
    value.children.push(entry);
  }
  property.children?.push(value);
  return property;
}

/** `condition { test variable values }` blocks as `{"test": {"variable": [values]}}`. */
function conditionTree(blocks: SyntaxNode[], parent: Node, ctx: Context): Node {
  const first = blocks[0];
  const property = syntheticProperty(parent, 'Condition', first.namedChildren[0] ?? first, first);
  const value = leaf('object', undefined, first, property);
  value.children = [];
  const byTest = new Map<string, Building>();
  for (const block of blocks) {
    const body = bodyOf(block);
    const read = (name: string): unknown => {
      const syntax = attributeValue(attributeOf(body, name));
      return syntax ? nodeValue(expressionTree(syntax, undefined, ctx, 3)) : undefined;
    };
    const test = read('test');
    const variable = read('variable');
    const values = attributeValue(attributeOf(body, 'values'));
    if (typeof test !== 'string' || typeof variable !== 'string' || !values) continue;
    let operator = byTest.get(test);
    if (!operator) {
      const entry = syntheticProperty(value, test, block, block);
      operator = leaf('object', undefined, block, entry);
      operator.children = [];
      entry.children?.push(operator);
      value.children.push(entry);
      byTest.set(test, operator);
    }
    const keyEntry = syntheticProperty(operator, variable, block, block);
    keyEntry.children?.push(expressionTree(values, keyEntry, ctx, 4));
    operator.children?.push(keyEntry);
  }
  property.children?.push(value);
  return property;
}

/** The policy tree of a `policy` argument, whichever way it is written. */
function policyArgumentTree(
  expression: SyntaxNode,
  documents: Map<string, SyntaxNode>,
  ctx: Context,
): Node | undefined {
  const node = unwrap(expression);
  if (node.type === 'function_call' && node.namedChildren[0]?.text === 'jsonencode') {
    const argument = node.namedChildren
      .find((c) => c?.type === 'function_arguments')
      ?.namedChildren.find((c) => c?.type === 'expression');
    return argument ? expressionTree(argument, undefined, ctx, 0) : undefined;
  }
  if (node.type === 'template_expr' && node.namedChildren[0]?.type === 'heredoc_template')
    return heredocTree(node.namedChildren[0], ctx);
  const reference = /^data\.aws_iam_policy_document\.([A-Za-z0-9_-]+)\.json$/.exec(node.text.trim());
  if (reference) {
    const document = documents.get(reference[1]);
    return document ? policyDocumentTree(document, ctx) : undefined;
  }
  return undefined;
}

/** The syntax errors tree-sitter marks, as parse errors. */
function syntaxErrors(root: SyntaxNode, errors: ParseError[]): void {
  if (!root.hasError) return;
  const stack: SyntaxNode[] = [root];
  while (stack.length > 0 && errors.length < 100) {
    const node = stack.pop();
    if (!node) break;
    if (node.type === 'ERROR' || node.isMissing) {
      errors.push({ error: 1, offset: node.startIndex, length: node.endIndex - node.startIndex });
      continue;
    }
    if (node.hasError) for (const child of node.children) if (child) stack.push(child);
  }
  if (errors.length === 0) errors.push({ error: 1, offset: 0, length: 0 });
}

/** The policies of a parsed Terraform file. */
export function terraformPolicies(tree: TreeSitter.Tree, text: string, accountId: string, region: string): HclPolicies {
  const ctx: Context = {
    text,
    accountId,
    region,
    arns: new Map(),
    shapes: new WeakMap(),
    errors: [],
    sources: new Map(),
  };
  syntaxErrors(tree.rootNode, ctx.errors);
  const body = tree.rootNode.namedChildren.find((c) => c?.type === 'body') ?? undefined;
  const blocks = blocksOf(body);
  const documents = new Map<string, SyntaxNode>();
  for (const block of blocks) {
    const [kind, type, name] = blockHeader(block);
    if (kind === 'data' && type === 'aws_iam_policy_document' && name) documents.set(name, block);
    if (kind === 'resource' && (type === 'aws_iam_role' || type === 'aws_iam_user') && name) {
      const inner = bodyOf(block);
      const named = attributeValue(attributeOf(inner, 'name'));
      const pathSyntax = attributeValue(attributeOf(inner, 'path'));
      const written = named ? stringLiteral(unwrap(named)) : undefined;
      const path = pathSyntax ? (stringLiteral(unwrap(pathSyntax)) ?? '/') : '/';
      if (written) ctx.arns.set(`${type}.${name}`, `arn:aws:iam::${accountId}:${type.slice(8)}${path}${written}`);
    }
  }
  const policies: PolicyView[] = [];
  for (const block of blocks) {
    const [kind, type, name] = blockHeader(block);
    const policyKind = kind === 'resource' ? POLICY_RESOURCES[type] : undefined;
    if (!policyKind || !name) continue;
    const argument = attributeValue(attributeOf(bodyOf(block), 'policy'));
    const node = argument ? policyArgumentTree(argument, documents, ctx) : undefined;
    if (!node || node.type !== 'object') continue;
    policies.push({ kind: policyKind, node, path: [], value: nodeValue(node) });
  }
  // A role's `inline_policy { policy = ... }` blocks are identity policies too (its
  // `assume_role_policy` is a trust policy, not a KMS concern).
  for (const block of blocks) {
    const [kind, type] = blockHeader(block);
    if (kind !== 'resource' || type !== 'aws_iam_role') continue;
    for (const inline of blocksOf(bodyOf(block))) {
      if (inline.namedChildren[0]?.text !== 'inline_policy') continue;
      const argument = attributeValue(attributeOf(bodyOf(inline), 'policy'));
      const node = argument ? policyArgumentTree(argument, documents, ctx) : undefined;
      if (node?.type === 'object') policies.push({ kind: 'identity', node, path: [], value: nodeValue(node) });
    }
  }
  policies.sort((a, b) => a.node.offset - b.node.offset);
  const account = ctx.accountReference ? { id: accountId, reference: ctx.accountReference } : undefined;
  return { policies, errors: ctx.errors, shapes: ctx.shapes, sources: ctx.sources, account };
}
