import * as vscode from 'vscode';
import { parseKeyArn } from '../../core/arn';
import { COMMAND_IDS } from '../../core/commandIds';
import type {
  ChangeKeyStateArgs,
  CopyStatementArgs,
  InstanceCommandArgs,
  OpenKeyPolicyArgs,
} from '../../core/diagnosis';
import type { CommandContext } from '../commandContext';
import { KEY_CHANGE_OFFER_LABELS, keyChangeOffers, pickedOffer } from './keyChangeOffers';
import { KEY_POLICY_SCHEME } from './keyPolicyFs';
import { withChanges } from './reportChange';
import type { ReportView } from './reportView';
import { escapeIcons, plainMessage } from '../markdown';

/**
 * After a key's policy or state changed: every report whose fix concerns the key says so on
 * top (its verdict may be out of date), and the person is offered to start the diagnosed
 * instance again (asking as whom) or to check the fix without starting anything; for a
 * group's fix, to check its launch readiness (keyChangeOffers decides which).
 */
export function afterKeyChange(reports: ReportView, keyArn: string, what: string): void {
  void reports.noteKeyChange(keyArn, what);
  const report = reports.latestForKey(keyArn);
  const group = reports.latestGroupForKey(keyArn);
  const offers = keyChangeOffers({ instanceState: report?.instance?.state, groupReport: group !== undefined });
  const labels = offers.map((offer) => KEY_CHANGE_OFFER_LABELS[offer]);
  void vscode.window.showInformationMessage(plainMessage(what), ...labels).then((pick) => {
    const offer = pickedOffer(pick);
    if (offer === 'check-readiness' && group) {
      const args = { profile: group.profile, region: group.region, groupName: group.groupName };
      void vscode.commands.executeCommand(COMMAND_IDS.checkLaunchReadiness, args);
      return;
    }
    if (!offer || !report) return;
    const target = {
      profile: report.profile,
      region: report.region,
      instanceId: report.instanceId,
      name: report.instance?.name,
    };
    const command = offer === 'check-fix' ? COMMAND_IDS.diagnoseStoppedInstance : COMMAND_IDS.startInstance;
    void vscode.commands.executeCommand(command, target);
  });
}

/**
 * "Save Key Policy to AWS": an explicit save of the key policy document (auto save never
 * writes one); the save asks for confirmation as usual.
 */
export function saveKeyPolicy() {
  return async (uri?: vscode.Uri): Promise<boolean> => {
    const target = uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
    if (target?.scheme !== KEY_POLICY_SCHEME) {
      void vscode.window.showInformationMessage('Open a key policy (from a diagnosis report) to save it to AWS.');
      return false;
    }
    const document = await vscode.workspace.openTextDocument(target);
    if (!document.isDirty) {
      void vscode.window.showInformationMessage(
        'Nothing to save: the editor holds the policy as it was read from AWS.',
      );
      return false;
    }
    return document.save();
  };
}

/** "Change KMS Key State": enables a disabled key or cancels its deletion, after the person confirms. */
export function changeKeyState(ctx: CommandContext) {
  return async (args?: ChangeKeyStateArgs): Promise<boolean> => {
    const key = args && parseKeyArn(args.keyArn);
    if (!args || !key) return false;
    const enable = args.action === 'enable-key';
    const answer = await vscode.window.showWarningMessage(
      plainMessage(
        enable ? `Enable KMS key ${args.keyArn}?` : `Cancel the scheduled deletion of KMS key ${args.keyArn}?`,
      ),
      {
        modal: true,
        detail: enable
          ? `EnableKey through profile ${args.profile}. Everything the key policy allows becomes possible again.`
          : `CancelKeyDeletion through profile ${args.profile}. The key comes back Disabled; enable it afterwards for EC2 to use it.`,
      },
      enable ? 'Enable Key' : 'Cancel Deletion',
    );
    if (!answer) return false;
    const result = await ctx.aws.changeKeyState(
      args.profile,
      args.keyArn,
      enable ? 'enable-key' : 'cancel-key-deletion',
    );
    if (!result.ok) {
      ctx.log.error(`${args.action} ${args.keyArn}: ${result.error.message}`);
      void vscode.window.showErrorMessage(plainMessage(`${result.error.message} ${result.error.nextStep}`));
      return false;
    }
    ctx.log.info(`${args.action} ${args.keyArn} through ${args.profile}: done`);
    afterKeyChange(
      ctx.reports,
      args.keyArn,
      enable
        ? `Key ${key.keyId} is enabled.`
        : `Deletion of key ${key.keyId} cancelled; the key is Disabled until you enable it.`,
    );
    return true;
  };
}

