import { LookupEventsCommand, type Event } from '@aws-sdk/client-cloudtrail';
import type { Outcome, TrailEvent, TrailResource } from '../core/model';
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
  eventSource?: string;
  errorCode?: string;
  errorMessage?: string;
  userIdentity?: {
    type?: string;
    arn?: string;
    invokedBy?: string;
    sessionContext?: { sessionIssuer?: { arn?: string } };
  };
  requestParameters?: {
    keyId?: string;
    granteePrincipal?: string;
    instancesSet?: { items?: { instanceId?: string }[] };
    instanceId?: string;
    dryRun?: boolean;
  } | null;
  resources?: { type?: string; ARN?: string; accountId?: string }[];
}

/** Error codes of a DryRun call that would have succeeded (KMS, EC2): the record is no failure. */
const DRY_RUN_ERROR_CODES: ReadonlySet<string> = new Set(['DryRunOperationException', 'DryRunOperation', 'Client.DryRunOperation']);

/**
 * The instance id in EC2's grantee principal, in either form: today's STS session ARN
 * `arn:aws:sts::<acct>:assumed-role/aws:ec2-infrastructure/<instance id>` or the older
 * `<acct>:aws:ec2-infrastructure:<instance id>` (src/aws-records.md Q1).
 */
const GRANTEE_INSTANCE = /aws:ec2-infrastructure[:/](i-[0-9a-f]{8,17})$/;

/**
 * Maps a LookupEvents entry to a TrailEvent, parsing its `CloudTrailEvent` JSON string.
 * A record that does not parse still yields the summary fields. Every field is checked for
 * its type: a record is hostile input. Pure.
 */
export function mapTrailEvent(event: Event): TrailEvent {
  const record = parseRecord(event.CloudTrailEvent);
  const time = event.EventTime ? new Date(event.EventTime).toISOString() : text(record.eventTime) ?? '';
  const result: TrailEvent = { eventId: event.EventId ?? '', eventName: event.EventName ?? '', eventTime: time };
  const source = text(record.eventSource) ?? text(event.EventSource);
  if (source) result.eventSource = source;
  const identity = record.userIdentity && typeof record.userIdentity === 'object' ? record.userIdentity : undefined;
  const userArn = text(identity?.arn);
  if (userArn) result.userArn = userArn;
  // For a role session this is the role's ARN with its path, which the session ARN lacks.
  const issuer = text(identity?.sessionContext?.sessionIssuer?.arn);
  if (issuer) result.sessionIssuerArn = issuer;
  const invokedBy = text(identity?.invokedBy);
  if (invokedBy) result.invokedBy = invokedBy;
  const userType = text(identity?.type);
  if (userType) result.userType = userType;
  const errorCode = text(record.errorCode);
  if (errorCode) result.errorCode = errorCode;
  const errorMessage = text(record.errorMessage);
  if (errorMessage) result.errorMessage = errorMessage;
  const params = record.requestParameters && typeof record.requestParameters === 'object' ? record.requestParameters : undefined;
  const keyId = text(params?.keyId);
  if (keyId) result.keyId = keyId;
  const grantee = text(params?.granteePrincipal);
  if (grantee) result.granteePrincipal = grantee;
  if (params?.dryRun === true || (errorCode !== undefined && DRY_RUN_ERROR_CODES.has(errorCode))) result.dryRun = true;
  const items = Array.isArray(params?.instancesSet?.items) ? params.instancesSet.items : [];
  const ids = items.map((item) => text(item?.instanceId)).filter((id): id is string => !!id);
  const single = text(params?.instanceId);
  if (single) ids.push(single);
  const fromGrantee = GRANTEE_INSTANCE.exec(grantee ?? '')?.[1];
  if (fromGrantee && !ids.includes(fromGrantee)) ids.push(fromGrantee);
  if (ids.length > 0) result.instanceIds = ids;
  const resources = resourcesOf(record, event);
  if (resources.length > 0) result.resources = resources;
  return result;
}

/** The record's `resources[]`, else the LookupEvents summary's `Resources`. */
function resourcesOf(record: RecordShape, event: Event): TrailResource[] {
  const fromRecord = Array.isArray(record.resources) ? record.resources : [];
  const mapped = fromRecord.flatMap((r): TrailResource[] => {
    if (!r || typeof r !== 'object') return [];
    const resource: TrailResource = {};
    const type = text(r.type);
    const name = text(r.ARN);
    const account = text(r.accountId);
    if (type) resource.type = type;
    if (name) resource.name = name;
    if (account) resource.accountId = account;
    return type || name ? [resource] : [];
  });
  if (mapped.length > 0) return mapped;
  return (event.Resources ?? []).flatMap((r): TrailResource[] => {
    const resource: TrailResource = {};
    if (r.ResourceType) resource.type = r.ResourceType;
    if (r.ResourceName) resource.name = r.ResourceName;
    return r.ResourceType || r.ResourceName ? [resource] : [];
  });
}

/** A non-empty string, or undefined for anything else a hostile record may hold there. */
function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
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
