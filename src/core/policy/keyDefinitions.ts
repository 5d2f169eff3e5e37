/**
 * Where the workspace defines a KMS key: the CloudFormation `AWS::KMS::Key` or the Terraform
 * `aws_kms_key` that creates the key a diagnosis names, and the offsets of its policy. A key
 * managed as code should be fixed in the code: an edit of the live policy is put back by the
 * next deployment. Pure: the caller reads the files; malformed texts match nothing.
 *
 * A definition matches by (strongest first): the key id or ARN recorded for it in a Terraform
 * state or plan JSON, an alias whose target is the key, its description, or its tags (every
 * tag the code writes is on the live key with the same value).
 */
import { parseTree, type Node } from 'jsonc-parser';
import { nodeValue, propertyValue } from './document';
import { sourceFormatOf } from './formats/sourceFormat';
import { parseYamlTree } from './formats/yamlTree';
import { MAX_ANALYZED_TEXT_LENGTH } from './limits';

/** The live key as a diagnosis knows it. */
export interface KeyIdentity {
  keyId: string;
  arn?: string;
  /** `alias/name`, as ListAliases returns them. */
  aliases?: readonly string[];
  description?: string;
  tags?: Readonly<Record<string, string>>;
}

/** One file of the workspace: its path (as the caller names it) and text. */
export interface SourceFile {
  path: string;
  text: string;
}

export type DefinitionMatch = 'key-id' | 'alias' | 'description' | 'tags';

/** A key's definition: the file, the resource, why it matches, and the range to open. */
export interface KeyDefinition {
  path: string;
  /** `VolumeKey` (a template's logical id) or `aws_kms_key.volumes`. */
  resource: string;
  matchedBy: DefinitionMatch;
  /** The policy's value (or, when the code writes none, the resource itself). */
  offset: number;
  length: number;
  /** False when the code writes no policy: the range is the resource. */
  hasPolicy: boolean;
}

/** Strongest first: the order the definitions are offered in. */
const MATCH_RANK: Readonly<Record<DefinitionMatch, number>> = { 'key-id': 0, alias: 1, description: 2, tags: 3 };

/** A range in a file. */
interface Span {
  offset: number;
  length: number;
}

/** A key resource read from code, before matching. */
interface KeyResource {
  path: string;
  resource: string;
  /** Terraform `aws_kms_key.NAME`, for state matches; undefined in a template. */
  terraformName?: string;
  description?: string;
  tags: Record<string, string>;
  aliases: string[];
  whole: Span;
  policy?: Span;
}

function aliasName(alias: string): string {
  return alias.startsWith('alias/') ? alias : `alias/${alias}`;
}

function matchOf(
  resource: KeyResource,
  key: KeyIdentity,
  stateNames: ReadonlySet<string>,
): DefinitionMatch | undefined {
  if (resource.terraformName && stateNames.has(resource.terraformName)) return 'key-id';
  const live = new Set((key.aliases ?? []).map(aliasName));
  if (resource.aliases.some((a) => live.has(aliasName(a)))) return 'alias';
  if (key.description && resource.description === key.description) return 'description';
  const written = Object.entries(resource.tags);
  if (key.tags && written.length > 0 && written.every(([k, v]) => key.tags?.[k] === v)) return 'tags';
  return undefined;
}

/**
 * The definitions of `key` among `files`, strongest match first (then in file order); several
 * when several match (the person picks). Texts longer than the analyzer reads are skipped.
 */
export function findKeyDefinitions(files: readonly SourceFile[], key: KeyIdentity): KeyDefinition[] {
  const resources: KeyResource[] = [];
  const stateNames = new Set<string>();
  const terraform: TerraformFile[] = [];
  for (const file of files) {
    if (file.text.length > MAX_ANALYZED_TEXT_LENGTH) continue;
    const format =
      sourceFormatOf(file.path, undefined, file.text) ?? (file.path.endsWith('.tfstate') ? 'json' : undefined);
    if (format === 'terraform') terraform.push(terraformFile(file));
    else if (format === 'json' || format === 'yaml') {
      const root = format === 'json' ? jsonRoot(file.text) : parseYamlTree(file.text).root;
      for (const name of stateKeyNames(root, key)) stateNames.add(name);
      resources.push(...templateKeys(file.path, root));
    }
  }
  resources.push(...terraformKeys(terraform));
  const found: KeyDefinition[] = [];
  for (const resource of resources) {
    const matchedBy = matchOf(resource, key, stateNames);
    if (!matchedBy) continue;
    const span = resource.policy ?? resource.whole;
    found.push({
      path: resource.path,
      resource: resource.resource,
      matchedBy,
      ...span,
      hasPolicy: resource.policy !== undefined,
    });
  }
  // Equally strong matches keep the order of the files.
  const order = new Map(files.map((f, i) => [f.path, i]));
  const rank = (d: KeyDefinition): number => MATCH_RANK[d.matchedBy] * files.length + (order.get(d.path) ?? 0);
  return found.sort((a, b) => rank(a) - rank(b));
}

