import * as vscode from 'vscode';
import { describeFilter } from './core/explorer/regionSummary';
import { AwsBridge } from './vscode/awsBridge';
import { AwsFilesFollower } from './vscode/awsFilesWatcher';
import type { CommandContext } from './vscode/commandContext';
import { registerCommands } from './vscode/commands';
import { onConfigChange, readConfig, type Config } from './vscode/config';
import { KEY_POLICY_SCHEME, KeyPolicyFileSystem } from './vscode/diagnose/keyPolicyFs';
import { diagnosedFiles, reportDefinitionLinks } from './vscode/diagnose/fixInCode';
import { afterKeyChange } from './vscode/diagnose/reportCommands';
import { ReportView } from './vscode/diagnose/reportView';
import { InstancesProvider } from './vscode/explorer/instancesProvider';
import { createLogger } from './vscode/log';
import { registerFindingHelpPages } from './vscode/policy/findingHelpPages';
import { PolicyAnalyses } from './vscode/policy/policyAnalyses';
import { PolicyDiagnostics } from './vscode/policy/policyDiagnostics';
import { registerPolicyEditorFeatures } from './vscode/policy/policyEditorFeatures';
import { settingEffects, type SettingEffect } from './vscode/settingEffects';

/** What activate() returns: the parts host tests inspect. */
export interface ExtensionApi {
  instances: InstancesProvider;
  /** The Instances view (its description says when a filter is on). */
  view: vscode.TreeView<unknown>;
  analyses: PolicyAnalyses;
  reports: ReportView;
}

/** Wires the parts together. No AWS call and no profile read happens here: both load on first use. */
export function activate(context: vscode.ExtensionContext): ExtensionApi {
  const log = createLogger();
  let config = readConfig();
  const settings = () => config;
  const bridge = new AwsBridge(config, askMfaCode);
  const aws = bridge.commandsBackend();

  // Restricted Mode: no AWS call until the person trusts the workspace (see package.json capabilities).
  const trusted = () => vscode.workspace.isTrusted;
  const backupDir = vscode.Uri.joinPath(context.globalStorageUri, 'key-policy-backups');
  const keyPolicies = new KeyPolicyFileSystem(aws, backupDir, log, trusted);
  const reports = new ReportView(reportDefinitionLinks);
  const analyses = new PolicyAnalyses(
    (document) => principalsFor(document, settings(), keyPolicies),
    log,
    (document) =>
      document.uri.scheme === KEY_POLICY_SCHEME
        ? keyPolicies.keyContextFor(document.uri)
        : settings().keyAccount
          ? { keyAccount: settings().keyAccount }
          : {},
  );
  const diagnostics = new PolicyDiagnostics(analyses);
  const instances = new InstancesProvider(() => bridge.explorerBackend(), settings, log, { trusted });
  keyPolicies.onSaved = (_uri, { keyArn }) =>
    afterKeyChange(reports, keyArn, `Key policy of ${keyArn} saved; the previous policy is backed up.`);
  const filesWatcher = new AwsFilesFollower(config, () => {
    log.info('The AWS config files changed; listing again.');
    bridge.invalidate();
    instances.refresh();
  });

  const onSettingsEffect: Record<SettingEffect, () => void> = {
    reanalyzePolicies: () => diagnostics.refreshAll(),
    reconfigureSession: () => bridge.configure(config),
    watchOtherFiles: () => filesWatcher.follow(config),
    listAgain: () => instances.refresh(),
    rerender: () => instances.rerender(),
  };
  const treeView = vscode.window.createTreeView('ec2LaunchDoctor.instances', {
    treeDataProvider: instances,
    showCollapseAll: true,
  });
  const commandContext: CommandContext = { aws, instances, reports, keyPolicies, log, subscriptions: [] };

  context.subscriptions.push(
    log,
    bridge,
    diagnostics,
    instances,
    treeView,
    // An active filter shows in the view's title bar: the tree alone would not say why instances are missing.
    instances.onDidChangeFilter((filter) => (treeView.description = describeFilter(filter))),
    keyPolicies,
    reports,
    filesWatcher,
    vscode.workspace.registerFileSystemProvider(KEY_POLICY_SCHEME, keyPolicies, { isCaseSensitive: true }),
    ...registerPolicyEditorFeatures(analyses),
    registerFindingHelpPages(),
    onConfigChange((next) => {
      const before = config;
      config = next;
      for (const effect of settingEffects(before, next)) onSettingsEffect[effect]();
    }),
    ...registerCommands(commandContext),
    // A file opened by Fix in <file> is checked for the diagnosed principal from then on.
    diagnosedFiles.onDidChange(() => diagnostics.refreshAll()),
    // Restricted Mode showed no instances: list them now.
    vscode.workspace.onDidGrantWorkspaceTrust(() => instances.refresh()),
    { dispose: () => vscode.Disposable.from(...commandContext.subscriptions).dispose() },
  );
  log.info(`EC2 Launch Doctor activated in VS Code ${vscode.version}`);
  return { instances, view: treeView, analyses, reports };
}

/**
 * Who a policy document is checked for: the principals setting plus, for a key policy opened
 * from a diagnosis or a file opened by Fix in <file>, the diagnosed principal.
 */
function principalsFor(document: vscode.TextDocument, config: Config, keyPolicies: KeyPolicyFileSystem): string[] {
  const diagnosed =
    document.uri.scheme === KEY_POLICY_SCHEME
      ? keyPolicies.principalFor(document.uri)
      : diagnosedFiles.principalFor(document.uri);
  return diagnosed && !config.principals.includes(diagnosed) ? [...config.principals, diagnosed] : config.principals;
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
