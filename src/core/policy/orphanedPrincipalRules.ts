/**
 * Principals a key policy names by IAM unique id: users and roles deleted since the policy
 * named them. A policy names a user or role by ARN, and IAM keeps the principal's unique id
 * behind it; once the user or role is deleted the ARN can no longer be shown, and the policy
 * shows the unique id instead (IAM User Guide, "Unique identifiers": "if you delete the role
 * or user, then the relationship is broken ... the principal ID shows up ... because AWS can
 * no longer map it back to an ARN"). Such an entry matches no one, and KMS refuses any
 * PutKeyPolicy of a policy holding one: `MalformedPolicyDocumentException`, "Policy contains
 * a statement with one or more invalid principals." (re:Post Knowledge Center,
 * kms-policy-error-invalid-principals: "Remove orphaned unique IDs from the key policy").
 * So the live policy cannot be saved back, even unchanged, until the entry goes.
 */
import type { Node } from 'jsonc-parser';
import { iamUniqueIdKind, parsePrincipalArn, type ParsedPrincipal, type UniqueIdKind } from '../arn';
import { nodeValue, propertyValue } from './document';
import { policyStatements } from './evaluate';
import { awsPrincipalEntries, principalEntryAccount, type PolicyFacts, type StatementInfo } from './facts';
import { lazyFix } from './fixBuilders';
import type { TextEdit } from './fixes';
import type { PolicyFix } from './findings';
import type { RuleFinding } from './keyPolicyRules';
import type { StatementLabel } from './messages';
import { isRecord } from './values';

/** The elements holding principals. */
type PrincipalElement = 'Principal' | 'NotPrincipal';
const PRINCIPAL_ELEMENTS: readonly PrincipalElement[] = ['Principal', 'NotPrincipal'];

/** The principal kinds that can take the place of a deleted one, by the kind it was. */
const REPLACEMENT_KINDS: Readonly<Record<UniqueIdKind, ParsedPrincipal['kind']>> = { user: 'user', role: 'role' };

/** One unique-id entry, where it is written. */
interface OrphanedEntry {
  statement: StatementInfo;
  element: PrincipalElement;
  principalNode: Node;
  /** The `AWS` value: the entry itself, or the list holding it. */
  awsNode: Node;
  entryNode: Node;
  uniqueId: string;
  kind: UniqueIdKind;
}

/** Every entry of the `AWS` element written as a literal unique id, in document order. */
function orphanedEntries(facts: PolicyFacts): OrphanedEntry[] {
  const found: OrphanedEntry[] = [];
  for (const statement of facts.statements) {
    for (const element of PRINCIPAL_ELEMENTS) {
      const principalNode = propertyValue(statement.node, element);
      const awsNode = propertyValue(principalNode, 'AWS');
      if (!principalNode || !awsNode) continue;
      const candidates = awsNode.type === 'array' ? (awsNode.children ?? []) : [awsNode];
      for (const entryNode of candidates) {
        if (entryNode.type !== 'string' || typeof entryNode.value !== 'string') continue;
        const kind = iamUniqueIdKind(entryNode.value);
        if (kind)
          found.push({ statement, element, principalNode, awsNode, entryNode, uniqueId: entryNode.value, kind });
      }
    }
  }
  return found;
}

function label(s: StatementInfo): StatementLabel {
  return { index: s.index, sid: s.value.Sid };
}

/** A finding on each principal entry that is a deleted user's or role's unique id. */
export function orphanedPrincipals(facts: PolicyFacts): RuleFinding[] {
  if (facts.view.kind === 'identity') return [];
  return orphanedEntries(facts).map((entry) => ({
    facts: {
      code: 'orphaned-principal',
      uniqueId: entry.uniqueId,
      kind: entry.kind,
      element: entry.element,
      statement: label(entry.statement),
    },
    node: entry.entryNode,
    fixes: [...removalFixes(facts, entry), ...replacementFixes(facts, entry)],
  }));
}

/**
 * Removing the entry. From a list with other entries, the list without it; when it is the
 * only AWS entry, the `AWS` element (other principal types stay); when it is the statement's
 * only principal, the statement. A NotPrincipal statement is never removed: without its
 * exception a Deny would not vanish, it would apply to everyone, so only a replacement is offered.
 */
function removalFixes(facts: PolicyFacts, entry: OrphanedEntry): PolicyFix[] {
  const editor = facts.ctx.editor;
  const what = { fix: 'remove-orphaned-principal', uniqueId: entry.uniqueId, element: entry.element } as const;
  const listRemoval = entryRemoval(facts, entry);
  if (listRemoval) return lazyFix(facts, what, [listRemoval], true);
  const principal = nodeValue(entry.principalNode);
  const otherTypes = isRecord(principal) ? Object.keys(principal).filter((k) => k !== 'AWS') : [];
  if (otherTypes.length > 0 && isRecord(principal)) {
    const rest = Object.fromEntries(otherTypes.map((k) => [k, principal[k]]));
    return lazyFix(facts, what, [editor.replace(entry.principalNode, rest)], true);
  }
  if (entry.element === 'NotPrincipal') return [];
  return lazyFix(
    facts,
    { ...what, statement: label(entry.statement) },
    [statementRemoval(facts, entry.statement)],
    true,
  );
}

