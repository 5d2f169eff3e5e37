import { LookupEventsCommand, type Event } from '@aws-sdk/client-cloudtrail';
import type { Outcome, TrailEvent, TrailResource } from '../core/model';
import type { RateGate } from '../core/limiter';
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
  /**
   * Resources the sought event names (an instance id, a key ARN). Each is looked up by
   * `ResourceName` before the event name, the most selective first, and its answers are
   * narrowed to `eventName`: in a busy account the event name alone returns the newest
   * events of every resource, and hundreds of later ones can bury the one sought. Once a
   * lookup holds an event `stopWhen` accepts, no further lookup is made.
   */
  resourceNames?: string[];
}

/**
 * How many events a resource has, roughly, by the form of its name: an instance has few
 * of its own, a volume a few more, a key every use of it. Fewer events mean fewer pages to
 * the one sought. Names of other forms come last, in the caller's order.
 */
const SELECTIVITY: readonly { pattern: RegExp; rank: number }[] = [
  { pattern: /^i-[0-9a-f]{8,17}$/, rank: 0 },
  { pattern: /^vol-[0-9a-f]{8,17}$/, rank: 1 },
  { pattern: /^arn:[a-z-]+:kms:/, rank: 2 },
  { pattern: /^[0-9a-f]{8}-[0-9a-f]{4}-/, rank: 2 },
];
/** A question names a handful of resources; more would only spend the page budget. */
const MAX_RESOURCE_LOOKUPS = 4;

