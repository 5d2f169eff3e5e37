/**
 * Reading CloudTrail evidence: which CreateGrant denials concern this instance's keys, what
 * kind of denial KMS reported, and when the instance stopped (src/domain.md section 1).
 */
import { keyToken } from '../arn';
import type { KeyInfo, Outcome, TrailEvent } from '../model';

/** The policy KMS's AccessDenied message names as the one that blocked the call. */
export type DenyingPolicy =
  | 'key-policy'
  | 'identity-policy'
  | 'permissions-boundary'
  | 'session-policy'
  | 'vpc-endpoint-policy'
  | 'service-control-policy'
  | 'resource-control-policy';

/** What KMS's AccessDenied message says about the cause. */
export type DenialKind =
  | 'explicit-deny-key-policy'
  | 'explicit-deny-identity-policy'
  | 'explicit-deny-scp'
  | 'explicit-deny-rcp'
  | 'explicit-deny-permissions-boundary'
  | 'explicit-deny-session-policy'
  | 'explicit-deny-vpc-endpoint-policy'
  | 'explicit-deny'
  | 'no-key-policy-allow'
  | 'no-identity-policy-allow'
  | 'no-permissions-boundary-allow'
  | 'no-session-policy-allow'
  | 'no-vpc-endpoint-policy-allow'
  | 'no-scp-allow'
  /** No reason given: older messages, and (reportedly) denials across accounts. */
  | 'not-authorized';

interface DenialRule {
  kind: DenialKind;
  /** Tested against the whole message; the first rule that matches wins. */
  pattern: RegExp;
  /** Where the blocking (explicit) or missing (implicit) statement is; absent when KMS does not say. */
  policy?: DenyingPolicy;
  explicit: boolean;
}

/**
 * The endings of AWS's AccessDenied messages (IAM User Guide, "Troubleshooting access
 * denied error messages"; src/aws-records.md Q1). AWS writes "sessions policy" for an
 * explicit Deny in a session policy. In a chained message ("... in a VPC endpoint policy
 * transitively through a service control policy") the first policy named is the blocker.
 */
const DENIAL_RULES: readonly DenialRule[] = [
  {
    kind: 'explicit-deny-key-policy',
    pattern: /explicit deny in a resource-based policy/i,
    policy: 'key-policy',
    explicit: true,
  },
  {
    kind: 'explicit-deny-identity-policy',
    pattern: /explicit deny in an identity-based policy/i,
    policy: 'identity-policy',
    explicit: true,
  },
  {
    kind: 'explicit-deny-scp',
    pattern: /explicit deny in a service control policy/i,
    policy: 'service-control-policy',
    explicit: true,
  },
  {
    kind: 'explicit-deny-rcp',
    pattern: /explicit deny in a resource control policy/i,
    policy: 'resource-control-policy',
    explicit: true,
  },
  {
    kind: 'explicit-deny-permissions-boundary',
    pattern: /explicit deny in a permissions boundary/i,
    policy: 'permissions-boundary',
    explicit: true,
  },
  {
    kind: 'explicit-deny-session-policy',
    pattern: /explicit deny in a sessions? policy/i,
    policy: 'session-policy',
    explicit: true,
  },
  {
    kind: 'explicit-deny-vpc-endpoint-policy',
    pattern: /explicit deny in a VPC endpoint policy/i,
    policy: 'vpc-endpoint-policy',
    explicit: true,
  },
  { kind: 'explicit-deny', pattern: /explicit deny/i, explicit: true },
  { kind: 'no-key-policy-allow', pattern: /no resource-based policy allows/i, policy: 'key-policy', explicit: false },
  {
    kind: 'no-identity-policy-allow',
    pattern: /no identity-based policy allows/i,
    policy: 'identity-policy',
    explicit: false,
  },
  {
    kind: 'no-permissions-boundary-allow',
    pattern: /no permissions boundary allows/i,
    policy: 'permissions-boundary',
    explicit: false,
  },
  {
    kind: 'no-session-policy-allow',
    pattern: /no sessions? policy allows/i,
    policy: 'session-policy',
    explicit: false,
  },
  {
    kind: 'no-vpc-endpoint-policy-allow',
    pattern: /no VPC endpoint policy allows/i,
    policy: 'vpc-endpoint-policy',
    explicit: false,
  },
  {
    kind: 'no-scp-allow',
    pattern: /no service control policy allows/i,
    policy: 'service-control-policy',
    explicit: false,
  },
];

function ruleOf(kind: DenialKind): DenialRule | undefined {
  return DENIAL_RULES.find((rule) => rule.kind === kind);
}

/** Classifies KMS's AccessDenied message; `not-authorized` when it gives no reason. */
export function denialKind(message: string | undefined): DenialKind {
  if (!message) return 'not-authorized';
  return DENIAL_RULES.find((rule) => rule.pattern.test(message))?.kind ?? 'not-authorized';
}

/** True for the kinds where a Deny statement, not a missing Allow, blocked the call. */
export function isExplicitDenial(kind: DenialKind): boolean {
  return ruleOf(kind)?.explicit === true;
}

