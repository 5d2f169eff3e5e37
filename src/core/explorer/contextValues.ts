import type { InstanceSummary } from '../model';
import { stoppedAtLaunch } from './regionSummary';

/**
 * The tree items' `contextValue`s. package.json's `viewItem` clauses match on these exact
 * strings (a unit test checks both directions). Plain data so that the test runs without VS Code.
 */
export const CONTEXT = {
  profile: 'profile',
  region: 'region',
  instanceRunning: 'instance.running',
  instanceStopped: 'instance.stopped',
  instanceStoppedAtLaunch: 'instance.stopped.atLaunch',
  /** RunInstances failed: diagnosable, but nothing to start. */
  instanceTerminatedAtLaunch: 'instance.terminated.atLaunch',
  instanceOther: 'instance.other',
  /** A region's "Auto Scaling groups" part. */
  autoScalingGroups: 'autoScalingGroups',
  /** An Auto Scaling group whose recent activities failed to launch: Diagnose applies. */
  autoScalingGroupFailing: 'autoScalingGroup.failing',
  error: 'error',
  errorExpiredSession: 'error.expiredSession',
  message: 'message',
} as const;

/** A value of CONTEXT. */
export type ContextValue = (typeof CONTEXT)[keyof typeof CONTEXT];

/**
 * Context values no menu matches, and why; every other value must be matched by some
 * `viewItem` clause of package.json.
 */
export const CONTEXTS_WITHOUT_MENUS: Partial<Record<ContextValue, string>> = {
  [CONTEXT.profile]: 'a profile has no actions of its own; Refresh in the view title lists it again',
  [CONTEXT.region]: 'a region has no actions of its own',
  [CONTEXT.message]: 'messages (no instances, no match) only inform',
  [CONTEXT.autoScalingGroups]: 'the groups part only holds the failing groups, which have the actions',
};

/** The context value of an instance's item: which of Diagnose, Start and Stop apply. */
export function instanceContext(instance: InstanceSummary): ContextValue {
  if (stoppedAtLaunch(instance)) {
    return instance.state === 'terminated' ? CONTEXT.instanceTerminatedAtLaunch : CONTEXT.instanceStoppedAtLaunch;
  }
  if (instance.state === 'stopped') return CONTEXT.instanceStopped;
  if (instance.state === 'running') return CONTEXT.instanceRunning;
  return CONTEXT.instanceOther;
}
