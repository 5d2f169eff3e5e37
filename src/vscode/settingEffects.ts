// Which setting triggers what. No `vscode` import: the table is tested in plain mocha.
import type { Config } from './config';

/** Something a settings change sets off, in the order they are carried out. */
export const SETTING_EFFECT_ORDER = [
  /** Policy documents are analyzed again (the principals they are checked for changed). */
  'reanalyzePolicies',
  /** The AWS session gets the new options; it drops its clients when their settings changed. */
  'reconfigureSession',
  /** The watcher follows the AWS config files now in effect. */
  'watchOtherFiles',
  /** Other profiles or regions: the tree lists again from AWS. */
  'listAgain',
  /** Only what is shown changed: the tree renders again from what it already listed. */
  'rerender',
] as const;

export type SettingEffect = (typeof SETTING_EFFECT_ORDER)[number];

/** What a change of each setting sets off. */
export const SETTING_EFFECTS: Record<keyof Config, readonly SettingEffect[]> = {
  principals: ['reanalyzePolicies'],
  keyAccount: ['reanalyzePolicies'],
  sharedConfigFile: ['reconfigureSession', 'watchOtherFiles', 'listAgain'],
  sharedCredentialsFile: ['reconfigureSession', 'watchOtherFiles', 'listAgain'],
  regions: ['reconfigureSession', 'listAgain'],
  maxConcurrentRequests: ['reconfigureSession'],
  profiles: ['rerender'],
  showEmptyRegions: ['rerender'],
};

/**
 * The effects of going from `before` to `next`, in SETTING_EFFECT_ORDER. Listing again renders
 * anyway, so `rerender` is left out when `listAgain` is in.
 */
export function settingEffects(before: Config, next: Config): SettingEffect[] {
  const wanted = new Set<SettingEffect>();
  for (const key of Object.keys(SETTING_EFFECTS) as (keyof Config)[]) {
    if (JSON.stringify(before[key]) !== JSON.stringify(next[key])) {
      for (const effect of SETTING_EFFECTS[key]) wanted.add(effect);
    }
  }
  if (wanted.has('listAgain')) wanted.delete('rerender');
  return SETTING_EFFECT_ORDER.filter((effect) => wanted.has(effect));
}