/** The resource names to look up, most selective first, each once. */
export function resourceLookupOrder(names: readonly string[]): string[] {
  const rank = (name: string): number => SELECTIVITY.find((s) => s.pattern.test(name))?.rank ?? SELECTIVITY.length;
  const unique = [...new Set(names.filter((name) => typeof name === 'string' && name.length > 0))];
  return unique
    .map((name, index) => ({ name, index, rank: rank(name) }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .slice(0, MAX_RESOURCE_LOOKUPS)
    .map((entry) => entry.name);
}

type LookupAttribute = { AttributeKey: 'EventName' | 'ResourceName'; AttributeValue: string };

/**
 * CloudTrail management events by name in a time window, newest first, paced to the API's
 * 2 requests/second limit per (account, region) across the whole session. With
 * `resourceNames`, those resources are looked up first (see TrailQuery); every lookup of a
 * question shares one budget of ten pages.
 */
export async function lookupEvents(
  session: SessionPort,
  profile: string,
  region: string,
  query: TrailQuery,
  options: SignalOption = {},
): Promise<Outcome<TrailEvent[]>> {
  const wanted = Math.max(1, query.maxResults ?? PAGE_SIZE);
  const gate = session.rateGate(
    `cloudtrail\u0000${await gateOwner(session, profile)}\u0000${region}`,
    LOOKUPS_PER_SECOND,
  );
  const found = new Map<string, TrailEvent>();
  const budget = { pages: MAX_PAGES };
  const attributes: LookupAttribute[] = [
    ...resourceLookupOrder(query.resourceNames ?? []).map((name): LookupAttribute => ({
      AttributeKey: 'ResourceName',
      AttributeValue: name,
    })),
    { AttributeKey: 'EventName', AttributeValue: query.eventName },
  ];
  for (const attribute of attributes) {
    const outcome = await lookupPages(
      session,
      profile,
      region,
      query,
      attribute,
      { gate, budget, found, wanted },
      options,
    );
    if (!outcome.ok) return outcome;
    if (outcome.value === 'found' || budget.pages <= 0 || found.size >= wanted) break;
  }
  const events = [...found.values()];
  events.sort((a, b) => (a.eventTime < b.eventTime ? 1 : a.eventTime > b.eventTime ? -1 : 0));
  return { ok: true, value: events.slice(0, wanted) };
}

/** What the lookups of one question share. */
interface LookupState {
  gate: RateGate;
  budget: { pages: number };
  /** Events of the question's name by id: one event found by two lookups counts once. */
  found: Map<string, TrailEvent>;
  wanted: number;
}

/** Keeps an event once; an event without an id (a garbled answer) is kept as it comes. */
function remember(found: Map<string, TrailEvent>, event: TrailEvent): void {
  const key = event.eventId || `\u0000${found.size}`;
  if (!found.has(key)) found.set(key, event);
}

/** Pages through one lookup attribute; `found` when a page held the event sought. */
async function lookupPages(
  session: SessionPort,
  profile: string,
  region: string,
  query: TrailQuery,
  attribute: LookupAttribute,
  state: LookupState,
  options: SignalOption,
): Promise<Outcome<'found' | 'done'>> {
  // An event-name lookup returns only that name, so it asks for no more than is wanted; a
  // resource lookup returns every event of the resource and reads whole pages.
  const byName = attribute.AttributeKey === 'EventName';
  let nextToken: string | undefined;
  while (state.budget.pages > 0 && state.found.size < state.wanted) {
    // Waiting for the rate slot happens outside the concurrency limit, so paced lookups
    // never hold a slot other regions could use. The gate counts the start when it opens;
    // its window's margin covers the short way from there to the wire. Should the shared
    // limit be full and hold lookups back until they leave together, CloudTrail throttles
    // and the SDK's adaptive retry (unless attempts are set to 1) sends the extra one again
    // later: a delay, not a failure.
    try {
      await state.gate.wait(options.signal);
    } catch (error) {
      return { ok: false, error: classifyAwsError(error, { profile, region, action: ACTION }) };
    }
    state.budget.pages--;
    const command = new LookupEventsCommand({
      LookupAttributes: [attribute],
      StartTime: query.startTime,
      EndTime: query.endTime,
      MaxResults: byName ? Math.min(PAGE_SIZE, state.wanted - state.found.size) : PAGE_SIZE,
      NextToken: nextToken,
    });
    const outcome = await session.send('CloudTrail', profile, region, command, ACTION, options);
    if (!outcome.ok) return outcome;
    const mapped = (outcome.value.Events ?? [])
      .map(mapTrailEvent)
      .filter((event) => event.eventName === query.eventName);
    for (const event of mapped) remember(state.found, event);
    nextToken = outcome.value.NextToken || undefined;
    // The caller found what it looks for: more pages would only cost time under the 2/s limit.
    if (query.stopWhen && mapped.some(query.stopWhen)) return { ok: true, value: 'found' };
    if (!nextToken) break;
  }
  return { ok: true, value: 'done' };
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
  /** RunInstances names the instances it created only in its response. */
  responseElements?: { instancesSet?: { items?: { instanceId?: string }[] } } | null;
  resources?: { type?: string; ARN?: string; accountId?: string }[];
}

/** Error codes of a DryRun call that would have succeeded (KMS, EC2): the record is no failure. */
const DRY_RUN_ERROR_CODES: ReadonlySet<string> = new Set([
  'DryRunOperationException',
  'DryRunOperation',
  'Client.DryRunOperation',
]);

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
  const time = event.EventTime ? new Date(event.EventTime).toISOString() : (text(record.eventTime) ?? '');
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
  const params =
    record.requestParameters && typeof record.requestParameters === 'object' ? record.requestParameters : undefined;
  const keyId = text(params?.keyId);
  if (keyId) result.keyId = keyId;
  const grantee = text(params?.granteePrincipal);
  if (grantee) result.granteePrincipal = grantee;
  if (params?.dryRun === true || (errorCode !== undefined && DRY_RUN_ERROR_CODES.has(errorCode))) result.dryRun = true;
  const items = Array.isArray(params?.instancesSet?.items) ? params.instancesSet.items : [];
  const ids = items.map((item) => text(item?.instanceId)).filter((id): id is string => !!id);
  const single = text(params?.instanceId);
  if (single) ids.push(single);
  const response =
    record.responseElements && typeof record.responseElements === 'object' ? record.responseElements : undefined;
  const created = Array.isArray(response?.instancesSet?.items) ? response.instancesSet.items : [];
  for (const item of created) {
    const id = text(item?.instanceId);
    if (id && !ids.includes(id)) ids.push(id);
  }
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