function jsonRoot(text: string): Node | undefined {
  try {
    return parseTree(text, [], { allowTrailingComma: true, disallowComments: false, allowEmptyContent: true });
  } catch {
    return undefined;
  }
}

function stringAt(node: Node | undefined, key: string): string | undefined {
  const value = propertyValue(node, key);
  return value?.type === 'string' && typeof value.value === 'string' ? value.value : undefined;
}

function children(node: Node | undefined): Node[] {
  return node?.type === 'array' ? (node.children ?? []) : [];
}

// ---- CloudFormation (JSON or YAML, one tree) ----

/** The logical id an alias's `TargetKeyId` refers to: `Ref`, or `Fn::GetAtt` of `Arn`/`KeyId`. */
function targetLogicalId(target: unknown): string | undefined {
  if (!target || typeof target !== 'object') return undefined;
  const ref = (target as Record<string, unknown>).Ref;
  if (typeof ref === 'string') return ref;
  const getAtt = (target as Record<string, unknown>)['Fn::GetAtt'];
  const parts = typeof getAtt === 'string' ? getAtt.split('.') : Array.isArray(getAtt) ? getAtt : [];
  return typeof parts[0] === 'string' ? parts[0] : undefined;
}

function templateKeys(path: string, root: Node | undefined): KeyResource[] {
  const resources = propertyValue(root, 'Resources');
  if (resources?.type !== 'object') return [];
  const keys = new Map<string, KeyResource>();
  const aliases: [string, string][] = [];
  for (const property of resources.children ?? []) {
    const [nameNode, resource] = property.children ?? [];
    const logicalId = nameNode?.value;
    if (typeof logicalId !== 'string' || !resource) continue;
    const type = stringAt(resource, 'Type');
    const properties = propertyValue(resource, 'Properties');
    if (type === 'AWS::KMS::Alias') {
      const name = stringAt(properties, 'AliasName');
      const target = targetLogicalId(nodeValue(propertyValue(properties, 'TargetKeyId')));
      if (name && target) aliases.push([target, name]);
    }
    if (type !== 'AWS::KMS::Key' && type !== 'AWS::KMS::ReplicaKey') continue;
    const tags: Record<string, string> = {};
    for (const tag of children(propertyValue(properties, 'Tags'))) {
      const k = stringAt(tag, 'Key');
      const v = stringAt(tag, 'Value');
      if (k !== undefined && v !== undefined) tags[k] = v;
    }
    const policy = propertyValue(properties, 'KeyPolicy');
    keys.set(logicalId, {
      path,
      resource: logicalId,
      description: stringAt(properties, 'Description'),
      tags,
      aliases: [],
      whole: { offset: property.offset, length: property.length },
      ...(policy ? { policy: { offset: policy.offset, length: policy.length } } : {}),
    });
  }
  for (const [target, name] of aliases) keys.get(target)?.aliases.push(name);
  return [...keys.values()];
}

// ---- Terraform state and plan JSON ----

/** Child modules deeper than this are not read. */
const MAX_MODULE_DEPTH = 32;

function identifies(key: KeyIdentity, values: Node | undefined): boolean {
  const id = stringAt(values, 'key_id') ?? stringAt(values, 'id');
  const arn = stringAt(values, 'arn');
  const wanted = key.keyId.toLowerCase();
  return (
    id?.toLowerCase() === wanted ||
    (arn !== undefined && (arn === key.arn || arn.toLowerCase().endsWith(`:key/${wanted}`)))
  );
}

/**
 * The `aws_kms_key.NAME`s a state or plan records for the key: the state file's own shape
 * (`resources[].instances[].attributes`) and `terraform show -json`'s (`values`/`planned_values`
 * `.root_module.resources[].values`, with child modules).
 */
