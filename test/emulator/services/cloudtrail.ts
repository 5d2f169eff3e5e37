/**
 * CloudTrail `LookupEvents` in AWS JSON 1.1: management events of the caller's account in
 * the request's region, newest first, one lookup attribute, at most 50 a page, 90 days back.
 */
import { authorize, type Handler } from '../context';
import { AwsError } from '../errors';
import type { TrailRecord } from '../state';

const RETENTION_MS = 90 * 24 * 3600 * 1000;

/**
 * Per (account, region): the times of recent LookupEvents calls. "The rate of lookup requests
 * is limited to two per second, per account, per Region" (CloudTrail API reference, LookupEvents).
 */
export const LOOKUP_EVENTS_PER_SECOND = 2;

/** Per (account, region): the times of recent LookupEvents calls, for the rate limit. */
export class LookupRateLimiter {
  private readonly recent = new Map<string, number[]>();
  constructor(readonly perSecond: number) {}

  /** True when one more call now stays within the limit (and counts it). */
  admit(scope: string, now = Date.now()): boolean {
    const times = (this.recent.get(scope) ?? []).filter((t) => now - t < 1000);
    const ok = times.length < this.perSecond;
    if (ok) times.push(now);
    this.recent.set(scope, times);
    return ok;
  }
}

function attributeTest(key: string, value: string): (e: TrailRecord) => boolean {
  switch (key) {
    case 'EventName':
      return (e) => e.eventName === value;
    case 'EventId':
      return (e) => e.eventId === value;
    case 'EventSource':
      return (e) => e.eventSource === value;
    case 'Username':
      return (e) => e.username === value;
    case 'AccessKeyId':
      return (e) => e.accessKeyId === value;
    case 'ReadOnly':
      return (e) => String(e.readOnly) === value;
    case 'ResourceType':
      return (e) => e.resources.some((r) => r.ResourceType === value);
    case 'ResourceName':
      return (e) => e.resources.some((r) => r.ResourceName === value);
    default:
      throw new AwsError('InvalidLookupAttributesException', `Lookup attribute key ${key} is not valid.`);
  }
}

function timeOf(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const ms = typeof value === 'number' ? value * 1000 : Date.parse(String(value));
  if (!Number.isFinite(ms)) throw new AwsError('InvalidTimeRangeException', `${name} is not a valid time.`);
  return ms;
}

const lookupEvents: Handler = async (ctx) => {
  await authorize(ctx, { action: 'cloudtrail:LookupEvents' });
  const attributes = Array.isArray(ctx.json.LookupAttributes)
    ? (ctx.json.LookupAttributes as Record<string, unknown>[])
    : [];
  if (attributes.length > 1)
    throw new AwsError('InvalidLookupAttributesException', 'You cannot specify more than one lookup attribute.');
  const tests = attributes.map((a) => attributeTest(String(a.AttributeKey), String(a.AttributeValue ?? '')));
  const maxResults = ctx.json.MaxResults === undefined ? 50 : Number(ctx.json.MaxResults);
  if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 50) {
    throw new AwsError('InvalidMaxResultsException', 'MaxResults must be an integer between 1 and 50.');
  }
  const now = Date.now();
  const start = timeOf(ctx.json.StartTime, 'StartTime') ?? now - RETENTION_MS;
  const end = timeOf(ctx.json.EndTime, 'EndTime') ?? now;
  if (start > end) throw new AwsError('InvalidTimeRangeException', 'Start time must be before end time.');
  const oldest = Math.max(start, now - RETENTION_MS);

  const matching = ctx.world
    .trailIn(ctx.caller.account, ctx.region)
    .filter((e) => e.eventTime >= oldest && e.eventTime <= end && tests.every((t) => t(e)))
    .sort((a, b) => b.eventTime - a.eventTime);

  // The request's own times, not the defaults: an open-ended window moves between pages.
  const signature = JSON.stringify([attributes, ctx.json.StartTime ?? null, ctx.json.EndTime ?? null]);
  let offset = 0;
  if (typeof ctx.json.NextToken === 'string') {
    try {
      const token = JSON.parse(Buffer.from(ctx.json.NextToken, 'base64').toString('utf8')) as {
        o?: unknown;
        s?: unknown;
      };
      if (typeof token.o !== 'number' || token.s !== signature) throw new Error('foreign token');
      offset = token.o;
    } catch {
      throw new AwsError('InvalidNextTokenException', 'Invalid NextToken.');
    }
  }
  const page = matching.slice(offset, offset + maxResults);
  const next =
    offset + maxResults < matching.length
      ? Buffer.from(JSON.stringify({ o: offset + maxResults, s: signature })).toString('base64')
      : undefined;
  return JSON.stringify({
    Events: page.map((e) => ({
      EventId: e.eventId,
      EventName: e.eventName,
      ReadOnly: String(e.readOnly),
      AccessKeyId: e.accessKeyId,
      EventTime: e.eventTime / 1000,
      EventSource: e.eventSource,
      Username: e.username,
      Resources: e.resources,
      CloudTrailEvent: e.json,
    })),
    ...(next ? { NextToken: next } : {}),
  });
};

/** CloudTrail operations by action name. */
export const cloudTrailHandlers: Record<string, Handler> = {
  LookupEvents: lookupEvents,
};