/** The policy that blocked the call (with a Deny, or for want of an Allow); undefined when KMS did not say. */
export function denyingPolicy(kind: DenialKind): DenyingPolicy | undefined {
  return ruleOf(kind)?.policy;
}

/** Each policy for people. */
export const POLICY_PLACES: Record<DenyingPolicy, string> = {
  'key-policy': 'the key policy',
  'identity-policy': "the caller's IAM policies",
  'permissions-boundary': "the caller's permissions boundary",
  'session-policy': 'the session policy',
  'vpc-endpoint-policy': 'a VPC endpoint policy',
  'service-control-policy': 'a service control policy (SCP)',
  'resource-control-policy': 'a resource control policy (RCP)',
};

/** Where the explicit Deny of a denial kind is, for people; undefined when KMS did not say. */
export function denialPlace(kind: DenialKind): string | undefined {
  const rule = ruleOf(kind);
  return rule?.explicit && rule.policy ? POLICY_PLACES[rule.policy] : undefined;
}

/** What no policy of a kind allowing it reads like, for people. */
const MISSING_ALLOW: Record<DenyingPolicy, string> = {
  'key-policy': 'no key policy statement allows it',
  'identity-policy': 'no IAM policy of the caller allows it',
  'permissions-boundary': "the caller's permissions boundary does not allow it",
  'session-policy': 'the session policy does not allow it',
  'vpc-endpoint-policy': 'no VPC endpoint policy allows it',
  'service-control-policy': 'no service control policy (SCP) allows it',
  'resource-control-policy': 'no resource control policy (RCP) allows it',
};