function stateKeyNames(root: Node | undefined, key: KeyIdentity): string[] {
  const isState =
    propertyValue(root, 'format_version') !== undefined || propertyValue(root, 'terraform_version') !== undefined;
  if (root?.type !== 'object' || !isState) return [];
  const names: string[] = [];
  for (const resource of children(propertyValue(root, 'resources'))) {
    const name = stringAt(resource, 'name');
    if (stringAt(resource, 'type') !== 'aws_kms_key' || !name) continue;
    if (children(propertyValue(resource, 'instances')).some((i) => identifies(key, propertyValue(i, 'attributes'))))
      names.push(`aws_kms_key.${name}`);
  }
  const visit = (module: Node | undefined, depth: number): void => {
    if (module?.type !== 'object' || depth > MAX_MODULE_DEPTH) return;
    for (const resource of children(propertyValue(module, 'resources'))) {
      const name = stringAt(resource, 'name');
      if (stringAt(resource, 'type') === 'aws_kms_key' && name && identifies(key, propertyValue(resource, 'values')))
        names.push(`aws_kms_key.${name}`);
    }
    for (const child of children(propertyValue(module, 'child_modules'))) visit(child, depth + 1);
  };
  const sections = [
    propertyValue(root, 'values'),
    propertyValue(root, 'planned_values'),
    propertyValue(propertyValue(root, 'prior_state'), 'values'),
  ];
  for (const section of sections) visit(propertyValue(section, 'root_module'), 0);
  return names;
}

// ---- Terraform configuration (.tf) ----

/** A `resource "TYPE" "NAME" { ... }` block and its top-level arguments. */
interface TerraformBlock {
  path: string;
  type: string;
  name: string;
  whole: Span;
  arguments: Map<string, Span & { text: string }>;
}

interface TerraformFile {
  path: string;
  blocks: TerraformBlock[];
}

/**
 * Past a string, heredoc or comment starting at `i`; `i` itself when none starts there.
 * Strings skip their `${ ... }` interpolations, which may hold strings of their own.
 */
function skipLiteral(text: string, i: number): number {
  const c = text[i];
  if (c === '"') {
    let j = i + 1;
    while (j < text.length && text[j] !== '"' && text[j] !== '\n') {
      if (text[j] === '\\') j += 2;
      else if (text.startsWith('${', j)) j = expressionEnd(text, j + 2, text.length, true) + 1;
      else j++;
    }
    return j + 1;
  }
  if (c === '#' || (c === '/' && text[i + 1] === '/')) {
    const end = text.indexOf('\n', i);
    return end < 0 ? text.length : end;
  }
  if (c === '/' && text[i + 1] === '*') {
    const end = text.indexOf('*/', i + 2);
    return end < 0 ? text.length : end + 2;
  }
  const heredoc = c === '<' ? /^<<-?([A-Za-z_]\w*)[ \t]*\r?\n/.exec(text.slice(i, i + 80)) : null;
  if (heredoc) {
    const close = new RegExp(`^[ \\t]*${heredoc[1]}[ \\t]*\\r?$`, 'm');
    const rest = text.slice(i + heredoc[0].length);
    const found = close.exec(rest);
    return found ? i + heredoc[0].length + found.index + found[0].length : text.length;
  }
  return i;
}

/**
 * Where an expression starting at `i` ends: at a newline outside brackets (unless `untilClose`),
 * or at an unmatched closing bracket, or at `limit`. Brackets, strings, heredocs and comments nest as written.
 */
function expressionEnd(text: string, i: number, limit: number, untilClose = false): number {
  let depth = 0;
  while (i < limit) {
    const skipped = skipLiteral(text, i);
    if (skipped !== i) {
      i = skipped;
      continue;
    }
    const c = text[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) return i;
      depth--;
    } else if (c === '\n' && depth === 0 && !untilClose) return i;
    i++;
  }
  return limit;
}

