// The wording and the checks of the create-grant command, apart from `vscode` so that plain
// mocha tests them. A grant is a write to AWS: nothing here calls it, the command asks first.
import { isAccountId, parseKeyArn, parsePrincipalArn } from '../../core/arn';
import type { CreateGrantArgs } from '../../core/diagnosis';

/** The confirmation a person answers before the grant is created. */
export interface GrantConfirmation {
  message: string;
  detail: string;
  /** The one button that goes ahead. */
  confirm: string;
}

/**
 * The arguments, when they are a create-grant request the command may ask about: a KMS key
 * ARN, a grantee principal ARN (or account id), at least one operation and a profile. A
 * report link carries these, but a link can be handcrafted, so nothing is taken on trust.
 */
export function checkGrantArgs(args: unknown): CreateGrantArgs | undefined {
  if (typeof args !== 'object' || args === null) return undefined;
  const a = args as Record<string, unknown>;
  const strings = (v: unknown): v is string[] =>
    Array.isArray(v) && v.length > 0 && v.every((o) => typeof o === 'string' && /^[A-Za-z]+$/.test(o));
  if (typeof a.profile !== 'string' || !a.profile || typeof a.region !== 'string' || !a.region) return undefined;
  if (typeof a.keyArn !== 'string' || !parseKeyArn(a.keyArn)) return undefined;
  if (typeof a.granteePrincipal !== 'string') return undefined;
  if (!parsePrincipalArn(a.granteePrincipal) && !isAccountId(a.granteePrincipal)) return undefined;
  if (!strings(a.operations)) return undefined;
  return {
    profile: a.profile,
    region: a.region,
    keyArn: a.keyArn,
    granteePrincipal: a.granteePrincipal,
    operations: [...a.operations],
  };
}

/** The modal's text: the key, the grantee, the operations and the profile the call runs as. */
export function grantConfirmation(args: CreateGrantArgs): GrantConfirmation {
  return {
    message: `Create a KMS grant on key ${args.keyArn} for ${args.granteePrincipal}?`,
    detail: [
      `Operations: ${args.operations.join(', ')}.`,
      `CreateGrant runs through profile ${args.profile}, in the key's region.`,
      'The grantee can use these operations on the key until the grant is retired or revoked.',
    ].join('\n'),
    confirm: 'Create Grant',
  };
}

/** What the notification and the report's change note say once KMS created the grant. */
export function grantCreatedNote(args: CreateGrantArgs, grantId: string): string {
  const key = parseKeyArn(args.keyArn)?.keyId ?? args.keyArn;
  return `Grant ${grantId} created on key ${key} for ${args.granteePrincipal} (${args.operations.join(', ')}).`;
}
