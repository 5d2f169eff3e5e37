// The quick pick items of "Diagnose Stopped Instance". No `vscode` import: the escaping is
// tested in plain mocha. Quick picks render `$(name)` in labels, descriptions and details as
// icons, so every text from AWS or the config files goes through escapeIcons; the values the
// command goes on with travel beside the label, never parsed back out of it.
import { sortInstances, stoppedAtLaunch } from '../../core/explorer/regionSummary';
import type { InstanceSummary, ProfileSummary } from '../../core/model';
import { escapeIcons } from '../markdown';

/** A quick pick item (the fields of vscode.QuickPickItem this command uses). */
export interface PickItem {
  label: string;
  description?: string;
  detail?: string;
  /** A heading between groups (VS Code's separator kind): never picked. */
  separator?: boolean;
  /** False for an item that only informs (an error): accepting it does nothing. */
  pickable?: boolean;
}

export interface ProfileItem extends PickItem {
  profile: string;
}

export interface RegionItem extends PickItem {
  region: string;
}

export interface InstanceItem extends PickItem {
  instanceId: string;
  name?: string;
}

/** One item per profile, with its account and default region when known. */
export function profileItems(profiles: readonly ProfileSummary[]): ProfileItem[] {
  return profiles.map((p) => ({
    label: escapeIcons(p.name),
    description: escapeIcons([p.accountId, p.region].filter(Boolean).join(' · ')),
    profile: p.name,
  }));
}

/**
 * One item per region, the profile's default region first, each with its counts when the
 * tree has listed it (`counts`: region -> "13 instances, 7 stopped at launch").
 */
export function regionItems(
  regions: readonly string[],
  home: string | undefined,
  counts: ReadonlyMap<string, string> = new Map(),
): RegionItem[] {
  return [...regions]
    .sort((a, b) => Number(b === home) - Number(a === home))
    .map((r) => {
      const description = [counts.get(r), r === home ? 'profile default' : undefined].filter(Boolean).join(' · ');
      return { label: escapeIcons(r), description: description || undefined, region: r };
    });
}

/**
 * One item per instance, those stopped at launch first and marked with a warning sign,
 * under a separator per group ("Stopped at launch (n)", "Other instances (n)") when both exist.
 */
export function instanceItems(instances: readonly InstanceSummary[]): InstanceItem[] {
  const items = sortInstances(instances).map((i) => ({
    label: `${stoppedAtLaunch(i) ? '$(warning) ' : ''}${escapeIcons(i.name ?? i.id)}`,
    description: escapeIcons(`${i.id} · ${i.state}${i.stateReason ? ` · ${i.stateReason.code}` : ''}`),
    instanceId: i.id,
    name: i.name,
    failed: stoppedAtLaunch(i),
  }));
  const failed = items.filter((i) => i.failed);
  const others = items.filter((i) => !i.failed);
  const strip = ({ failed: _failed, ...item }: (typeof items)[number]): InstanceItem => item;
  if (failed.length === 0 || others.length === 0) return items.map(strip);
  return [
    separator(`Stopped at launch (${failed.length})`),
    ...failed.map(strip),
    separator(`Other instances (${others.length})`),
    ...others.map(strip),
  ];
}

function separator(label: string): InstanceItem {
  return { label, separator: true, pickable: false, instanceId: '' };
}

/** The item of an instance id typed into the pick (checked by the caller to be an id). */
export function typedInstanceItem(instanceId: string): InstanceItem {
  return { label: escapeIcons(instanceId), description: 'instance id', instanceId };
}

/** An AWS failure as quick pick items: what failed and what to do, neither pickable. */
export function errorItems(what: string, error: { message: string; nextStep: string }): PickItem[] {
  return [
    {
      label: `$(error) ${escapeIcons(what)}`,
      detail: escapeIcons(`${error.message} ${error.nextStep}`),
      pickable: false,
    },
  ];
}