const BLOCK_HEADER = /[ \t]*resource[ \t]+"([^"\n]+)"[ \t]+"([^"\n]+)"[ \t]*\{/y;
const ARGUMENT = /[ \t]*([A-Za-z_][\w-]*)[ \t]*=(?![=>])[ \t]*/y;

/** The top-level arguments of a block body between `open` (its `{`) and `close` (its `}`). */
function blockArguments(text: string, open: number, close: number): Map<string, Span & { text: string }> {
  const args = new Map<string, Span & { text: string }>();
  let i = open + 1;
  while (i < close) {
    ARGUMENT.lastIndex = i;
    const match = ARGUMENT.exec(text);
    const start = match ? i + match[0].length : i;
    const end = expressionEnd(text, start, close);
    if (match && end > start) {
      const value = text.slice(start, end).trimEnd();
      if (!args.has(match[1])) args.set(match[1], { offset: start, length: value.length, text: value });
    }
    i = Math.max(end, i) + 1;
  }
  return args;
}

function terraformFile(file: SourceFile): TerraformFile {
  const { text, path } = file;
  const blocks: TerraformBlock[] = [];
  let i = 0;
  while (i < text.length) {
    BLOCK_HEADER.lastIndex = i;
    const header = BLOCK_HEADER.exec(text);
    if (header) {
      const open = i + header[0].length - 1;
      const close = expressionEnd(text, open + 1, text.length, true);
      const start = i + (header[0].length - header[0].trimStart().length);
      blocks.push({
        path,
        type: header[1],
        name: header[2],
        whole: { offset: start, length: Math.min(close + 1, text.length) - start },
        arguments: blockArguments(text, open, close),
      });
      i = close + 1;
      continue;
    }
    i = expressionEnd(text, i, text.length) + 1;
  }
  return { path, blocks };
}

/** A quoted HCL string without interpolation, unescaped; undefined for anything else. */
function literal(expression: string | undefined): string | undefined {
  const match = expression === undefined ? null : /^"((?:[^"\\$]|\\.|\$(?!\{))*)"$/.exec(expression.trim());
  return match ? match[1].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c)) : undefined;
}

/** `aws_kms_key.NAME` from `aws_kms_key.NAME.key_id` (or `.arn`, `.id`). */
function keyReference(expression: string | undefined): string | undefined {
  const match =
    expression === undefined ? null : /^aws_kms_key\.([A-Za-z_][\w-]*)\.(?:key_id|arn|id)$/.exec(expression.trim());
  return match ? `aws_kms_key.${match[1]}` : undefined;
}

/** `{ Name = "x", "team:owner" = "y" }` as a record of its literal values. */
function tagMap(expression: string | undefined): Record<string, string> {
  const tags: Record<string, string> = {};
  const body = expression?.trim();
  if (!body?.startsWith('{')) return tags;
  for (const pair of body.matchAll(/(?:"([^"\n]+)"|([A-Za-z_][\w-]*))[ \t]*[=:][ \t]*"((?:[^"\\$\n]|\\.)*)"/g)) {
    tags[pair[1] ?? pair[2]] = pair[3];
  }
  return tags;
}

function terraformKeys(files: readonly TerraformFile[]): KeyResource[] {
  const blocks = files.flatMap((f) => f.blocks);
  const aliases = new Map<string, string[]>();
  const policies = new Map<string, TerraformBlock>();
  for (const block of blocks) {
    if (block.type === 'aws_kms_alias') {
      const target = keyReference(block.arguments.get('target_key_id')?.text);
      const name = literal(block.arguments.get('name')?.text);
      if (target && name) aliases.set(target, [...(aliases.get(target) ?? []), name]);
    }
    if (block.type === 'aws_kms_key_policy') {
      const target = keyReference(block.arguments.get('key_id')?.text);
      if (target && block.arguments.has('policy')) policies.set(target, block);
    }
  }
  const keys: KeyResource[] = [];
  for (const block of blocks) {
    if (block.type !== 'aws_kms_key' && block.type !== 'aws_kms_replica_key') continue;
    const name = `${block.type}.${block.name}`;
    // A separate aws_kms_key_policy holds the policy Terraform applies: that is where the fix goes.
    const separate = policies.get(name);
    const owner = separate ?? block;
    const policy = owner.arguments.get('policy');
    keys.push({
      path: owner.path,
      resource: separate ? `aws_kms_key_policy.${separate.name}` : name,
      terraformName: name,
      description: literal(block.arguments.get('description')?.text),
      tags: tagMap(block.arguments.get('tags')?.text),
      aliases: aliases.get(name) ?? [],
      whole: owner.whole,
      ...(policy ? { policy: { offset: policy.offset, length: policy.length } } : {}),
    });
  }
  return keys;
}
