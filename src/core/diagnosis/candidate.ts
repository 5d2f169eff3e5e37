/**
 * A candidate verdict: what one key could lead to. The verdict ranks them and keeps the best;
 * its confidence counts the independent sources that agree, capped by the checks that ran.
 */
import type { Confidence, Fix, PrincipalInfo, VerdictCode } from './types';

/** A verdict one key could lead to; the best ranked becomes the report's verdict. */
export interface Candidate {
  code: VerdictCode;
  confidence: Confidence;
  summary: string;
  nextStep: string;
  keyArn?: string;
  principalArn?: string;
  fixes: Fix[];
}

/** `confidence`, but no higher than `limit`. */
export function cap(confidence: Confidence, limit: Confidence): Confidence {
  const order: Confidence[] = ['low', 'medium', 'high'];
  return order[Math.min(order.indexOf(confidence), order.indexOf(limit))];
}

/** Two agreeing sources make a high confidence, one a medium, none a low. */
export function fromSources(sources: number): Confidence {
  return sources >= 2 ? 'high' : sources === 1 ? 'medium' : 'low';
}

/** The IAM entity a fix names: the role of a session, else the principal itself. */
export function policyArnOf(principal: PrincipalInfo): string {
  return principal.policyArn ?? principal.arn;
}
