import * as vscode from 'vscode';
import type { DiagnosisReport } from '../../core/diagnosis';
import { isInstanceId } from '../../core/ids';
import type { AwsFacade } from '../awsBridge';
import type { CommandContext } from '../commandContext';
import { instanceLabel, toInstanceRef, type InstanceRef } from '../explorer/instanceCommands';
import { verdictChange } from './reportChange';
import { instanceItems, profileItems, regionItems, typedInstanceItem, type InstanceItem } from './pickItems';
import { plainMessage } from '../markdown';

/**
 * "EC2: Diagnose Stopped Instance". From the tree it diagnoses the clicked instance; from the
 * palette it asks for a profile, a region and an instance (those stopped at launch first, or
 * an id typed in). The engine runs under a cancellable progress notification naming each
 * step; the report opens when it is done.
 */
export function diagnoseStoppedInstance(ctx: CommandContext) {
  return async (arg?: unknown): Promise<DiagnosisReport | undefined> => {
    const target = toInstanceRef(arg) ?? (await pickInstance(ctx.aws));
    if (!target) return undefined;
    return diagnoseAndShow(ctx, target);
  };
}

/**
 * Diagnoses the instance under a cancellable progress notification naming each step and
 * shows the report. When the instance was diagnosed before, the new report says on top how
 * its verdict compares with the one before (Diagnose again and Check the fix land here).
 */
export async function diagnoseAndShow(ctx: CommandContext, target: InstanceRef): Promise<DiagnosisReport | undefined> {
  const { aws, log, reports } = ctx;
  const before = reports.latest(target.profile, target.region, target.instanceId)?.report;
  try {
    const report = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Diagnosing ${instanceLabel(target)}`, cancellable: true },
      (progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        return aws.diagnose(
          { instanceId: target.instanceId, profile: target.profile, region: target.region },
          {
            signal: abort.signal,
            onStep: (event) => {
              if (event.phase === 'started') progress.report({ message: `${event.title}…` });
            },
          },
        );
      },
    );
    log.info(
      `Diagnosis of ${target.instanceId} (${target.profile}/${target.region}): ${report.verdict.code}, ` +
        `confidence ${report.verdict.confidence}, ${report.calls.count} calls in ${report.calls.rounds} rounds, ` +
        `${report.calls.elapsedMs} ms`,
    );
    const changes = before ? [{ at: report.generatedAt, text: verdictChange(before, report) }] : [];
    await reports.show(report, aws.renderReport(report), changes);
    return report;
  } catch (error) {
    if (aws.isAbortError(error)) {
      log.info(`Diagnosis of ${target.instanceId} cancelled.`);
      return undefined;
    }
    log.error(error instanceof Error ? error : String(error));
    const message = error instanceof Error ? error.message : String(error);
    void vscode.window.showErrorMessage(plainMessage(`The diagnosis of ${target.instanceId} failed: ${message}`));
    return undefined;
  }
}

async function pickInstance(aws: AwsFacade): Promise<InstanceRef | undefined> {
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
  const profile = await vscode.window.showQuickPick(profileItems(profiles), {
    title: 'Diagnose Stopped Instance (1/3): profile',
    placeHolder: 'The profile that sees the instance',
  });
  if (!profile) return undefined;

  const regions = await aws.regions(profile.profile);
  const home = profiles.find((p) => p.name === profile.profile)?.region;
  const listed = regions.ok ? regions.value : home ? [home] : [];
  if (!regions.ok)
    void vscode.window.showWarningMessage(
      plainMessage(`Could not list regions: ${regions.error.message} ${regions.error.nextStep}`),
    );
  const region = await vscode.window.showQuickPick(regionItems(listed, home), {
    title: 'Diagnose Stopped Instance (2/3): region',
  });
  if (!region) return undefined;

  return pickInstanceInRegion(aws, profile.profile, region.region);
}

/** Instances of the region, those stopped at launch first; an instance id may also be typed. */
function pickInstanceInRegion(aws: AwsFacade, profile: string, region: string): Promise<InstanceRef | undefined> {
  type Item = vscode.QuickPickItem & InstanceItem;
  const pick = vscode.window.createQuickPick<Item>();
  pick.title = 'Diagnose Stopped Instance (3/3): instance';
  pick.placeholder = 'Pick an instance, or type an instance id (i-…)';
  pick.busy = true;
  pick.matchOnDescription = true;
  let listed: Item[] = [];
  void aws.instances(profile, region).then((result) => {
    pick.busy = false;
    if (!result.ok) {
      pick.placeholder = `Could not list instances (${result.error.message}); type an instance id`;
      return;
    }
    listed = instanceItems(result.value);
    pick.items = listed;
  });
  pick.onDidChangeValue((value) => {
    const typed = value.trim();
    pick.items =
      isInstanceId(typed) && !listed.some((i) => i.instanceId === typed)
        ? [typedInstanceItem(typed), ...listed]
        : listed;
  });
  return new Promise((resolve) => {
    pick.onDidAccept(() => {
      const chosen = pick.selectedItems[0];
      resolve(chosen ? { profile, region, instanceId: chosen.instanceId, name: chosen.name } : undefined);
      pick.hide();
    });
    pick.onDidHide(() => {
      resolve(undefined);
      pick.dispose();
    });
    pick.show();
  });
}
