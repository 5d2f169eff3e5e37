import * as vscode from 'vscode';
import type { GroupDiagnosisReport } from '../../core/diagnosis';
import type { AwsFacade, GroupDiagnosisTarget } from '../awsBridge';
import type { CommandContext } from '../commandContext';
import { toGroupTarget } from '../explorer/groupNodes';
import { plainMessage } from '../markdown';
import { withCancellation } from './cancellation';
import { walkProfileAndRegion } from './palettePath';
import { pickStep } from './quickPickSteps';
import { groupStepItems, type ReadinessGroupItem } from './readinessPicks';

/**
 * "EC2: Diagnose Auto Scaling Group". From the tree it diagnoses the clicked group; from the
 * palette it asks for a profile, a region and a group (those short of instances first). The
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
      (progress, token) =>
        withCancellation(token, (signal) =>
          aws.diagnoseGroup(target, {
            signal,
            onStep: (event) => {
              if (event.phase === 'started') progress.report({ message: `${event.title}…` });
            },
          }),
        ),
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

/**
 * The palette path: profile, region, group (those short of instances first, under their own
 * heading), each a step with Back but the first; a listing that fails is an item saying what
 * to do.
 */
function pickGroup(aws: AwsFacade): Promise<GroupDiagnosisTarget | undefined> {
  return walkProfileAndRegion(
    aws,
    { title: 'Diagnose Auto Scaling Group', steps: 3, profilePlaceholder: 'The profile that sees the group' },
    async (profile, region) => {
      const group = await pickStep<ReadinessGroupItem>(
        'Diagnose Auto Scaling Group (3/3): group',
        `Auto Scaling groups of ${region}, those short of instances first`,
        true,
        (signal) => groupStepItems(aws, profile, region, signal),
      );
      return group === undefined || group === 'back' ? group : { profile, region, groupName: group.chosen.groupName };
    },
  );
}
