/**
 * Reading CloudTrail evidence: which CreateGrant denials concern this instance's keys, what
 * kind of denial KMS reported, and when the instance stopped (src/domain.md section 1).
 */
import { keyToken } from '../arn';
import type { KeyInfo, TrailEvent } from '../model';

/** What KMS's AccessDenied message says about the cause. */
export type DenialKind =
  | 'explicit-deny-key-policy'
  | 'explicit-deny-identity-policy'
  | 'explicit-deny-scp'
  | 'explicit-deny-permissions-boundary'
  | 'explicit-deny-session-policy'
  | 'explicit-deny'
  | 'no-key-policy-allow'
  | 'no-identity-policy-allow'
  | 'not-authorized';

const DENIAL_PATTERNS: [RegExp, DenialKind][] = [
  [/explicit deny in a resource-based policy/i, 'explicit-deny-key-policy'],
  [/explicit deny in an identity-based policy/i, 'explicit-deny-identity-policy'],
  [/explicit deny in a service control policy/i, 'explicit-deny-scp'],
  [/explicit deny in a permissions boundary/i, 'explicit-deny-permissions-boundary'],
  [/explicit deny in a session policy/i, 'explicit-deny-session-policy'],
  [/explicit deny/i, 'explicit-deny'],
  [/no resource-based policy allows/i, 'no-key-policy-allow'],
  [/no identity-based policy allows/i, 'no-identity-policy-allow'],
];

/** Classifies KMS's AccessDenied message; `not-authorized` when it gives no reason. */
export function denialKind(message: string | undefined): DenialKind {
  if (!message) return 'not-authorized';
  return DENIAL_PATTERNS.find(([pattern]) => pattern.test(message))?.[1] ?? 'not-authorized';
}

/** True for the kinds where a Deny statement, not a missing Allow, blocked the call. */
export function isExplicitDenial(kind: DenialKind): boolean {
  return kind.startsWith('explicit-deny');
}

/** Where the explicit Deny of a denial kind is, for people; undefined when KMS did not say. */
export function denialPlace(kind: DenialKind): string | undefined {
  switch (kind) {
    case 'explicit-deny-key-policy':
      return 'the key policy';
    case 'explicit-deny-identity-policy':
      return "the caller's IAM policies";
    case 'explicit-deny-scp':
      return 'a service control policy (SCP)';
    case 'explicit-deny-permissions-boundary':
      return "the caller's permissions boundary";
    case 'explicit-deny-session-policy':
      return 'the session policy';
    default:
      return undefined;
  }
}

/** Words a denial kind for people: where the blocking (or missing) statement is. */
export function describeDenial(kind: DenialKind): string {
  if (isExplicitDenial(kind)) {
    const place = denialPlace(kind);
    return place ? `an explicit Deny in ${place}` : 'an explicit Deny';
  }
  switch (kind) {
    case 'no-key-policy-allow':
      return 'no key policy statement allows it';
    case 'no-identity-policy-allow':
      return "no IAM policy of the caller allows it";
    case 'not-authorized':
    default:
      return 'not authorized (KMS gave no reason)';
  }
}

/** The caller ARN in "User: arn:... is not authorized to perform". */
export function userFromDenialMessage(message: string | undefined): string | undefined {
  return message?.match(/User:\s*(arn:[^\s]+)\s+is not authorized/i)?.[1];
}

/** The key ARN in "... on resource: arn:aws:kms:...". */
export function resourceFromDenialMessage(message: string | undefined): string | undefined {
  const found = message?.match(/on resource:\s*(arn:[^\s]+)/i)?.[1];
  return found?.replace(/[.,;)]+$/, '');
}

/** True when `ref` (a key id, key ARN, alias name or alias ARN) names this key. */
export function refersToKey(ref: string | undefined, key: Pick<KeyInfo, 'keyId' | 'arn'> & { aliases?: string[] }): boolean {
  if (!ref) return false;
  const token = keyToken(ref);
  if (token === keyToken(key.keyId) || token === keyToken(key.arn)) return true;
  return (key.aliases ?? []).some((alias) => keyToken(alias) === token);
}

/** True when `ref` names the same key as `other` (both as EC2, CloudTrail or KMS give them). */
export function sameKeyRef(ref: string | undefined, other: string): boolean {
  return ref !== undefined && keyToken(ref) === keyToken(other);
}

/** A failed event that was an authorization failure. */
export function isAccessDenied(event: TrailEvent): boolean {
  return event.errorCode !== undefined && /AccessDenied|UnauthorizedOperation|NotAuthorized/i.test(event.errorCode);
}

