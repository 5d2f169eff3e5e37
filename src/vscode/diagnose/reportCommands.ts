import * as vscode from 'vscode';
import type { ChangeKeyStateArgs, CopyStatementArgs, InstanceCommandArgs, OpenKeyPolicyArgs } from '../../core/diagnosis';
import type { AwsBridge } from '../awsBridge';
import { COMMANDS } from '../commands';
import type { Logger } from '../log';
import { KEY_POLICY_SCHEME, parseKeyArn, type KeyPolicyFileSystem } from './keyPolicyFs';
import type { ReportView } from './reportView';

/** Handlers of the report's links and of the key policy documents' commands. */
export function reportCommands(policies: KeyPolicyFileSystem, reports: ReportView, bridge: AwsBridge, log: Logger) {
  return {
    /** After a key policy is saved: offers to start the diagnosed instance again. */
    keyPolicySaved(keyArn: string): void {
      const report = reports.latestForKey(keyArn);
      const offer = report?.instance?.state === 'stopped' ? ['Start instance again'] : [];
      void vscode.window.showInformationMessage(`Key policy of ${keyArn} saved; the previous policy is backed up.`, ...offer).then((pick) => {
        if (pick && report) {
          void vscode.commands.executeCommand(COMMANDS.startInstance, { profile: report.profile, region: report.region, instanceId: report.instanceId, name: report.instance?.name });
        }
      });
    },

    /** Enables a disabled key or cancels its deletion, after the person confirms. */
    async changeKeyState(args?: ChangeKeyStateArgs): Promise<boolean> {
      const key = args && parseKeyArn(args.keyArn);
      if (!args || !key) return false;
      const enable = args.action === 'enable-key';
      const answer = await vscode.window.showWarningMessage(
        enable ? `Enable KMS key ${args.keyArn}?` : `Cancel the scheduled deletion of KMS key ${args.keyArn}?`,
        {
          modal: true,
          detail: enable
            ? `EnableKey through profile ${args.profile}. Everything the key policy allows becomes possible again.`
            : `CancelKeyDeletion through profile ${args.profile}. The key comes back Disabled; enable it afterwards for EC2 to use it.`,
        },
        enable ? 'Enable Key' : 'Cancel Deletion',
      );
      if (!answer) return false;
      const call = enable ? bridge.aws.enableKey : bridge.aws.cancelKeyDeletion;
      const result = await call(bridge.current, args.profile, key.region, args.keyArn);
      if (!result.ok) {
        log.error(`${args.action} ${args.keyArn}: ${result.error.message}`);
        void vscode.window.showErrorMessage(`${result.error.message} ${result.error.nextStep}`);
        return false;
      }
      log.info(`${args.action} ${args.keyArn} through ${args.profile}: done`);
      void vscode.window.showInformationMessage(enable ? `Key ${key.keyId} is enabled.` : `Deletion of key ${key.keyId} cancelled; the key is Disabled until you enable it.`);
      return true;
    },

    async openKeyPolicy(args?: OpenKeyPolicyArgs): Promise<vscode.TextEditor | undefined> {
      if (!args?.keyArn || !args.profile) return undefined;
      try {
        return await policies.openPolicy(args);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        log.error(`Open key policy ${args.keyArn}: ${message}`);
        void vscode.window.showErrorMessage(`Could not open the key policy of ${args.keyArn}: ${message}`);
        return undefined;
      }
    },

    async copyStatement(args?: CopyStatementArgs): Promise<void> {
      if (!args?.statement) return;
      await vscode.env.clipboard.writeText(JSON.stringify(args.statement, null, 2));
      const where = args.target === 'key-policy' ? 'the key policy' : 'an IAM policy of the principal';
      void vscode.window.showInformationMessage(`Statement copied. Add it to ${where}.`);
    },

    async copyReport(args?: InstanceCommandArgs): Promise<void> {
      const rendered = args && reports.latest(args.profile, args.region, args.instanceId);
      if (!rendered) return;
      await vscode.env.clipboard.writeText(rendered.plain);
      vscode.window.setStatusBarMessage('Diagnosis report copied as Markdown', 3000);
    },

    /** Puts a backed-up key policy back into the editor; saving it goes through the usual confirmation. */
    async restoreKeyPolicy(uri?: vscode.Uri): Promise<void> {
      const target = uri ?? vscode.window.activeTextEditor?.document.uri;
      if (target?.scheme !== KEY_POLICY_SCHEME) {
        void vscode.window.showInformationMessage('Open a key policy (from a diagnosis report) to restore one of its backups.');
        return;
      }
      const keyArn = new URLSearchParams(target.query).get('arn') ?? '';
      const backups = await policies.backups(keyArn);
      if (backups.length === 0) {
        void vscode.window.showInformationMessage(`No backups of the key policy of ${keyArn} yet: one is kept each time you save it.`);
        return;
      }
      const pick = await vscode.window.showQuickPick(
        backups.map((uri) => ({ label: uri.path.split('/').pop()!.replace(/\.json$/, ''), uri })),
        { title: 'Restore which backup? (it opens in the editor; save to put it back in AWS)' },
      );
      if (pick) await policies.restoreInto(target, pick.uri);
    },
  };
}
