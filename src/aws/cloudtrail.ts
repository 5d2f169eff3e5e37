import { LookupEventsCommand, type Event } from '@aws-sdk/client-cloudtrail';
import type { Outcome, TrailEvent } from '../core/model';
import { classifyAwsError } from './errors';
import type { SessionPort, SignalOption } from './session';

/** LookupEvents returns at most 50 events a page. */
const PAGE_SIZE = 50;
/** LookupEvents allows 2 requests per second per account and region. */
const LOOKUPS_PER_SECOND = 2;
/** Never read more than this many pages for one question. */
const MAX_PAGES = 10;
const ACTION = 'cloudtrail:LookupEvents';

/** What to look up: one event name (CloudTrail takes ONE lookup attribute) in a window. */
export interface TrailQuery {
  eventName: string;
  startTime: Date;
  endTime: Date;
  /** Default 50. */
  maxResults?: number;
  /** Stops paging after a page holding an event this accepts. */
  stopWhen?: (event: TrailEvent) => boolean;
}

/**
 * CloudTrail management events by name in a time window, newest first, paced to the API's
 * 2 requests/second limit per (account, region) across the whole session.
 */
export async function lookupEvents(
  session: SessionPort,
  profile: string,
  region: string,
  query: TrailQuery,
  options: SignalOption = {},
): Promise<Outcome<TrailEvent[]>> {
  const wanted = Math.max(1, query.maxResults ?? PAGE_SIZE);
  const gate = session.rateGate(`cloudtrail\u0000${await gateOwner(session, profile)}\u0000${region}`, LOOKUPS_PER_SECOND);
  const events: TrailEvent[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES && events.length < wanted; page++) {
    // Waiting for the rate slot happens outside the concurrency limit, so paced lookups
    // never hold a slot other regions could use.
    try {
      await gate.wait(options.signal);
    } catch (error) {
      return { ok: false, error: classifyAwsError(error, { profile, region, action: ACTION }) };
    }
    const command = new LookupEventsCommand({
      LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: query.eventName }],
      StartTime: query.startTime,
      EndTime: query.endTime,
      MaxResults: Math.min(PAGE_SIZE, wanted - events.length),
      NextToken: nextToken,
    });
    const outcome = await session.send('CloudTrail', profile, region, command, ACTION, options);
    if (!outcome.ok) return outcome;
    const mapped = (outcome.value.Events ?? []).map(mapTrailEvent);
    events.push(...mapped);
    nextToken = outcome.value.NextToken || undefined;
    // The caller found what it looks for: more pages would only cost time under the 2/s limit.
    if (!nextToken || (query.stopWhen && mapped.some(query.stopWhen))) break;
  }
  events.sort((a, b) => (a.eventTime < b.eventTime ? 1 : a.eventTime > b.eventTime ? -1 : 0));
  return { ok: true, value: events.slice(0, wanted) };
}

/**
 * Whose limit a lookup counts against: the account when the config names it, else the
 * profile. Never waits for GetCallerIdentity: the diagnosis asks it in the same round, and
 * waiting for it only to name the gate made every lookup a round later. The name must
 * not change once an identity arrives, or one account would get two gates.
 */
async function gateOwner(session: SessionPort, profile: string): Promise<string> {
  const fromConfig = (await session.profile(profile).catch(() => undefined))?.accountId;
  return fromConfig ?? `profile:${profile}`;
}

interface RecordShape {
  eventTime?: string;
  errorCode?: string;
  errorMessage?: string;
  userIdentity?: { arn?: string; sessionContext?: { sessionIssuer?: { arn?: string } } };
  requestParameters?: {
    keyId?: string;
    granteePrincipal?: string;
    instancesSet?: { items?: { instanceId?: string }[] };
    instanceId?: string;
  } | null;
}

/**
 * Maps a LookupEvents entry to a TrailEvent, parsing its `CloudTrailEvent` JSON string.
 * A record that does not parse still yields the summary fields. Pure.
 */
export function mapTrailEvent(event: Event): TrailEvent {
  const record = parseRecord(event.CloudTrailEvent);
  const time = event.EventTime ? new Date(event.EventTime).toISOString() : record.eventTime ?? '';
  const result: TrailEvent = { eventId: event.EventId ?? '', eventName: event.EventName ?? '', eventTime: time };
  const userArn = record.userIdentity?.arn;
  if (userArn) result.userArn = userArn;
  // For a role session this is the role's ARN with its path, which the session ARN lacks.
  const issuer = record.userIdentity?.sessionContext?.sessionIssuer?.arn;
  if (issuer) result.sessionIssuerArn = issuer;
  if (record.errorCode) result.errorCode = record.errorCode;
  if (record.errorMessage) result.errorMessage = record.errorMessage;
  const params = record.requestParameters ?? undefined;
  if (params?.keyId) result.keyId = params.keyId;
  if (params?.granteePrincipal) result.granteePrincipal = params.granteePrincipal;
  const ids = (params?.instancesSet?.items ?? []).map((item) => item.instanceId).filter((id): id is string => !!id);
  if (params?.instanceId) ids.push(params.instanceId);
  const fromGrantee = /(i-[0-9a-f]{8,17})\b/.exec(params?.granteePrincipal ?? '')?.[1];
  if (fromGrantee && !ids.includes(fromGrantee)) ids.push(fromGrantee);
  if (ids.length > 0) result.instanceIds = ids;
  return result;
}

function parseRecord(text: string | undefined): RecordShape {
  if (!text) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' ? (parsed as RecordShape) : {};
  } catch {
    return {};
  }
}