/**
 * The failed CreateGrant events that concern this instance: for one of its volume keys, or
 * naming the instance in the grantee (`<acct>:aws:ec2-infrastructure:i-...`). Newest first.
 * Besides AccessDenied they include key-state failures (DisabledException, ...). A key
 * shared by several instances brings their failures too: `eventInstance` tells them apart.
 */
export function failedGrantEvents(events: readonly TrailEvent[], instanceId: string, keyRefs: readonly string[]): TrailEvent[] {
  return events
    .filter((event) => event.eventName === 'CreateGrant' && event.errorCode !== undefined)
    .filter((event) => {
      const keyRef = eventKeyRef(event);
      if (keyRef && keyRefs.some((ref) => sameKeyRef(keyRef, ref))) return true;
      return eventInstance(event, instanceId) === 'this';
    })
    .sort(byTimeDescending);
}

/**
 * Which instance an event is about: `this` when its instance ids or its grantee name the
 * instance, `other` when they name only other instances, `unknown` when they name none.
 */
export function eventInstance(event: TrailEvent, instanceId: string): 'this' | 'other' | 'unknown' {
  // The grantee is `<acct>:aws:ec2-infrastructure:<instance id>`: compare whole segments, as
  // an 8-digit instance id is a prefix of a 17-digit one.
  const fromGrantee = event.granteePrincipal ? event.granteePrincipal.split(/[:/]/).filter((part) => /^i-[0-9a-f]+$/.test(part)) : [];
  const named = [...(event.instanceIds ?? []), ...fromGrantee];
  if (named.length === 0) return 'unknown';
  return named.includes(instanceId) ? 'this' : 'other';
}

/** Successful StartInstances calls that named this instance, newest first. */
export function startEventsFor(events: readonly TrailEvent[], instanceId: string): TrailEvent[] {
  return events
    .filter((event) => event.eventName === 'StartInstances' && event.errorCode === undefined && event.instanceIds?.includes(instanceId) === true)
    .sort(byTimeDescending);
}

function byTimeDescending(a: TrailEvent, b: TrailEvent): number {
  return Date.parse(b.eventTime) - Date.parse(a.eventTime);
}

/** The key a denied CreateGrant event was about: its keyId, else the resource in its message. */
export function eventKeyRef(event: TrailEvent): string | undefined {
  return event.keyId ?? resourceFromDenialMessage(event.errorMessage);
}

/** The caller of an event: its userArn, else the one named in the denial message. */
export function eventCaller(event: TrailEvent): string | undefined {
  return event.userArn ?? userFromDenialMessage(event.errorMessage);
}

/**
 * The stop time in a StateTransitionReason such as "User initiated (2024-05-01 10:00:00 GMT)"
 * or "Server.InternalError (2024-05-01 10:00:00 GMT)". Undefined when it carries none.
 */
export function timeFromTransitionReason(reason: string | undefined): Date | undefined {
  const match = reason?.match(/\((\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})\s*(GMT|UTC|Z)?\)/i);
  if (!match) return undefined;
  const time = new Date(`${match[1]}T${match[2]}Z`);
  return Number.isNaN(time.getTime()) ? undefined : time;
}

export interface TrailWindow {
  startTime: Date;
  endTime: Date;
  /** How the window was chosen, for the evidence. */
  anchor: string;
}

const HOUR_MS = 60 * 60 * 1000;
/** CloudTrail's event history keeps 90 days of management events. */
const RETENTION_MS = 90 * 24 * HOUR_MS;

/**
 * The CloudTrail window holding the failed start: an hour either side of the stop time when
 * EC2 gives one; else from an hour before the last launch time (the failed start came at or
 * after it) until now; else CloudTrail's whole 90 days. Never before the retention, never
 * past now. Events come newest first, so a wide window still shows the latest failure first.
 */
export function trailWindow(stopTime: Date | undefined, launchTime: string | undefined, now: Date): TrailWindow {
  const retentionStart = now.getTime() - RETENTION_MS;
  const launch = launchTime ? new Date(launchTime) : undefined;
  if (stopTime) {
    const end = Math.min(now.getTime(), stopTime.getTime() + HOUR_MS);
    const start = Math.max(retentionStart, Math.min(stopTime.getTime() - HOUR_MS, end - HOUR_MS));
    return { startTime: new Date(start), endTime: new Date(end), anchor: `an hour around the stop time ${stopTime.toISOString()}` };
  }
  if (launch && !Number.isNaN(launch.getTime()) && launch.getTime() - HOUR_MS > retentionStart) {
    return { startTime: new Date(launch.getTime() - HOUR_MS), endTime: now, anchor: `since the last launch time ${launch.toISOString()}` };
  }
  return { startTime: new Date(retentionStart), endTime: now, anchor: "CloudTrail's last 90 days" };
}
