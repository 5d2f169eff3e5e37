import * as vscode from 'vscode';

/** Every setting under `ec2LaunchDoctor.*`, typed, with the defaults of package.json. */
export interface Config {
  /** Principal ARNs the policy diagnostics check by name (principal-cannot-create-grant). */
  principals: string[];
  /** The account that owns the keys of the policies checked ('' : inferred from each policy). */
  keyAccount: string;
  /** Shared config / credentials files to read instead of the SDK's defaults. */
  sharedConfigFile: string;
  sharedCredentialsFile: string;
  /** Profiles to show in the tree; empty means all. */
  profiles: string[];
  /** Regions to list; empty means the profile's enabled regions (DescribeRegions). */
  regions: string[];
  showEmptyRegions: boolean;
  maxConcurrentRequests: number;
}

export const CONFIG_SECTION = 'ec2LaunchDoctor';

/** Reads the settings once; call again after a change (see onConfigChange). */
export function readConfig(): Config {
  const c = vscode.workspace.getConfiguration(CONFIG_SECTION);
  return {
    principals: c.get<string[]>('principals', []).filter((p) => typeof p === 'string' && p.trim() !== ''),
    keyAccount: accountSetting(c.get<unknown>('keyAccount', '')),
    sharedConfigFile: c.get<string>('sharedConfigFile', ''),
    sharedCredentialsFile: c.get<string>('sharedCredentialsFile', ''),
    profiles: c.get<string[]>('profiles', []),
    regions: c.get<string[]>('regions', []),
    showEmptyRegions: c.get<boolean>('showEmptyRegions', false),
    maxConcurrentRequests: Math.max(1, Math.min(64, c.get<number>('maxConcurrentRequests', 8))),
  };
}

/** A 12-digit account id, else '' (a malformed value is ignored, not trusted). */
function accountSetting(value: unknown): string {
  return typeof value === 'string' && /^\d{12}$/.test(value.trim()) ? value.trim() : '';
}

/** Calls `listener` with the new settings whenever one of ours changes. */
export function onConfigChange(listener: (config: Config) => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((event) => {
    if (event.affectsConfiguration(CONFIG_SECTION)) listener(readConfig());
  });
}
