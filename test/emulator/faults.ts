/**
 * Fault injection: rules matched per (service, region, action, principal) that add latency,
 * throttle, force an error or drop the connection. Random rates use a seeded generator so a
 * failing test can be replayed.
 */
import { seededRandom } from '../support/random';
import type { ServiceName } from './errors';

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

export type FaultOutcome = { latencyMs: number; drop: boolean; error?: ForcedError };

/** Holds the active rules; `decide` is called once per API call. */
export class FaultInjector {
  private rules: { rule: FaultRule; remaining: number }[] = [];
  private random: () => number;

  constructor(rules: readonly FaultRule[] = [], seed = 1) {
    this.random = seededRandom(seed);
    this.set(rules);
  }

  /** Replaces every rule. */
  set(rules: readonly FaultRule[]): void {
    this.rules = rules.map((rule) => ({ rule: { ...rule }, remaining: rule.times ?? Number.POSITIVE_INFINITY }));
  }

  list(): FaultRule[] {
    return this.rules.filter((r) => r.remaining > 0).map((r) => ({ ...r.rule, ...(Number.isFinite(r.remaining) ? { times: r.remaining } : {}) }));
  }

  decide(target: FaultTarget): FaultOutcome {
    const outcome: FaultOutcome = { latencyMs: 0, drop: false };
    for (const entry of this.rules) {
      if (entry.remaining <= 0 || !matches(entry.rule, target)) continue;
      const { rule } = entry;
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
      if (affected) entry.remaining--;
    }
    return outcome;
  }
}

function matches(rule: FaultRule, t: FaultTarget): boolean {
  if (rule.service && rule.service !== '*' && rule.service !== t.service) return false;
  if (rule.region && rule.region !== '*' && rule.region !== t.region) return false;
  if (rule.action && rule.action !== '*' && rule.action !== t.action) return false;
  if (rule.principal && rule.principal !== t.principalName && rule.principal !== t.accessKeyId && rule.principal !== t.callerArn) return false;
  return true;
}
