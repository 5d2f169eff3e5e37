/**
 * Who started the instance, from the caller identity and the CloudTrail lookups: the
 * principal stage of the diagnosis.
 */
import type { CallerIdentity, Outcome, TrailEvent } from '../model';
import { isPrincipalUnderTest, principalFromArn } from './principal';
import type { PrincipalStage } from './stages';
import {
  eventCaller,
  eventInstance,
  failedGrantEvents,
  isAccessDenied,
  startEventsFor,
  type TrailWindow,
} from './trail';
import type { PrincipalInfo, PrincipalSource } from './types';

/**
 * The principal stage from what the identity and CloudTrail lookups answered: the failed
 * grants about this instance or its keys, the starts naming it, and the principal under test.
 */
export function principalStageOf(
  window: TrailWindow,
  caller: Outcome<CallerIdentity>,
  grants: Outcome<TrailEvent[]>,
  starts: Outcome<TrailEvent[]> | undefined,
  instanceId: string,
  keyRefs: string[],
  launcherRoleArn?: string,
): PrincipalStage {
  const failedGrants = grants.ok ? failedGrantEvents(grants.value, instanceId, keyRefs) : [];
  const stage: PrincipalStage = {
    window,
    caller,
    grantLookup: grants.ok ? { outcome: 'read', events: grants.value } : { outcome: 'failed', failure: grants.error },
    startLookup: !starts
      ? { outcome: 'not-looked-up' }
      : starts.ok
        ? { outcome: 'read', events: starts.value }
        : { outcome: 'failed', failure: starts.error },
    failedGrants,
    denials: failedGrants.filter(isAccessDenied),
    starts: starts?.ok ? startEventsFor(starts.value, instanceId) : [],
    principal: undefined,
  };
  return { ...stage, principal: principalUnderTest(stage, instanceId, launcherRoleArn) };
}

/** The principal source an event gives: a failed CreateGrant, or another denied KMS call of the launch. */
function sourceOf(event: TrailEvent): PrincipalSource {
  return event.eventName === 'CreateGrant' ? 'cloudtrail-create-grant' : 'cloudtrail-kms-denial';
}

/** The newest event with a known caller, a denial before any other failure. */
function newestCalling(events: readonly TrailEvent[]): { event: TrailEvent; caller: string } | undefined {
  const withCaller = events.flatMap((event) => {
    const caller = eventCaller(event);
    return caller ? [{ event, caller }] : [];
  });
  return withCaller.find(({ event }) => isAccessDenied(event)) ?? withCaller[0];
}

/**
 * Who started the instance, strongest evidence first: a failed grant naming this instance
 * (it names the caller whatever the error); a failed grant on its keys naming no instance,
 * only when nothing names this one, and only from the caller of its StartInstances when
 * there is one; that StartInstances; the role of the Auto Scaling group that launched it;
 * the profile's identity. A failed grant naming another
 * instance (a key shared by several) never decides.
 */
function principalUnderTest(
  stage: PrincipalStage,
  instanceId: string,
  launcherRoleArn: string | undefined,
): PrincipalInfo | undefined {
  const forInstance = newestCalling(stage.failedGrants.filter((e) => eventInstance(e, instanceId) === 'this'));
  if (forInstance)
    return principalFromArn(forInstance.caller, sourceOf(forInstance.event), forInstance.event.sessionIssuerArn);
  const started = stage.starts.flatMap((event) => (event.userArn ? [{ event, userArn: event.userArn }] : []))[0];
  const starter = started
    ? principalFromArn(started.userArn, 'cloudtrail-start-instances', started.event.sessionIssuerArn)
    : undefined;
  const unnamed = stage.failedGrants.filter(
    (e) =>
      eventInstance(e, instanceId) === 'unknown' && (!starter || isPrincipalUnderTest(eventCaller(e) ?? '', starter)),
  );
  const keyOnly = newestCalling(unnamed);
  if (keyOnly)
    return principalFromArn(
      keyOnly.caller,
      sourceOf(keyOnly.event),
      keyOnly.event.sessionIssuerArn ?? started?.event.sessionIssuerArn,
    );
  if (starter) return starter;
  // An instance its Auto Scaling group launched was launched as the group's role.
  if (launcherRoleArn) return principalFromArn(launcherRoleArn, 'auto-scaling-group');
  return stage.caller.ok ? principalFromArn(stage.caller.value.arn, 'caller-identity') : undefined;
}
