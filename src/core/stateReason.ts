/**
 * Classifies EC2's `Instance.StateReason` (src/domain.md section 2). Both Code and Message are
 * read: EC2 pairs a generic Code with a specific Message (its own example pairs
 * `Server.InternalError` with `Client.VolumeLimitExceeded: Volume limit exceeded`), so the
 * Message wins whenever it names a more specific cause.
 */
import type { InstanceStateName, StateReason } from './model';

/** Launch failures: the instance went pending -> stopped (or terminated) on its own. */
export type LaunchFailureKind =
  /** `Client.InternalError`: most often the KMS key of an encrypted volume. */
  | 'client-internal-error'
  /** `Client.InvalidKMSKey.InvalidState` (reported): key state or key permission. */
  | 'kms-key-invalid-state'
  /** `Server.InternalError`: reported also for a missing kms:CreateGrant. */
  | 'server-internal-error'
  | 'volume-limit-exceeded'
  | 'snapshot-not-found'
  | 'insufficient-capacity';

/** Stops and states that are not launch failures. */
export type OtherStopKind =
  | 'user-initiated-stop'
  | 'user-initiated-hibernate'
  | 'instance-initiated-shutdown'
  | 'scheduled-stop'
  | 'spot-interruption'
  /** Pending or running: nothing stopped it. */
  | 'not-stopped'
  /** Stopped with no StateReason at all. */
  | 'no-reason'
  /** A code this table does not know. */
  | 'unrecognized';

export type StateReasonKind = LaunchFailureKind | OtherStopKind;

export interface StateReasonClassification {
  kind: StateReasonKind;
  isLaunchFailure: boolean;
  /** True when the KMS checks (volumes, keys, grant permission) are the next step. */
  needsKmsChecks: boolean;
  summary: string;
  nextStep: string;
}

interface Rule {
  kind: StateReasonKind;
  /** Tested against `Code + " " + Message`. */
  pattern: RegExp;
  summary: string;
  nextStep: string;
}

const KMS_NEXT_STEP =
  'Run Diagnose: it checks the KMS keys of the encrypted volumes and whether the caller may create the grant EC2 needs.';

// Specific causes first: a Message naming one of them overrides a generic Code.
const SPECIFIC_RULES: Rule[] = [
  {
    kind: 'volume-limit-exceeded',
    pattern: /VolumeLimitExceeded|volume limit exceeded/i,
    summary: 'The account hit an EBS volume or storage quota while launching.',
    nextStep: 'Delete unused volumes, or request a higher EBS quota (Service Quotas), then start the instance again.',
  },
  {
    kind: 'snapshot-not-found',
    pattern: /InvalidSnapshot\.NotFound|snapshot\b.*\b(does not exist|not found)/i,
    summary: 'A snapshot in the block device mapping no longer exists.',
    nextStep: 'Fix the block device mapping (or the AMI) so it names an existing snapshot.',
  },
  {
    kind: 'insufficient-capacity',
    pattern: /InsufficientInstanceCapacity|insufficient capacity/i,
    summary: 'EC2 had no capacity for this instance type in its Availability Zone.',
    nextStep: 'Start again later, or change the instance type or Availability Zone.',
  },
  {
    kind: 'kms-key-invalid-state',
    pattern: /InvalidKMSKey|KMS key provided is in an incorrect state/i,
    summary: 'EC2 reports the KMS key of a volume in an incorrect state (key state or key permission).',
    nextStep: KMS_NEXT_STEP,
  },
];

const CODE_RULES: Rule[] = [
  {
    kind: 'client-internal-error',
    pattern: /^Client\.InternalError\b/i,
    summary:
      'Client error on launch: most often the KMS key of an encrypted volume (missing kms:CreateGrant permission or a key that is not enabled).',
    nextStep: KMS_NEXT_STEP,
  },
  {
    kind: 'server-internal-error',
    pattern: /^Server\.InternalError\b/i,
    summary: 'Internal error on launch; also reported when the caller lacks kms:CreateGrant on a volume key.',
    nextStep: `${KMS_NEXT_STEP} If they pass, start the instance again.`,
  },
  {
    kind: 'user-initiated-hibernate',
    pattern: /^Client\.UserInitiatedHibernate\b/i,
    summary: 'Hibernated on request: not a launch failure.',
    nextStep: 'Start the instance when you need it.',
  },
  {
    kind: 'user-initiated-stop',
    pattern: /^Client\.UserInitiatedShutdown\b/i,
    summary: 'Stopped on request (StopInstances or the console): not a launch failure.',
    nextStep: 'Start the instance when you need it.',
  },
  {
    kind: 'instance-initiated-shutdown',
    pattern: /^Client\.InstanceInitiatedShutdown\b/i,
    summary: 'The operating system shut itself down: not a launch failure.',
    nextStep: "Check the OS logs (Get system log) and the instance's shutdown behaviour.",
  },
  {
    kind: 'scheduled-stop',
    pattern: /^Server\.ScheduledStop\b/i,
    summary: 'Stopped by AWS for scheduled retirement or maintenance: not a launch failure.',
    nextStep: 'Start the instance again: it moves to healthy hardware.',
  },
  {
    kind: 'spot-interruption',
    pattern: /^Server\.SpotInstance(Shutdown|Termination)\b/i,
    summary: 'Spot interruption: EC2 reclaimed the capacity. Not a KMS problem.',
    nextStep: 'Start again when Spot capacity returns, or use On-Demand capacity.',
  },
];

