// The "Auto Scaling groups" part of a region: its nodes, their texts and their listing. No
// `vscode` import (the nodes' items are built in groupItems.ts): the building and the escaping
// are tested in plain mocha.
import { failingGroups, isShortOfInstances, type FailingGroup } from '../../core/explorer/groupSummary';
import type { AutoScalingGroupSummary, AwsFailure, Outcome, ScalingActivity } from '../../core/model';
import { escapeIcons, escapeMarkdown } from '../markdown';
import type { ErrorNode, MessageNode } from './nodes';
import { withDeadline } from './profileListing';

/** A region's groups as the tree reads them: the groups, and the activities of those short of capacity. */
export interface GroupListing {
  groups: AutoScalingGroupSummary[];
  activities: ScalingActivity[];
}

/**
 * What the tree asks of AWS for a region's groups: one paged DescribeAutoScalingGroups and
 * DescribeScalingActivities for the groups short of capacity only.
 */
export type ListGroups = (profile: string, region: string, signal?: AbortSignal) => Promise<Outcome<GroupListing>>;

/** "Auto Scaling groups" under a region: its failing groups, or the failure that hid them. */
export interface GroupsFolderNode {
  type: 'groups';
  profile: string;
  region: string;
  groups: GroupNode[];
  error?: ErrorNode;
}

/** One group failing to launch. */
export interface GroupNode {
  type: 'group';
  profile: string;
  region: string;
  failing: FailingGroup;
}

/**
 * The region's "Auto Scaling groups" node: present when a group is failing to launch or the
 * groups could not be read (an error node with its next step); absent when all is well.
 */
export function groupsFolder(
  profile: string,
  region: string,
  sso: boolean,
  listing: Outcome<GroupListing>,
): GroupsFolderNode | undefined {
  if (!listing.ok) {
    return {
      type: 'groups',
      profile,
      region,
      groups: [],
      error: { type: 'error', profile, sso, region, failure: listing.error },
    };
  }
  const groups = failingGroups(listing.value.groups, listing.value.activities).map((failing): GroupNode => ({
    type: 'group',
    profile,
    region,
    failing,
  }));
  return groups.length > 0 ? { type: 'groups', profile, region, groups } : undefined;
}

/** The folder's children: the failing groups, or the error. */
export function folderChildren(folder: GroupsFolderNode): (GroupNode | ErrorNode)[] {
  return folder.error ? [folder.error] : folder.groups;
}

/** "2 failing to launch", or what went wrong. Plain text (a description renders no Markdown). */
export function folderDescription(folder: GroupsFolderNode): string {
  if (folder.error) return `could not list: ${folder.error.failure.nextStep}`;
  return `${folder.groups.length} failing to launch`;
}

/** The group's description: as a stopped-at-launch instance says it, with its capacity. */
export function groupDescription(node: GroupNode): string {
  const g = node.failing.group;
  return `failing to launch · ${g.inServiceCount}/${g.desiredCapacity} in service`;
}

/** What a group shows when expanded: how it launches, what Auto Scaling said, the instances that ended at launch. */
export function groupChildren(node: GroupNode): MessageNode[] {
  const f = node.failing;
  const rows: MessageNode[] = [];
  if (f.launchSource) rows.push({ type: 'message', label: plainLabel(f.launchSource), description: 'launches from' });
  rows.push({ type: 'message', label: plainLabel(f.message), description: `${f.activity.statusCode} activity` });
  for (const id of f.terminatedInstanceIds) {
    rows.push({ type: 'message', label: id, description: 'terminated at launch' });
  }
  return rows;
}

/**
 * The Markdown of a group's tooltip, rendered with theme icons on (for the warning sign): every
 * value from AWS is escaped for both, so a message `$(x) **y** [z](command:w)` shows as typed.
 */
export function groupTooltipMarkdown(node: GroupNode): string {
  const f = node.failing;
  const g = f.group;
  const rows: [string, string | undefined][] = [
    ['Launches from', f.launchSource],
    ['Role', g.serviceLinkedRoleArn ?? 'AWSServiceRoleForAutoScaling (default)'],
    ['Capacity', `${g.inServiceCount} in service of ${g.desiredCapacity} desired`],
    ['Latest failed activity', `${f.activity.statusCode}${f.activity.startTime ? ` at ${f.activity.startTime}` : ''}`],
    ['Terminated at launch', f.terminatedInstanceIds.join(', ') || undefined],
    ['Profile / region', `${node.profile} / ${node.region}`],
  ];
  let md = `**${text(g.name)}** Auto Scaling group\n\n`;
  for (const [label, value] of rows) if (value) md += `- ${label}: ${text(value)}\n`;
  md += `\n$(warning) ${text(f.message)}\n\nDiagnose the group to see which key or permission stops its launches.\n`;
  return md;
}

