// The first two steps every palette path shares (Diagnose Stopped Instance, Diagnose Auto
// Scaling Group, Check Launch Readiness): the profile, then its region, each a quick pick with
// Back but on the first; the steps after the region are the command's own.
import * as vscode from 'vscode';
import type { AwsFacade } from '../awsBridge';
import { plainMessage } from '../markdown';
import { errorItems, profileItems, regionItems } from './pickItems';
import { pickStep } from './quickPickSteps';

/** How a command words its path. */
export interface PalettePath {
  /** The command's title, e.g. "Diagnose Stopped Instance": steps read "<title> (1/3): profile". */
  title: string;
  /** Steps in all, the command's own included. */
  steps: number;
  /** What the profile is for, e.g. "The profile that sees the instance". */
  profilePlaceholder: string;
  /** Counts shown beside each region (e.g. instances stopped at launch), when the command has them. */
  regionCounts?: (profile: string) => ReadonlyMap<string, string>;
}

/** The command's steps after the region: a choice, Back (to the region step), or nothing (closed). */
export type NextSteps<T> = (profile: string, region: string) => Promise<T | 'back' | undefined>;

/**
 * Reads the profiles (a failure, or none configured, says what to do and ends the path), then
 * walks profile, region and the command's `next` steps. Back returns to the step before with its
 * list as it was; a region listing that fails is an item of its own, and the profile's home
 * region stays pickable.
 */
export async function walkProfileAndRegion<T>(
  aws: AwsFacade,
  path: PalettePath,
  next: NextSteps<T>,
): Promise<T | undefined> {
  const profiles = await aws.profiles().catch((error: unknown) => {
    void vscode.window.showErrorMessage(
      plainMessage(`Could not read the AWS config files: ${error instanceof Error ? error.message : String(error)}`),
    );
    return undefined;
  });
  if (!profiles) return undefined;
  if (profiles.length === 0) {
    void vscode.window.showWarningMessage(
      'No AWS profiles are configured. Add one to your AWS config file, or set ec2LaunchDoctor.sharedConfigFile.',
    );
    return undefined;
  }
  const step = (n: number, what: string): string => `${path.title} (${n}/${path.steps}): ${what}`;
  for (;;) {
    const profile = await pickStep(step(1, 'profile'), path.profilePlaceholder, false, async () =>
      profileItems(profiles),
    );
    if (!profile || profile === 'back') return undefined;
    const name = profile.chosen.profile;
    const home = profiles.find((p) => p.name === name)?.region;
    for (;;) {
      const region = await pickStep(step(2, 'region'), `Regions of ${name}`, true, async () => {
        const regions = await aws.regions(name);
        if (regions.ok) return regionItems(regions.value, home, path.regionCounts?.(name));
        // The failure is an item of its own (a placeholder cuts it off); the home region stays pickable.
        return [
          ...errorItems('Could not list regions', regions.error).map((i) => ({ ...i, region: '' })),
          ...(home ? regionItems([home], home) : []),
        ];
      });
      if (!region) return undefined;
      if (region === 'back') break;
      const chosen = await next(name, region.chosen.region);
      if (chosen === undefined) return undefined;
      if (chosen !== 'back') return chosen;
    }
  }
}
