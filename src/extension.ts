import * as vscode from 'vscode';
import { AwsBridge } from './vscode/awsBridge';
import { watchAwsFiles } from './vscode/awsFilesWatcher';
import { COMMANDS, registerCommands } from './vscode/commands';
import { onConfigChange, readConfig, type Config } from './vscode/config';
import { instanceCommands } from './vscode/explorer/instanceCommands';
import { InstancesProvider } from './vscode/explorer/instancesProvider';
import { createLogger } from './vscode/log';
import { registerFindingHelpPages } from './vscode/policy/findingHelpPages';
import { PolicyAnalyses } from './vscode/policy/policyAnalyses';
import { registerPolicyEditorFeatures } from './vscode/policy/policyEditorFeatures';
import { PolicyDiagnostics } from './vscode/policy/policyDiagnostics';
import { diagnoseCommand } from './vscode/diagnose/diagnoseCommand';
import { KEY_POLICY_SCHEME, KeyPolicyFileSystem } from './vscode/diagnose/keyPolicyFs';
import { reportCommands } from './vscode/diagnose/reportCommands';
import { ReportView } from './vscode/diagnose/reportView';

/** What activate() returns: the parts host tests inspect. */
export interface ExtensionApi {
  instances: InstancesProvider;
  analyses: PolicyAnalyses;
  reports: ReportView;
}

/** Wires the parts together. No AWS call and no profile read happens here: both load on first use. */
export function activate(context: vscode.ExtensionContext): ExtensionApi {
  const log = createLogger();
  let config = readConfig();
  const bridge = new AwsBridge(config, askMfaCode);

  const keyPolicies = new KeyPolicyFileSystem(
    bridge,
    vscode.Uri.joinPath(context.globalStorageUri, 'key-policy-backups'),
    log,
  );
  const reports = new ReportView();
  const analyses = new PolicyAnalyses((document) => {
    const diagnosed = document.uri.scheme === KEY_POLICY_SCHEME ? keyPolicies.principalFor(document.uri) : undefined;
    return diagnosed && !config.principals.includes(diagnosed) ? [...config.principals, diagnosed] : config.principals;
  });
  const diagnostics = new PolicyDiagnostics(analyses);

  const instances = new InstancesProvider(
    () => bridge.explorerBackend(),
    () => config,
    log,
  );
  const instancesView = vscode.window.createTreeView('ec2LaunchDoctor.instances', {
    treeDataProvider: instances,
    showCollapseAll: true,
  });
  const actions = instanceCommands(instances, bridge, log);
  const reportActions = reportCommands(keyPolicies, reports, bridge, log);
  keyPolicies.onSaved = (_uri, { keyArn }) => reportActions.keyPolicySaved(keyArn);

  let filesWatcher = watchAwsFiles(config, onAwsFilesChanged);
  function onAwsFilesChanged(): void {
    log.info('The AWS config files changed; listing again.');
    bridge.invalidate();
    instances.refresh();
  }

  context.subscriptions.push(
    log,
    bridge,
    diagnostics,
    instances,
    instancesView,
    actions,
    keyPolicies,
    reports,
    vscode.workspace.registerFileSystemProvider(KEY_POLICY_SCHEME, keyPolicies, { isCaseSensitive: true }),
    ...registerPolicyEditorFeatures(analyses),
    registerFindingHelpPages(),
    onConfigChange((next) => {
      const before = config;
      config = next;
      if (next.principals.join() !== before.principals.join()) diagnostics.refreshAll();
      // The session drops its clients only when their settings changed.
      bridge.configure(next);
      if (needsNewListing(before, next)) {
        filesWatcher.dispose();
        filesWatcher = watchAwsFiles(next, onAwsFilesChanged);
        instances.refresh();
      } else if (next.showEmptyRegions !== before.showEmptyRegions || next.profiles.join() !== before.profiles.join()) {
        // Only what is shown changed: re-render from what was already listed.
        instances.rerender();
      }
    }),
    { dispose: () => filesWatcher.dispose() },
    ...registerCommands({
      [COMMANDS.diagnoseStoppedInstance]: diagnoseCommand(bridge, reports, log),
      [COMMANDS.refresh]: () => {
        bridge.invalidate();
        instances.refresh();
      },
      [COMMANDS.filter]: actions.filter,
      [COMMANDS.clearFilter]: actions.clearFilter,
      [COMMANDS.startInstance]: actions.startInstance,
      [COMMANDS.stopInstance]: actions.stopInstance,
      [COMMANDS.copyInstanceId]: actions.copyInstanceId,
      [COMMANDS.openInConsole]: actions.openInConsole,
      [COMMANDS.ssoLogin]: actions.ssoLogin,
      [COMMANDS.openKeyPolicy]: reportActions.openKeyPolicy,
      [COMMANDS.restoreKeyPolicy]: reportActions.restoreKeyPolicy,
      [COMMANDS.copyStatement]: reportActions.copyStatement,
      [COMMANDS.copyReport]: reportActions.copyReport,
      [COMMANDS.changeKeyState]: reportActions.changeKeyState,
      [COMMANDS.showLog]: () => log.show(),
    }),
  );
  log.info(`EC2 Launch Doctor activated in VS Code ${vscode.version}`);
  return { instances, analyses, reports };
}

/** True when a settings change means other profiles or regions: list again from AWS. */
function needsNewListing(before: Config, next: Config): boolean {
  return (
    before.sharedConfigFile !== next.sharedConfigFile ||
    before.sharedCredentialsFile !== next.sharedCredentialsFile ||
    before.regions.join() !== next.regions.join()
  );
}

/** Asks for an MFA code when a profile's role requires one. */
async function askMfaCode(profile: string, mfaSerial: string): Promise<string> {
  const code = await vscode.window.showInputBox({
    title: `MFA code for profile ${profile}`,
    prompt: `Enter the current code of ${mfaSerial}`,
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) => (/^\d{6}$/.test(v) ? undefined : 'Six digits'),
  });
  if (!code) throw new Error(`No MFA code entered for profile ${profile}.`);
  return code;
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
