// What the tree says about Auto Scaling groups. Pure: the groups and activities come from the
// AWS layer, the wording is tested in plain mocha.
import type { AutoScalingGroupSummary, LaunchTemplateRef, ScalingActivity } from '../model';

/** A group whose recent scaling activities failed to launch, with what the tree shows of it. */
export interface FailingGroup {
  group: AutoScalingGroupSummary;
  /** The newest failed or cancelled activity of the group. */
  activity: ScalingActivity;
  /** What Auto Scaling said of that activity: its status message, else its description, else its status. */
  message: string;
  /** "lt-0abc (web) version 3", "launch configuration old-lc", or undefined when the group names neither. */
  launchSource?: string;
  /** The instances the failed activities name (they ended at launch), newest activity first. */
  terminatedInstanceIds: string[];
}

/**
 * The groups to show: those with at least one failed or cancelled activity among the ones
 * read (only groups short of capacity are asked, so a recovered group is not listed), by name.
 * Activities of groups not given are ignored.
 */
export function failingGroups(
  groups: readonly AutoScalingGroupSummary[],
  activities: readonly ScalingActivity[],
): FailingGroup[] {
  const failed = new Map<string, ScalingActivity[]>();
  for (const activity of activities) {
    if (!activity.failed) continue;
    const list = failed.get(activity.groupName) ?? [];
    list.push(activity);
    failed.set(activity.groupName, list);
  }
  const out: FailingGroup[] = [];
  for (const group of groups) {
    const own = newestFirst(failed.get(group.name) ?? []);
    const activity = own[0];
    if (!activity) continue;
    const entry: FailingGroup = {
      group,
      activity,
      message: activity.statusMessage || activity.description || activity.statusCode || 'Failed',
      terminatedInstanceIds: [...new Set(own.flatMap((a) => a.instanceIds))],
    };
    const source = launchSourceLabel(group);
    if (source) entry.launchSource = source;
    out.push(entry);
  }
  return out.sort((a, b) => a.group.name.localeCompare(b.group.name));
}

/**
 * A group with fewer instances than it should have: short of capacity (desired above in
 * service), or a warm pool smaller than its expected size. Either is what a group failing to
 * launch looks like, since a launch into the warm pool fails as any other; the pickers put
 * these first and the AWS layer reads their scaling activities. Pure.
 */
export function isShortOfInstances(
  group: Pick<AutoScalingGroupSummary, 'shortOfCapacity' | 'warmPoolShortfall'>,
): boolean {
  return group.shortOfCapacity || (group.warmPoolShortfall ?? 0) > 0;
}

/** How the group launches, in a few words: its launch template and version, or its launch configuration. */
export function launchSourceLabel(group: AutoScalingGroupSummary): string | undefined {
  const template = group.launchTemplate ?? group.mixedInstancesTemplates[0];
  if (template) return templateLabel(template);
  if (group.launchConfigurationName) return `launch configuration ${group.launchConfigurationName}`;
  return undefined;
}

/** "lt-0abc (web) version $Default": a template as its id and name say it, with its version. */
export function templateLabel(template: LaunchTemplateRef): string {
  const name =
    template.id && template.name ? `${template.id} (${template.name})` : (template.id ?? template.name ?? '');
  return `${name} version ${template.version ?? '$Default'}`;
}

/** Activities newest first by start time; those without one keep their order, after the dated ones. */
function newestFirst(activities: readonly ScalingActivity[]): ScalingActivity[] {
  const time = (a: ScalingActivity) => {
    const t = Date.parse(a.startTime ?? '');
    return Number.isNaN(t) ? -Infinity : t;
  };
  return [...activities].sort((a, b) => time(b) - time(a));
}