/** Words a denial kind for people: where the blocking (or missing) statement is. */
export function describeDenial(kind: DenialKind): string {
  const rule = ruleOf(kind);
  if (rule?.explicit) {
    const place = denialPlace(kind);
    return place ? `an explicit Deny in ${place}` : 'an explicit Deny';
  }
  return rule?.policy ? MISSING_ALLOW[rule.policy] : 'not authorized (KMS gave no reason)';
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
export function refersToKey(
  ref: string | undefined,
  key: Pick<KeyInfo, 'keyId' | 'arn'> & { aliases?: string[] },
): boolean {
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
 * Error codes a CreateGrant record carries that are no failure: a DryRun call "would have
 * succeeded" (AWS services check grants that way on shared keys; src/aws-records.md Q1, F4).
 */
const NOT_FAILURES: ReadonlySet<string> = new Set(['DryRunOperationException']);

/** True for an event KMS logged; an event without `eventSource` is taken as KMS's (older mappers leave it out). */
export function isKmsEvent(event: TrailEvent): boolean {
  return event.eventSource === undefined || event.eventSource === 'kms.amazonaws.com';
}

/** True for a KMS CreateGrant that failed: an error code, and no DryRun (by its flag or its error code). */
export function isFailedGrant(event: TrailEvent): boolean {
  return (
    event.eventName === 'CreateGrant' &&
    isKmsEvent(event) &&
    event.errorCode !== undefined &&
    event.dryRun !== true &&
    !NOT_FAILURES.has(event.errorCode)
  );
}

/**
 * The KMS calls besides CreateGrant that a launch makes as the launching principal: a new
 * volume needs GenerateDataKeyWithoutPlaintext, one from an encrypted snapshot Decrypt or
 * ReEncrypt, before any grant (src/aws-records.md Q3, F3). Their CloudTrail event names.
 */
export const LAUNCH_KMS_EVENTS: readonly string[] = ['GenerateDataKeyWithoutPlaintext', 'Decrypt', 'ReEncrypt'];

/**
 * The order in which a launch's failed KMS calls are looked up in CloudTrail, which allows two
 * LookupEvents a second per account and Region (src/aws-records.md Q5): CreateGrant and
 * GenerateDataKeyWithoutPlaintext first, the two most often denied (the grant for attaching, the
 * data key of a new volume), then Decrypt and ReEncrypt only when neither names the denial.
 * Asking all four at once would have the last two throttled and retried every time.
 */
export const LAUNCH_LOOKUP_WAVES: readonly (readonly string[])[] = [
  ['CreateGrant', 'GenerateDataKeyWithoutPlaintext'],
  ['Decrypt', 'ReEncrypt'],
];

/**
 * Looks the waves' event names up, each wave at once, the next only while no event found so
 * far is `found`. Returns every lookup's outcome, in the waves' order; a failed lookup does not
 * stop the waves (the next may still find the denial).
 */
export async function lookupInWaves(
  waves: readonly (readonly string[])[],
  lookup: (eventName: string) => Promise<Outcome<TrailEvent[]>>,
  found: (event: TrailEvent) => boolean,
): Promise<Outcome<TrailEvent[]>[]> {
  const outcomes: Outcome<TrailEvent[]>[] = [];
  for (const wave of waves) {
    outcomes.push(...(await Promise.all(wave.map(lookup))));
    if (outcomes.some((o) => o.ok && o.value.some(found))) break;
  }
  return outcomes;
}

/** True for one of those calls that KMS denied (not a DryRun). */
export function isDeniedLaunchKmsCall(event: TrailEvent): boolean {
  return (
    LAUNCH_KMS_EVENTS.includes(event.eventName) && isKmsEvent(event) && event.dryRun !== true && isAccessDenied(event)
  );
}

/** True for a failed KMS call that can stop a launch: a failed CreateGrant, or a denied data key, Decrypt or ReEncrypt. */
export function isFailedLaunchKmsCall(event: TrailEvent): boolean {
  return isFailedGrant(event) || isDeniedLaunchKmsCall(event);
}

/** How close to the launch a denial naming no instance must be to be taken as this launch's: EC2 asks within seconds. */
export const LAUNCH_PROXIMITY_MS = 5 * 60 * 1000;

/** True when the event happened within `LAUNCH_PROXIMITY_MS` of the launch time (not before it by more than a minute). */
export function nearLaunch(event: TrailEvent, launchTime: string | undefined): boolean {
  const launch = launchTime ? Date.parse(launchTime) : NaN;
  const at = Date.parse(event.eventTime);
  if (Number.isNaN(launch) || Number.isNaN(at)) return false;
  return at >= launch - 60_000 && at <= launch + LAUNCH_PROXIMITY_MS;
}

/** True for a grant refused because the key holds as many grants as its quota allows. */
export function isGrantQuotaFailure(event: TrailEvent): boolean {
  return event.errorCode === 'LimitExceededException';
}

/**
 * The failed CreateGrant events that concern this instance: for one of its volume keys, or
 * naming the instance in the grantee (`<acct>:aws:ec2-infrastructure:i-...`). Newest first.
 * Besides AccessDenied they include key-state failures (DisabledException, ...) and grant
 * quota ones (LimitExceededException); DryRun records are no failures. A key shared by
 * several instances brings their failures too: `eventInstance` tells them apart.
 */
export function failedGrantEvents(
  events: readonly TrailEvent[],
  instanceId: string,
  keyRefs: readonly string[],
): TrailEvent[] {
  return events
    .filter(isFailedLaunchKmsCall)
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
  const fromGrantee = event.granteePrincipal
    ? event.granteePrincipal.split(/[:/]/).filter((part) => /^i-[0-9a-f]+$/.test(part))
    : [];
  const named = [...(event.instanceIds ?? []), ...fromGrantee];
  if (named.length === 0) return 'unknown';
  return named.includes(instanceId) ? 'this' : 'other';
}

/** Successful StartInstances calls that named this instance, newest first. */
export function startEventsFor(events: readonly TrailEvent[], instanceId: string): TrailEvent[] {
  return events
    .filter(
      (event) =>
        event.eventName === 'StartInstances' &&
        event.errorCode === undefined &&
        event.instanceIds?.includes(instanceId) === true,
    )
    .sort(byTimeDescending);
}

function byTimeDescending(a: TrailEvent, b: TrailEvent): number {
  return Date.parse(b.eventTime) - Date.parse(a.eventTime);
}

/** The key a denied CreateGrant event was about: its keyId, else the key among its resources, else the resource in its message. */
export function eventKeyRef(event: TrailEvent): string | undefined {
  return (
    event.keyId ??
    event.resources?.find((r) => r.type === 'AWS::KMS::Key' && r.name)?.name ??
    resourceFromDenialMessage(event.errorMessage)
  );
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
 * EC2 gives one; else an hour either side of the last launch time, which a failed start
 * sets (EC2 asks for the grant seconds after it, and a launch failure's transition reason
 * carries no time: src/aws-records.md M4); else CloudTrail's whole 90 days. Never before the
 * retention, never past now. Bounding the end keeps a diagnosis run days later from filling
 * its 500 events with later grants on a busy key.
 */
export function trailWindow(stopTime: Date | undefined, launchTime: string | undefined, now: Date): TrailWindow {
  const retentionStart = now.getTime() - RETENTION_MS;
  const launch = launchTime ? new Date(launchTime) : undefined;
  if (stopTime) {
    const end = Math.min(now.getTime(), stopTime.getTime() + HOUR_MS);
    const start = Math.max(retentionStart, Math.min(stopTime.getTime() - HOUR_MS, end - HOUR_MS));
    return {
      startTime: new Date(start),
      endTime: new Date(end),
      anchor: `an hour around the stop time ${stopTime.toISOString()}`,
    };
  }
  if (launch && !Number.isNaN(launch.getTime()) && launch.getTime() - HOUR_MS > retentionStart) {
    const end = Math.min(now.getTime(), launch.getTime() + HOUR_MS);
    return {
      startTime: new Date(launch.getTime() - HOUR_MS),
      endTime: new Date(end),
      anchor: `an hour around the last launch time ${launch.toISOString()}`,
    };
  }
  return { startTime: new Date(retentionStart), endTime: now, anchor: "CloudTrail's last 90 days" };
}