const LAUNCH_FAILURES: ReadonlySet<StateReasonKind> = new Set<LaunchFailureKind>([
  'client-internal-error',
  'kms-key-invalid-state',
  'server-internal-error',
  'volume-limit-exceeded',
  'snapshot-not-found',
  'insufficient-capacity',
]);

const KMS_KINDS: ReadonlySet<StateReasonKind> = new Set<LaunchFailureKind>([
  'client-internal-error',
  'kms-key-invalid-state',
  'server-internal-error',
]);

function fromRule(rule: Rule): StateReasonClassification {
  return {
    kind: rule.kind,
    isLaunchFailure: LAUNCH_FAILURES.has(rule.kind),
    needsKmsChecks: KMS_KINDS.has(rule.kind),
    summary: rule.summary,
    nextStep: rule.nextStep,
  };
}

/** Transition reasons that are no state reason code: "User initiated (2024-05-01 10:00:00 GMT)". */
const TRANSITION_RULES: Rule[] = [
  {
    kind: 'user-initiated-stop',
    pattern: /^User initiated\b/i,
    summary: 'Stopped on request (StopInstances or the console): not a launch failure.',
    nextStep: 'Start the instance when you need it.',
  },
];

/**
 * Classifies `Instance.StateTransitionReason` for an instance with no StateReason: for a
 * launch failure it holds a bare code (`Server.InternalError`), for a stop on request
 * "User initiated (...)" (src/aws-records.md Q2). Undefined when it says nothing known.
 */
function classifyTransitionReason(transitionReason: string | undefined): StateReasonClassification | undefined {
  const text = transitionReason?.trim() ?? '';
  if (text === '') return undefined;
  const rule =
    SPECIFIC_RULES.find((r) => r.pattern.test(text)) ??
    CODE_RULES.find((r) => r.pattern.test(text)) ??
    TRANSITION_RULES.find((r) => r.pattern.test(text));
  if (!rule) return undefined;
  const classified = fromRule(rule);
  return {
    ...classified,
    summary: `${classified.summary} (EC2 gives no state reason: read from the state transition reason "${text}".)`,
  };
}

/**
 * Classifies a StateReason for an instance in `state`. Pending and running instances are
 * `not-stopped` whatever stale reason they carry; stopped, stopping, shutting-down and
 * terminated ones are classified on the Code, then the Message (a specific Message wins).
 * Without any StateReason, `transitionReason` (`Instance.StateTransitionReason`) is read instead.
 */
export function classifyStateReason(
  reason?: StateReason,
  state?: InstanceStateName,
  transitionReason?: string,
): StateReasonClassification {
  if (state === 'pending' || state === 'running') {
    return {
      kind: 'not-stopped',
      isLaunchFailure: false,
      needsKmsChecks: false,
      summary:
        state === 'running'
          ? 'The instance is running: nothing stopped it.'
          : 'The instance is starting (pending): nothing stopped it yet.',
      nextStep: state === 'running' ? 'Nothing to fix.' : 'Wait until it settles, then diagnose again if it stops.',
    };
  }
  const code = reason?.code?.trim() ?? '';
  const message = reason?.message?.trim() ?? '';
  if (code === '' && message === '') {
    const fromTransition = classifyTransitionReason(transitionReason);
    if (fromTransition) return fromTransition;
    return {
      kind: 'no-reason',
      isLaunchFailure: false,
      needsKmsChecks: false,
      summary: 'EC2 gives no state reason for this instance.',
      nextStep: 'Check the state transition reason and CloudTrail (StopInstances) for who stopped it.',
    };
  }
  const text = `${code} ${message}`;
  const specific = SPECIFIC_RULES.find((rule) => rule.pattern.test(text));
  if (specific) return fromRule(specific);
  // The Message repeats the Code as a prefix, so a missing Code is recovered from it.
  const byCode =
    CODE_RULES.find((rule) => rule.pattern.test(code)) ??
    (code === '' ? CODE_RULES.find((rule) => rule.pattern.test(message)) : undefined);
  if (byCode) return fromRule(byCode);
  // Unknown codes still get the KMS checks: they are cheap and a key problem is the common cause.
  return {
    kind: 'unrecognized',
    isLaunchFailure: false,
    needsKmsChecks: true,
    summary: `EC2 reports "${code || message}", a state reason this tool does not recognise.`,
    nextStep:
      'Look the code up in the EC2 StateReason reference; the KMS checks run anyway in case it stopped right after a start.',
  };
}