/** "Open Key Policy": the live key policy as an editable document. */
export function openKeyPolicy(ctx: CommandContext) {
  return async (args?: OpenKeyPolicyArgs): Promise<vscode.TextEditor | undefined> => {
    if (!args?.keyArn || !args.profile) return undefined;
    try {
      return await ctx.keyPolicies.openPolicy(args);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      ctx.log.error(`Open key policy ${args.keyArn}: ${message}`);
      void vscode.window.showErrorMessage(plainMessage(`Could not open the key policy of ${args.keyArn}: ${message}`));
      return undefined;
    }
  };
}

/** "Copy Statement": a fix's statement as JSON, to paste into a policy. */
export function copyStatement() {
  return async (args?: CopyStatementArgs): Promise<void> => {
    if (!args?.statement) return;
    await vscode.env.clipboard.writeText(JSON.stringify(args.statement, null, 2));
    const where = args.target === 'key-policy' ? 'the key policy' : 'an IAM policy of the principal';
    void vscode.window.showInformationMessage(`Statement copied. Add it to ${where}.`);
  };
}

/** "Copy Diagnosis Report": the latest report of the instance as Markdown without command links. */
export function copyReport(ctx: CommandContext) {
  return async (args?: InstanceCommandArgs): Promise<void> => {
    const rendered = args && ctx.reports.latest(args.profile, args.region, args.instanceId);
    if (!rendered) return;
    const plain = withChanges(rendered.report, rendered.plain, rendered.changes, {
      links: false,
      stale: rendered.stale,
    });
    await vscode.env.clipboard.writeText(plain);
    vscode.window.setStatusBarMessage('Diagnosis report copied as Markdown', 3000);
  };
}

/**
 * "Restore Key Policy From Backup": puts a backed-up key policy back into the editor; saving
 * it goes through the usual confirmation.
 */
export function restoreKeyPolicy(ctx: CommandContext) {
  return async (uri?: vscode.Uri): Promise<void> => {
    const target = uri ?? vscode.window.activeTextEditor?.document.uri;
    if (target?.scheme !== KEY_POLICY_SCHEME) {
      void vscode.window.showInformationMessage(
        'Open a key policy (from a diagnosis report) to restore one of its backups.',
      );
      return;
    }
    const keyArn = new URLSearchParams(target.query).get('arn') ?? '';
    const backups = await ctx.keyPolicies.backups(keyArn);
    if (backups.length === 0) {
      void vscode.window.showInformationMessage(
        plainMessage(`No backups of the key policy of ${keyArn} yet: one is kept each time you save it.`),
      );
      return;
    }
    const pick = await vscode.window.showQuickPick(
      backups.map((backup) => ({ label: escapeIcons(backupLabel(backup)), uri: backup })),
      { title: 'Restore which backup? (it opens in the editor; save to put it back in AWS)' },
    );
    if (pick) await ctx.keyPolicies.restoreInto(target, pick.uri);
  };
}

/** A backup's name without `.json`: the time it was taken. */
function backupLabel(backup: vscode.Uri): string {
  return (backup.path.split('/').pop() ?? '').replace(/\.json$/, '');
}
