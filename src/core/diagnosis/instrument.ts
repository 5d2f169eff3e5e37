/**
 * Wraps the ports to count calls and rounds, to make every call honour the AbortSignal
 * even when an implementation ignores it, and to end every call at the diagnosis deadline.
 */
import { abortError } from '../limiter';
import type { AwsFailure, Outcome } from '../model';
import type { DiagnosisPorts } from './ports';
import type { CallStats } from './types';

/** The port methods that call AWS (the rest only report on the ports). */
type CallingPort = Exclude<keyof DiagnosisPorts, 'apiCallCount'>;

/** The IAM action behind each port method, for counts and "which permission" hints. */
const PORT_ACTIONS: Record<CallingPort, string> = {
  describeInstance: 'ec2:DescribeInstances',
  describeVolumes: 'ec2:DescribeVolumes',
  getEbsDefaults: 'ec2:GetEbsDefaultKmsKeyId',
  describeKey: 'kms:DescribeKey',
  getCallerIdentity: 'sts:GetCallerIdentity',
  lookupEvents: 'cloudtrail:LookupEvents',
  getKeyPolicy: 'kms:GetKeyPolicy',
  simulatePrincipalPolicy: 'iam:SimulatePrincipalPolicy',
  describeLaunchTemplateVersions: 'ec2:DescribeLaunchTemplateVersions',
  describeImages: 'ec2:DescribeImages',
  describeSnapshots: 'ec2:DescribeSnapshots',
  listAutoScalingGroups: 'autoscaling:DescribeAutoScalingGroups',
  describeScalingActivities: 'autoscaling:DescribeScalingActivities',
  describeLaunchConfigurations: 'autoscaling:DescribeLaunchConfigurations',
};

/** The whole diagnosis's deadline: when `signal` aborts, every call still waiting ends as timed out. */
export interface Deadline {
  signal: AbortSignal;
  ms: number;
}

export interface InstrumentedPorts {
  ports: DiagnosisPorts;
  stats(elapsedMs: number): CallStats;
  /** Removes the abort listener; call once the diagnosis is over. */
  dispose(): void;
}

/**
 * Instruments `ports`. A call's depth is one more than the deepest call that had finished
 * when it started, so `rounds` is the longest chain of calls that waited on each other:
 * calls started together count once however many there are.
 * A port that rejects (breaking its contract) yields a failure Outcome, so one faulty
 * call never aborts the diagnosis; only the signal does. Once `deadline` passes, a call
 * still waiting (even on a port that never answers) and any call started later resolve to
 * a `timeout` failure naming the action, so the diagnosis ends with a report.
 */
export function instrumentPorts(ports: DiagnosisPorts, signal?: AbortSignal, deadline?: Deadline): InstrumentedPorts {
  let count = 0;
  // The ports may outlive one diagnosis: count only the requests made from here on.
  const requestsBefore = ports.apiCallCount?.();
  let deepestFinished = 0;
  const byAction: Record<string, number> = {};

  // One listener per signal for the whole run: many parallel calls must not pile listeners on it.
  const cancelled = signal ? onceAborted<never>(signal, (_, reject) => reject(abortError(signal))) : undefined;
  const timedOut = deadline ? onceAborted<'timed-out'>(deadline.signal, (resolve) => resolve('timed-out')) : undefined;
  const pastDeadline = (action: string): { ok: false; error: AwsFailure } => ({
    ok: false,
    error: deadlineFailure(action, deadline?.ms ?? 0),
  });

  const call: Call = async (method, work) => {
    if (signal?.aborted) throw abortError(signal);
    const action = PORT_ACTIONS[method];
    // Past the deadline no call starts: its check is reported as timed out.
    if (deadline?.signal.aborted) return pastDeadline(action);
    const depth = deepestFinished + 1;
    count++;
    byAction[action] = (byAction[action] ?? 0) + 1;
    try {
      const settled = await Promise.race([
        work(),
        ...(cancelled ? [cancelled.settled] : []),
        ...(timedOut ? [timedOut.settled] : []),
      ]);
      // A port may answer "cancelled" to the deadline's abort: the deadline is what happened.
      if (settled === 'timed-out' || (!settled.ok && deadline?.signal.aborted && !signal?.aborted))
        return pastDeadline(action);
      return settled;
    } catch (error) {
      if (signal?.aborted) throw abortError(signal);
      if (deadline?.signal.aborted) return pastDeadline(action);
      return { ok: false, error: unexpectedFailure(action, error) };
    } finally {
      deepestFinished = Math.max(deepestFinished, depth);
    }
  };

  const wrapped = wrapPorts(ports, call);
  return {
    ports: wrapped,
    stats: (elapsedMs) => {
      const stats: CallStats = {
        count,
        rounds: deepestFinished,
        elapsedMs: Math.round(elapsedMs),
        byAction: { ...byAction },
      };
      const requestsNow = ports.apiCallCount?.();
      if (requestsBefore !== undefined && requestsNow !== undefined) stats.apiRequests = requestsNow - requestsBefore;
      return stats;
    },
    dispose: () => {
      cancelled?.dispose();
      timedOut?.dispose();
    },
  };
}

