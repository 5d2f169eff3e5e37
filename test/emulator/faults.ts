/**
 * Fault injection: rules matched per (service, region, action, principal) that add latency,
 * throttle, force an error, drop the connection, or spoil the answer (never send it, send it
 * a few bytes a second, cut it short, garble it). Random rates use a seeded generator so a
 * failing test can be replayed.
 */
import type { ServerResponse } from 'node:http';
import { seededRandom } from '../support/random';
import type { ServiceName, WireResponse } from './errors';

/**
 * How an answer can go wrong on the wire:
 * - `black-hole`: the request is read and never answered (the connection stays open);
 * - `trickle`: status and headers at once, then the body a few bytes a second;
 * - `truncated`: the full Content-Length announced, half the body sent, the connection closed;
 * - `malformed`: a complete answer whose body is not the protocol's XML or JSON.
 */
export type SpoiledResponse = 'black-hole' | 'trickle' | 'truncated' | 'malformed';

/** Errors a rule can force; each maps to the service's real code (see errors.ts). */
export type ForcedError = 'AccessDenied' | 'AuthFailure' | 'ExpiredToken' | 'Throttling' | 'InternalError';

export interface FaultRule {
  /** Absent or `*`: every service. */
  service?: ServiceName | '*';
  region?: string;
  /** The API action name, e.g. `DescribeInstances`. */
  action?: string;
  /** Principal name (profile), access key id or caller ARN. */
  principal?: string;
  /** Delay before answering. */
  latencyMs?: number;
  /** Share of matching calls answered with the service's throttling error, 0..1. */
  throttleRate?: number;
  error?: ForcedError;
  /** Share of matching calls that get `error` (default 1). */
  errorRate?: number;
  /** Share of matching calls whose socket is destroyed without an answer, 0..1. */
  dropRate?: number;
  /** Spoils the answer of matching calls (success or error alike). */
  response?: SpoiledResponse;
  /** Bytes a second of a `trickle` answer (default 4). */
  trickleBytesPerSecond?: number;
  /** Lets this many matching calls through untouched first (e.g. credentials that expire mid-run). */
  skip?: number;
  /** The rule retires after affecting this many calls (e.g. throttle twice, then recover). */
  times?: number;
}

export interface FaultTarget {
  service: ServiceName;
  region: string;
  action: string;
  principalName?: string;
  accessKeyId?: string;
  callerArn?: string;
}

export type FaultOutcome = {
  latencyMs: number;
  drop: boolean;
  error?: ForcedError;
  response?: SpoiledResponse;
  trickleBytesPerSecond?: number;
};

/** Holds the active rules; `decide` is called once per API call. */
export class FaultInjector {
  private rules: { rule: FaultRule; remaining: number; skipped: number }[] = [];
  private random: () => number;

  constructor(rules: readonly FaultRule[] = [], seed = 1) {
    this.random = seededRandom(seed);
    this.set(rules);
  }

  /** Replaces every rule. */
  set(rules: readonly FaultRule[]): void {
    this.rules = rules.map((rule) => ({
      rule: { ...rule },
      remaining: rule.times ?? Number.POSITIVE_INFINITY,
      skipped: 0,
    }));
  }

  list(): FaultRule[] {
    return this.rules
      .filter((r) => r.remaining > 0)
      .map((r) => ({ ...r.rule, ...(Number.isFinite(r.remaining) ? { times: r.remaining } : {}) }));
  }

  decide(target: FaultTarget): FaultOutcome {
    const outcome: FaultOutcome = { latencyMs: 0, drop: false };
    for (const entry of this.rules) {
      if (entry.remaining <= 0 || !matches(entry.rule, target)) continue;
      const { rule } = entry;
      if (entry.skipped < (rule.skip ?? 0)) {
        entry.skipped++;
        continue;
      }
      let affected = false;
      if (rule.latencyMs) {
        outcome.latencyMs = Math.max(outcome.latencyMs, rule.latencyMs);
        affected = true;
      }
      if (!outcome.drop && !outcome.error) {
        if (rule.dropRate && this.random() < rule.dropRate) {
          outcome.drop = true;
          affected = true;
        } else if (rule.error && this.random() < (rule.errorRate ?? 1)) {
          outcome.error = rule.error;
          affected = true;
        } else if (rule.throttleRate && this.random() < rule.throttleRate) {
          outcome.error = 'Throttling';
          affected = true;
        }
      }
      if (rule.response && !outcome.drop && !outcome.response) {
        outcome.response = rule.response;
        if (rule.trickleBytesPerSecond) outcome.trickleBytesPerSecond = rule.trickleBytesPerSecond;
        affected = true;
      }
      if (affected) entry.remaining--;
    }
    return outcome;
  }
}

function matches(rule: FaultRule, t: FaultTarget): boolean {
  if (rule.service && rule.service !== '*' && rule.service !== t.service) return false;
  if (rule.region && rule.region !== '*' && rule.region !== t.region) return false;
  if (rule.action && rule.action !== '*' && rule.action !== t.action) return false;
  if (
    rule.principal &&
    rule.principal !== t.principalName &&
    rule.principal !== t.accessKeyId &&
    rule.principal !== t.callerArn
  )
    return false;
  return true;
}

/** What a `malformed` answer's body is: neither XML nor JSON a client can read. */
const GARBLED_BODY = '<<<\u0000 not a response {';

/**
 * Writes `wire` spoiled as `spoiled` says, with the given headers. Returns at once; a
 * trickle goes on from a timer that stops when the connection closes (the client gave up
 * or the emulator shut down), and a black hole leaves the response open until then.
 */
export function sendSpoiled(
  res: ServerResponse,
  wire: WireResponse,
  headers: Record<string, string>,
  outcome: Pick<FaultOutcome, 'response' | 'trickleBytesPerSecond'>,
): void {
  const body = Buffer.from(outcome.response === 'malformed' ? GARBLED_BODY : wire.body, 'utf8');
  switch (outcome.response) {
    case 'black-hole':
      return;
    case 'truncated':
      res.writeHead(wire.status, {
        ...headers,
        'content-type': wire.contentType,
        'content-length': String(body.length),
      });
      res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.destroy());
      return;
    case 'trickle': {
      res.writeHead(wire.status, {
        ...headers,
        'content-type': wire.contentType,
        'content-length': String(body.length),
      });
      res.flushHeaders();
      const perTick = Math.max(1, Math.round((outcome.trickleBytesPerSecond ?? 4) / 4));
      let sent = 0;
      const timer = setInterval(() => {
        if (sent >= body.length) {
          clearInterval(timer);
          res.end();
          return;
        }
        res.write(body.subarray(sent, sent + perTick));
        sent += perTick;
      }, 250);
      res.on('close', () => clearInterval(timer));
      return;
    }
    default:
      res.writeHead(wire.status, {
        ...headers,
        'content-type': wire.contentType,
        'content-length': String(body.length),
      });
      res.end(body);
  }
}