/** A label from AWS on one line; tree labels render no Markdown and no icons, as an instance's Name tag. */
export function plainLabel(value: string): string {
  return value.replace(/\s*[\r\n]+\s*/g, ' ');
}

function text(value: string): string {
  return escapeMarkdown(escapeIcons(value));
}

/** A failure for a group listing that did not end in time. */
export function groupsTimedOut(profile: string, region: string, deadlineMs: number): AwsFailure {
  return {
    kind: 'network',
    code: 'TimeoutError',
    message: `Listing the Auto Scaling groups of profile ${profile} in ${region} did not finish within ${Math.round(deadlineMs / 1000)} s.`,
    nextStep: 'Refresh to try again; if it keeps timing out, check the network path to AWS (proxy, VPN, firewall).',
  };
}

/**
 * Reads a region's groups (bounded by the deadline, aborted with `signal`) and builds its
 * "Auto Scaling groups" node. Never rejects: a failure or a thrown error is an error node.
 */
export async function listRegionGroups(
  list: ListGroups,
  where: { profile: string; region: string; sso: boolean },
  signal: AbortSignal,
  deadlineMs: number,
): Promise<GroupsFolderNode | undefined> {
  const listing = await withDeadline(
    (callSignal) => list(where.profile, where.region, callSignal),
    signal,
    deadlineMs,
    groupsTimedOut(where.profile, where.region, deadlineMs),
  );
  return groupsFolder(where.profile, where.region, where.sso, listing);
}

/** The folder as a text filter leaves it: only the groups whose name matches (none left, no folder). */
export function filterFolder(
  folder: GroupsFolderNode | undefined,
  text: string | undefined,
): GroupsFolderNode | undefined {
  const needle = text?.trim().toLowerCase();
  if (!folder || !needle || folder.error) return folder;
  const groups = folder.groups.filter((g) => g.failing.group.name.toLowerCase().includes(needle));
  return groups.length > 0 ? { ...folder, groups } : undefined;
}

/** A quick pick item of "Diagnose Auto Scaling Group": the label is escaped, the name travels beside it. */
export interface GroupPickItem {
  label: string;
  description?: string;
  groupName: string;
}

/**
 * One item per group, those short of instances (in service or in the warm pool: the ones
 * failing to launch, or busy) first with a warning sign, then by name. Quick picks render
 * `$(name)`: names are escaped.
 */
export function groupPickItems(groups: readonly AutoScalingGroupSummary[]): GroupPickItem[] {
  return [...groups]
    .sort((a, b) => Number(isShortOfInstances(b)) - Number(isShortOfInstances(a)) || a.name.localeCompare(b.name))
    .map((g) => ({
      label: `${isShortOfInstances(g) ? '$(warning) ' : ''}${escapeIcons(g.name)}`,
      description: `${g.inServiceCount}/${g.desiredCapacity} in service${warmPoolNote(g)}`,
      groupName: g.name,
    }));
}

/** ", warm pool 2 short" when the warm pool lacks instances: why a group with all in service has a warning sign. */
function warmPoolNote(group: AutoScalingGroupSummary): string {
  const shortfall = group.warmPoolShortfall ?? 0;
  return shortfall > 0 ? `, warm pool ${shortfall} short` : '';
}

/** The group a command argument names: a tree node, or `{ profile, region, groupName }` (from a link or a test). */
export function toGroupTarget(arg: unknown): { profile: string; region: string; groupName: string } | undefined {
  if (!arg || typeof arg !== 'object') return undefined;
  const value = arg as Partial<GroupNode> & { groupName?: unknown };
  const groupName = value.type === 'group' ? value.failing?.group.name : value.groupName;
  if (typeof value.profile !== 'string' || typeof value.region !== 'string' || typeof groupName !== 'string')
    return undefined;
  if (!value.profile || !value.region || !groupName) return undefined;
  return { profile: value.profile, region: value.region, groupName };
}
