import * as vscode from 'vscode';
import type { DiagnosisReport } from '../../core/diagnosis';
import { isInstanceId } from '../../core/ids';
import type { AwsFacade } from '../awsBridge';
import type { CommandContext } from '../commandContext';
import { instanceLabel, toInstanceRef, type InstanceRef } from '../explorer/instanceCommands';
import { withCancellation } from './cancellation';
import { verdictChange } from './reportChange';
import { errorItems, instanceItems, typedInstanceItem, type InstanceItem } from './pickItems';
import { walkProfileAndRegion } from './palettePath';
import { runPick, toQuickPickItem } from './quickPickSteps';
import { plainMessage } from '../markdown';

/**
 * "EC2: Diagnose Stopped Instance". From the tree it diagnoses the clicked instance; from the
 * palette it asks for a profile, a region and an instance (those stopped at launch first, or
 * an id typed in). The engine runs under a cancellable progress notification naming each
 * step; the report opens when it is done.
 */
export function diagnoseStoppedInstance(ctx: CommandContext) {
  return async (arg?: unknown): Promise<DiagnosisReport | undefined> => {
    const target =
      toInstanceRef(arg) ?? (await pickInstance(ctx.aws, (profile) => ctx.instances.regionCounts(profile)));
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
      {
        location: vscode.ProgressLocation.Notification,
        title: `Diagnosing ${instanceLabel(target)}`,
        cancellable: true,
      },
      (progress, token) =>
        withCancellation(token, (signal) =>
          aws.diagnose(
            { instanceId: target.instanceId, profile: target.profile, region: target.region },
            {
              signal,
              onStep: (event) => {
                if (event.phase === 'started') progress.report({ message: `${event.title}…` });
              },
            },
          ),
        ),
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

/** The palette path: profile, region, instance, each a step with a Back button (but the first). */
function pickInstance(
  aws: AwsFacade,
  countsOf: (profile: string) => ReadonlyMap<string, string>,
): Promise<InstanceRef | undefined> {
  return walkProfileAndRegion(
    aws,
    {
      title: 'Diagnose Stopped Instance',
      steps: 3,
      profilePlaceholder: 'The profile that sees the instance',
      regionCounts: countsOf,
    },
    (profile, region) => pickInstanceInRegion(aws, profile, region),
  );
}

/** Instances of the region, those stopped at launch first; an instance id may also be typed. */
async function pickInstanceInRegion(
  aws: AwsFacade,
  profile: string,
  region: string,
): Promise<InstanceRef | 'back' | undefined> {
  type Item = vscode.QuickPickItem & InstanceItem;
  const pick = vscode.window.createQuickPick<Item>();
  pick.title = 'Diagnose Stopped Instance (3/3): instance';
  pick.placeholder = 'Pick an instance, or type an instance id (i-…)';
  pick.buttons = [vscode.QuickInputButtons.Back];
  pick.busy = true;
  pick.matchOnDescription = true;
  let listed: Item[] = [];
  // Answering the step (a choice, Back, or the pick closed) stops a listing still paging.
  const abort = new AbortController();
  void aws.instances(profile, region, abort.signal).then((result) => {
    if (abort.signal.aborted) return;
    pick.busy = false;
    const items = result.ok
      ? instanceItems(result.value)
      : errorItems(`Could not list instances in ${region}`, result.error).map((i) => ({ ...i, instanceId: '' }));
    listed = items.map(toQuickPickItem) as Item[];
    pick.items = listed;
    if (!result.ok) pick.placeholder = 'Type an instance id (i-…)';
  });
  pick.onDidChangeValue((value) => {
    const typed = value.trim();
    pick.items =
      isInstanceId(typed) && !listed.some((i) => i.instanceId === typed)
        ? [typedInstanceItem(typed) as Item, ...listed]
        : listed;
  });
  const answer = await runPick(pick, (item) =>
    item.pickable === false || !item.instanceId
      ? 'stay'
      : { chosen: { profile, region, instanceId: item.instanceId, name: item.name } },
  ).finally(() => abort.abort());
  return answer === 'back' || answer === undefined ? answer : answer.chosen;
}
