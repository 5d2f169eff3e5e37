import type { InstanceSummary } from '../model';
import { classifyStateReason } from '../stateReason';

/** True when the instance stopped (or terminated) on its own while launching. */
export function stoppedAtLaunch(instance: InstanceSummary): boolean {
  if (instance.state !== 'stopped' && instance.state !== 'terminated') return false;
  return classifyStateReason(instance.stateReason, instance.state).isLaunchFailure;
}

/** States that change by themselves and are worth following until they settle. */
export function isTransitional(instance: InstanceSummary): boolean {
  return instance.state === 'pending' || instance.state === 'stopping' || instance.state === 'shutting-down';
}

/** "12 instances, 1 stopped at launch": what a region node says about its instances. */
export function describeRegionCounts(instances: readonly InstanceSummary[]): string {
  const count = instances.length;
  const failed = instances.filter(stoppedAtLaunch).length;
  const base = `${count} instance${count === 1 ? '' : 's'}`;
  return failed > 0 ? `${base}, ${failed} stopped at launch` : base;
}

/**
 * A region's counts while a filter is on: how many of its instances match, then the counts of
 * all of them, so the numbers shown follow the filter and the total is not lost.
 */
export function describeFilteredCounts(instances: readonly InstanceSummary[], filter: InstanceFilter): string {
  const all = describeRegionCounts(instances);
  const needle = filter.text?.trim();
  if (!needle && !filter.stoppedAtLaunchOnly) return all;
  const shown = filterInstances(instances, filter).length;
  return `${shown} of ${instances.length} match · ${all}`;
}

/** What the view's description says about an active filter; undefined when there is none. */
export function describeFilter(filter: InstanceFilter): string | undefined {
  const parts: string[] = [];
  const needle = filter.text?.trim();
  if (needle) parts.push(`"${needle}"`);
  if (filter.stoppedAtLaunchOnly) parts.push('stopped at launch only');
  return parts.length > 0 ? `Filter: ${parts.join(' · ')}` : undefined;
}

/** A filter on the instance list: text on name or id, and "stopped at launch only". */
export interface InstanceFilter {
  text?: string;
  stoppedAtLaunchOnly?: boolean;
}

/** Applies the filter; an empty filter keeps everything. */
export function filterInstances(instances: readonly InstanceSummary[], filter: InstanceFilter): InstanceSummary[] {
  const needle = filter.text?.trim().toLowerCase();
  return instances.filter(
    (i) =>
      (!needle || i.id.toLowerCase().includes(needle) || (i.name ?? '').toLowerCase().includes(needle)) &&
      (!filter.stoppedAtLaunchOnly || stoppedAtLaunch(i)),
  );
}

/** Orders instances for display: stopped at launch first, then by name (or id). */
export function sortInstances(instances: readonly InstanceSummary[]): InstanceSummary[] {
  return [...instances].sort((a, b) => {
    const failed = Number(stoppedAtLaunch(b)) - Number(stoppedAtLaunch(a));
    if (failed !== 0) return failed;
    return (a.name ?? a.id).localeCompare(b.name ?? b.id);
  });
}

/** Poll delays for transitional instances: quick at first, then backing off. */
export function pollDelayMs(attempt: number): number {
  const delays = [2000, 3000, 5000, 8000, 13000];
  return delays[Math.min(attempt, delays.length - 1)];
}

/**
 * Profiles whose listed regions hold instances stopped at launch first, each group in the
 * order given (the config's). A profile not listed yet counts as having none.
 */
export function failingProfilesFirst<T>(profiles: readonly T[], failuresOf: (profile: T) => number): T[] {
  const failing = profiles.filter((p) => failuresOf(p) > 0);
  return [...failing, ...profiles.filter((p) => failuresOf(p) <= 0)];
}