type Call = <T>(method: CallingPort, work: () => Promise<Outcome<T>>) => Promise<Outcome<T>>;

/** `ports` with every AWS call made through `call`. */
function wrapPorts(ports: DiagnosisPorts, call: Call): DiagnosisPorts {
  const wrapped: DiagnosisPorts = {
    describeInstance: (id, o) => call('describeInstance', () => ports.describeInstance(id, o)),
    describeVolumes: (ids, o) => call('describeVolumes', () => ports.describeVolumes(ids, o)),
    getEbsDefaults: (o) => call('getEbsDefaults', () => ports.getEbsDefaults(o)),
    describeKey: (key, o) => call('describeKey', () => ports.describeKey(key, o)),
    getCallerIdentity: (o) => call('getCallerIdentity', () => ports.getCallerIdentity(o)),
    lookupEvents: (query, o) => call('lookupEvents', () => ports.lookupEvents(query, o)),
    getKeyPolicy: (key, o) => call('getKeyPolicy', () => ports.getKeyPolicy(key, o)),
    simulatePrincipalPolicy: (input, o) =>
      call('simulatePrincipalPolicy', () => ports.simulatePrincipalPolicy(input, o)),
  };
  // The launch-source ports are optional: wrapped only where the implementation has them.
  const templates = ports.describeLaunchTemplateVersions;
  if (templates)
    wrapped.describeLaunchTemplateVersions = (ref, o) =>
      call('describeLaunchTemplateVersions', () => templates.call(ports, ref, o));
  const images = ports.describeImages;
  if (images) wrapped.describeImages = (ids, o) => call('describeImages', () => images.call(ports, ids, o));
  const snapshots = ports.describeSnapshots;
  if (snapshots) wrapped.describeSnapshots = (ids, o) => call('describeSnapshots', () => snapshots.call(ports, ids, o));
  const groups = ports.listAutoScalingGroups;
  if (groups) wrapped.listAutoScalingGroups = (o, q) => call('listAutoScalingGroups', () => groups.call(ports, o, q));
  const activities = ports.describeScalingActivities;
  if (activities)
    wrapped.describeScalingActivities = (query, o) =>
      call('describeScalingActivities', () => activities.call(ports, query, o));
  const configurations = ports.describeLaunchConfigurations;
  if (configurations)
    wrapped.describeLaunchConfigurations = (names, o) =>
      call('describeLaunchConfigurations', () => configurations.call(ports, names, o));
  const apiCallCount = ports.apiCallCount;
  if (apiCallCount) wrapped.apiCallCount = () => apiCallCount.call(ports);
  return wrapped;
}

/** A promise that `settle`s when `signal` aborts, with one listener that `dispose` removes. */
function onceAborted<T>(
  signal: AbortSignal,
  settle: (resolve: (value: T) => void, reject: (error: unknown) => void) => void,
): { settled: Promise<T>; dispose(): void } {
  let listener: (() => void) | undefined;
  const settled = new Promise<T>((resolve, reject) => {
    listener = () => settle(resolve, reject);
    signal.addEventListener('abort', listener, { once: true });
  });
  // Nobody may be racing it when it settles.
  settled.catch(() => undefined);
  return { settled, dispose: () => listener && signal.removeEventListener('abort', listener) };
}

function deadlineFailure(action: string, ms: number): AwsFailure {
  return {
    kind: 'timeout',
    message: `No answer to ${action} within the diagnosis's ${Math.round(ms / 100) / 10} s.`,
    nextStep:
      'Diagnose again; if this check keeps running out of time, check the network, proxy or endpoint of the profile.',
    action,
  };
}

function unexpectedFailure(action: string, error: unknown): AwsFailure {
  const message = error instanceof Error ? error.message : String(error);
  return {
    kind: 'unknown',
    message: `${action} failed unexpectedly: ${message}`,
    nextStep: 'Show the log for details and try again.',
    action,
  };
}
