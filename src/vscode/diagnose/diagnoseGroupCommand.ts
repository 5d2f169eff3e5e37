import * as vscode from 'vscode';
import type { GroupDiagnosisReport } from '../../core/diagnosis';
import type { AwsFacade, GroupDiagnosisTarget } from '../awsBridge';
import type { CommandContext } from '../commandContext';
import { groupPickItems, toGroupTarget } from '../explorer/groupNodes';
import { plainMessage } from '../markdown';
import { profileItems, regionItems } from './pickItems';

/**
 * "EC2: Diagnose Auto Scaling Group". From the tree it diagnoses the clicked group; from the
 * palette it asks for a profile, a region and a group (those short of capacity first). The
 * engine runs under a cancellable progress notification naming each step; the group's
 * report opens in the report view when it is done.
 */
export function diagnoseAutoScalingGroup(ctx: CommandContext) {
  return async (arg?: unknown): Promise<GroupDiagnosisReport | undefined> => {
    const target = toGroupTarget(arg) ?? (await pickGroup(ctx.aws));
    if (!target) return undefined;
    return diagnoseGroupAndShow(ctx, target);
  };
}

/** Diagnoses the group under a cancellable progress notification and shows its report. */
async function diagnoseGroupAndShow(
  ctx: CommandContext,
  target: GroupDiagnosisTarget,
): Promise<GroupDiagnosisReport | undefined> {
  const { aws, log, reports } = ctx;
  try {
    const report = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Diagnosing Auto Scaling group ${target.groupName}`,
        cancellable: true,
      },
      (progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        return aws.diagnoseGroup(target, {
          signal: abort.signal,
          onStep: (event) => {
            if (event.phase === 'started') progress.report({ message: `${event.title}…` });
          },
        });
      },
    );
    log.info(
      `Diagnosis of Auto Scaling group ${target.groupName} (${target.profile}/${target.region}): ${report.verdict.code}, ` +
        `confidence ${report.verdict.confidence}, ${report.calls.count} calls in ${report.calls.rounds} rounds, ${report.calls.elapsedMs} ms`,
    );
    await reports.showGroup(report, aws.renderReport(report));
    return report;
  } catch (error) {
    if (aws.isAbortError(error)) {
      log.info(`Diagnosis of Auto Scaling group ${target.groupName} cancelled.`);
      return undefined;
    }
    log.error(error instanceof Error ? error : String(error));
    const message = error instanceof Error ? error.message : String(error);
    void vscode.window.showErrorMessage(plainMessage(`The diagnosis of ${target.groupName} failed: ${message}`));
    return undefined;
  }
}

/** The palette path: profile, region, group; a failure to list says what to do and ends the path. */
async function pickGroup(aws: AwsFacade): Promise<GroupDiagnosisTarget | undefined> {
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
    title: 'Diagnose Auto Scaling Group (1/3): profile',
    placeHolder: 'The profile that sees the group',
  });
  if (!profile) return undefined;
  const home = profiles.find((p) => p.name === profile.profile)?.region;
  const regions = await aws.regions(profile.profile);
  if (!regions.ok)
    void vscode.window.showWarningMessage(
      plainMessage(`Could not list regions: ${regions.error.message} ${regions.error.nextStep}`),
    );
  const listed = regions.ok ? regions.value : home ? [home] : [];
  const region = await vscode.window.showQuickPick(regionItems(listed, home), {
    title: 'Diagnose Auto Scaling Group (2/3): region',
  });
  if (!region) return undefined;
  const groups = aws.autoScalingGroups(profile.profile, region.region).then((result) => {
    if (!result.ok) {
      void vscode.window.showErrorMessage(
        plainMessage(
          `Could not list Auto Scaling groups in ${region.region}: ${result.error.message} ${result.error.nextStep}`,
        ),
      );
      return [];
    }
    return groupPickItems(result.value);
  });
  const group = await vscode.window.showQuickPick(groups, {
    title: 'Diagnose Auto Scaling Group (3/3): group',
    placeHolder: `Auto Scaling groups of ${region.region}, those short of capacity first`,
  });
  return group ? { profile: profile.profile, region: region.region, groupName: group.groupName } : undefined;
}