/**
 * The raw change taking the entry out of a list with other entries: the entry, the comma and
 * its neighbour are replaced by the neighbour as written, so the list keeps its layout (a
 * replacement is formatted as itself; a deletion would have its whole line laid out again).
 */
function entryRemoval(facts: PolicyFacts, entry: OrphanedEntry): TextEdit | undefined {
  if (entry.awsNode.type !== 'array') return undefined;
  const children = entry.awsNode.children ?? [];
  const at = children.indexOf(entry.entryNode);
  const next = children[at + 1];
  const previous = children[at - 1];
  const text = facts.ctx.text;
  const written = (n: Node): string => text.slice(n.offset, n.offset + n.length);
  if (next) {
    const end = next.offset + next.length;
    return { offset: entry.entryNode.offset, length: end - entry.entryNode.offset, content: written(next) };
  }
  if (previous) {
    const end = entry.entryNode.offset + entry.entryNode.length;
    return { offset: previous.offset, length: end - previous.offset, content: written(previous) };
  }
  return undefined;
}

/**
 * The raw change deleting a statement from the Statement list, with the comma that joined it
 * to a neighbour: from its start to the next statement's start, or for the last one from the
 * previous statement's end. None for the policy's only statement: a key policy without
 * statements is no fix.
 */
function statementRemoval(facts: PolicyFacts, s: StatementInfo): TextEdit | undefined {
  const list = propertyValue(facts.view.node, 'Statement');
  const children = list?.type === 'array' ? (list.children ?? []) : [];
  const at = children.indexOf(s.node);
  if (at < 0 || children.length < 2) return undefined;
  const next = children[at + 1];
  if (next) return { offset: s.node.offset, length: next.offset - s.node.offset, content: '' };
  const previous = children[at - 1];
  const start = previous.offset + previous.length;
  return { offset: start, length: s.node.offset + s.node.length - start, content: '' };
}

/**
 * Replacing the entry with a principal the person named (`ec2LaunchDoctor.principals`,
 * `--principal`) of the same kind, in an account the policy names: the deleted principal's
 * successor, most likely. A session ARN is not offered: its role's path is not in it, so the
 * role ARN it suggests may not exist.
 */
function replacementFixes(facts: PolicyFacts, entry: OrphanedEntry): PolicyFix[] {
  const accounts = policyAccounts(facts);
  const present = new Set(awsPrincipalEntries(nodeValue(entry.principalNode)));
  const fixes: PolicyFix[] = [];
  for (const arn of new Set(facts.ctx.principals)) {
    const parsed = parsePrincipalArn(arn);
    if (!parsed || parsed.kind !== REPLACEMENT_KINDS[entry.kind] || !accounts.has(parsed.account)) continue;
    if (present.has(arn)) continue;
    fixes.push(
      ...lazyFix(facts, { fix: 'replace-orphaned-principal', uniqueId: entry.uniqueId, arn }, [
        facts.ctx.editor.replace(entry.entryNode, arn),
      ]),
    );
  }
  return fixes;
}

/** The key's account when the policy reveals it, else every account its principals name. */
function policyAccounts(facts: PolicyFacts): Set<string> {
  if (facts.keyAccount !== undefined) return new Set([facts.keyAccount]);
  const accounts = new Set<string>();
  for (const s of facts.statements) {
    for (const entry of awsPrincipalEntries(s.value.Principal).concat(awsPrincipalEntries(s.value.NotPrincipal))) {
      const account = principalEntryAccount(entry);
      if (account) accounts.add(account);
    }
  }
  return accounts;
}

/**
 * The unique ids of deleted users and roles a policy names in Principal or NotPrincipal,
 * once each in order: for a caller holding the policy as a value or as the JSON text
 * GetKeyPolicy returns (the diagnosis), whose PutKeyPolicy KMS refuses while any remains.
 * Text that is not JSON names none.
 */
export function orphanedPrincipalIds(policy: unknown): string[] {
  let document = policy;
  if (typeof policy === 'string') {
    try {
      document = JSON.parse(policy) as unknown;
    } catch {
      return [];
    }
  }
  const ids = new Set<string>();
  for (const s of policyStatements(document)) {
    for (const entry of awsPrincipalEntries(s.Principal).concat(awsPrincipalEntries(s.NotPrincipal)))
      if (iamUniqueIdKind(entry)) ids.add(entry);
  }
  return [...ids];
}
