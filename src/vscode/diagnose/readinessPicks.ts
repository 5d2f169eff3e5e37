// The pieces of "Check Launch Readiness" that need no `vscode`: what its argument names, and
// the quick pick items of its palette path (what to check, then the group or the template).
// Quick picks render `$(name)` as icons: every name from AWS goes through escapeIcons, and the
// values the command goes on with travel beside the label.
import type { LaunchTemplateSummary } from '../../aws/ec2';
import type { AutoScalingGroupSummary } from '../../core/model';
import { isShortOfInstances } from '../../core/explorer/groupSummary';
import { subjectOfArgs } from '../../core/diagnosis/readinessArgs';
import type { LaunchSubject } from '../../core/diagnosis/predict';
import type { LaunchTemplateRef } from '../../core/model';
import type { AwsFacade, ReadinessTarget } from '../awsBridge';
import { groupPickItems, toGroupTarget, type GroupPickItem } from '../explorer/groupNodes';
import { escapeIcons } from '../markdown';
import { errorItems, type PickItem } from './pickItems';

/**
 * The target a command argument names: a group node or a stopped instance's node of the tree,
 * or `{ profile, region, groupName | instanceId | launchTemplate }` (a report link, a test).
 */
export function toReadinessTarget(arg: unknown): ReadinessTarget | undefined {
  if (!arg || typeof arg !== 'object') return undefined;
  const a = arg as Record<string, unknown>;
  if (a.type === 'group') {
    const group = toGroupTarget(arg);
    return group
      ? {
          profile: group.profile,
          region: group.region,
          subject: { kind: 'auto-scaling-group', groupName: group.groupName },
        }
      : undefined;
  }
  if (typeof a.profile !== 'string' || typeof a.region !== 'string' || !a.profile || !a.region) return undefined;
  const where = { profile: a.profile, region: a.region };
  if (a.type === 'instance') {
    const id = (a.instance as { id?: unknown } | undefined)?.id;
    return typeof id === 'string' && id
      ? { ...where, subject: { kind: 'stopped-instance', instanceId: id } }
      : undefined;
  }
  // A link names exactly one subject; two are a mistake, not a choice.
  const subject = subjectOfArgs(a);
  return subject ? { ...where, subject } : undefined;
}

/** What to check, the third step of the palette path. */
export interface SubjectKindItem extends PickItem {
  kind: Extract<LaunchSubject['kind'], 'auto-scaling-group' | 'launch-template'>;
}

export const SUBJECT_KIND_ITEMS: readonly SubjectKindItem[] = [
  {
    label: 'Auto Scaling group',
    description: 'launches as the group’s service-linked role',
    kind: 'auto-scaling-group',
  },
  {
    label: 'Launch template',
    description: 'launched by this profile (RunInstances)',
    kind: 'launch-template',
  },
];

/** A launch template and the version to predict. */
export interface TemplateItem extends PickItem {
  template: LaunchTemplateRef;
}

/**
 * One item per template for its default version (what a launch without a version uses); a
 * template whose latest version is not its default gets a second item for `$Latest`. By name.
 */
export function launchTemplateItems(templates: readonly LaunchTemplateSummary[]): TemplateItem[] {
  return [...templates]
    .sort((a, b) => (a.name ?? a.id).localeCompare(b.name ?? b.id))
    .flatMap((t) => {
      const label = escapeIcons(t.name ?? t.id);
      const ref = { id: t.id, ...(t.name ? { name: t.name } : {}) };
      const items: TemplateItem[] = [
        {
          label,
          description: escapeIcons(
            `${t.id} · default version${t.defaultVersion !== undefined ? ` ${t.defaultVersion}` : ''}`,
          ),
          template: { ...ref, version: '$Default' },
        },
      ];
      if (t.latestVersion !== undefined && t.latestVersion !== t.defaultVersion)
        items.push({
          label,
          description: escapeIcons(`${t.id} · latest version ${t.latestVersion} (not the default)`),
          template: { ...ref, version: '$Latest' },
        });
      return items;
    });
}

/** An empty listing, as an item that says so (not pickable). */
export function noneItem(what: string): PickItem {
  return { label: escapeIcons(what), pickable: false };
}

/** A group item of the readiness pick: a group, or a heading. */
export type ReadinessGroupItem = GroupPickItem & PickItem;

/**
 * The groups, those short of instances (in service or in the warm pool) first, as Diagnose
 * Auto Scaling Group lists them, under a heading per part ("Short of instances (n)", "Other
 * groups (n)") when both exist.
 */
export function readinessGroupItems(groups: readonly AutoScalingGroupSummary[]): ReadinessGroupItem[] {
  const items = groupPickItems(groups);
  const short = new Set(groups.filter(isShortOfInstances).map((g) => g.name));
  const first = items.filter((i) => short.has(i.groupName));
  const rest = items.filter((i) => !short.has(i.groupName));
  if (first.length === 0 || rest.length === 0) return items;
  const heading = (label: string): ReadinessGroupItem => ({ label, separator: true, pickable: false, groupName: '' });
  return [heading(`Short of instances (${first.length})`), ...first, heading(`Other groups (${rest.length})`), ...rest];
}

/**
 * The group step's items, for Diagnose Auto Scaling Group and Check Launch Readiness alike: the
 * region's groups under their headings, a failed listing as items saying what to do, or a line
 * saying the region has none. `signal` aborts the listing once the step is answered.
 */
export async function groupStepItems(
  aws: Pick<AwsFacade, 'autoScalingGroups'>,
  profile: string,
  region: string,
  signal?: AbortSignal,
): Promise<ReadinessGroupItem[]> {
  const groups = await aws.autoScalingGroups(profile, region, signal);
  if (!groups.ok)
    return errorItems(`Could not list Auto Scaling groups in ${region}`, groups.error).map((i) => ({
      ...i,
      groupName: '',
    }));
  const items = readinessGroupItems(groups.value);
  return items.length > 0 ? items : [{ ...noneItem(`No Auto Scaling groups in ${region}`), groupName: '' }];
}
