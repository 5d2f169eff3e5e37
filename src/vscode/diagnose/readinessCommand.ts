import * as vscode from 'vscode';
import type { LaunchPrediction } from '../../core/diagnosis';
import { subjectName } from '../../core/diagnosis/readinessText';
import type { AwsFacade, ReadinessTarget } from '../awsBridge';
import type { CommandContext } from '../commandContext';
import { plainMessage } from '../markdown';
import { withCancellation } from './cancellation';
import { errorItems } from './pickItems';
import { walkProfileAndRegion } from './palettePath';
import { pickStep } from './quickPickSteps';
import {
  SUBJECT_KIND_ITEMS,
  launchTemplateItems,
  noneItem,
  groupStepItems,
  toReadinessTarget,
  type ReadinessGroupItem,
  type SubjectKindItem,
  type TemplateItem,
} from './readinessPicks';

/**
 * "EC2: Check Launch Readiness". From the tree it predicts the clicked Auto Scaling group (or
 * stopped instance); from a report link the subject the link names; from the palette it asks
 * for a profile, a region, what to check (a group or a launch template) and which one. The
 * prediction runs under a cancellable notification and opens in the report view, titled as a
 * prediction. Returns the prediction (for tests), or undefined when none was made.
 */
export function checkLaunchReadiness(ctx: CommandContext) {
  return async (arg?: unknown): Promise<LaunchPrediction | undefined> => {
    const target = toReadinessTarget(arg) ?? (await pickReadinessTarget(ctx.aws));
    if (!target) return undefined;
    return predictAndShow(ctx, target);
  };
}

/** Predicts under a cancellable progress notification and shows the prediction. */
async function predictAndShow(ctx: CommandContext, target: ReadinessTarget): Promise<LaunchPrediction | undefined> {
  const { aws, log, reports } = ctx;
  const name = subjectName(target.subject);
  try {
    const prediction = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: plainMessage(`Prediction: will ${name} launch?`),
        cancellable: true,
      },
      (_progress, token) => withCancellation(token, (signal) => aws.predictLaunch(target, { signal })),
    );
    log.info(
      `Prediction for ${name} (${target.profile}/${target.region}): ${prediction.outcome}` +
        `${prediction.code ? ` (${prediction.code})` : ''}. ${prediction.reason} ` +
        `${prediction.calls.count} calls in ${prediction.calls.rounds} rounds, ${prediction.calls.elapsedMs} ms`,
    );
    await reports.showReadiness(target, prediction);
    return prediction;
  } catch (error) {
    if (aws.isAbortError(error)) {
      log.info(`Prediction for ${name} cancelled.`);
      return undefined;
    }
    log.error(error instanceof Error ? error : String(error));
    const message = error instanceof Error ? error.message : String(error);
    void vscode.window.showErrorMessage(plainMessage(`The prediction for ${name} could not be made: ${message}`));
    return undefined;
  }
}

const TITLE = 'Check Launch Readiness';

/**
 * The palette path: profile, region, group or template, then the one to check; each step but
 * the first has Back, which returns to the step before with its list as it was. A listing that
 * fails shows as an item saying what to do.
 */
function pickReadinessTarget(aws: AwsFacade): Promise<ReadinessTarget | undefined> {
  return walkProfileAndRegion(
    aws,
    { title: TITLE, steps: 4, profilePlaceholder: 'The profile that sees what launches' },
    (profile, region) => pickSubject(aws, profile, region),
  );
}

/** Steps 3 and 4: a group or a launch template, then which one; 'back' returns to the region. */
async function pickSubject(
  aws: AwsFacade,
  profile: string,
  region: string,
): Promise<ReadinessTarget | 'back' | undefined> {
  for (;;) {
    const kind = await pickStep<SubjectKindItem>(
      `${TITLE} (3/4): what launches`,
      `What to check in ${region}`,
      true,
      async () => [...SUBJECT_KIND_ITEMS],
    );
    if (!kind || kind === 'back') return kind;
    const where = { profile, region };
    if (kind.chosen.kind === 'auto-scaling-group') {
      const group = await pickStep<ReadinessGroupItem>(
        `${TITLE} (4/4): Auto Scaling group`,
        `Auto Scaling groups of ${region}, those short of instances first`,
        true,
        (signal) => groupStepItems(aws, profile, region, signal),
      );
      if (!group) return undefined;
      if (group !== 'back')
        return { ...where, subject: { kind: 'auto-scaling-group', groupName: group.chosen.groupName } };
      continue;
    }
    const template = await pickStep<TemplateItem>(
      `${TITLE} (4/4): launch template`,
      `Launch templates of ${region}: the default version, or the latest where it differs`,
      true,
      async (signal) => {
        // Closing the pick (or Back) stops the listing: it may take many pages.
        const templates = await aws.launchTemplates(profile, region, signal);
        if (!templates.ok)
          return errorItems(`Could not list launch templates in ${region}`, templates.error).map((i) => ({
            ...i,
            template: {},
          }));
        const items = launchTemplateItems(templates.value);
        return items.length > 0 ? items : [{ ...noneItem(`No launch templates in ${region}`), template: {} }];
      },
    );
    if (!template) return undefined;
    if (template !== 'back')
      return { ...where, subject: { kind: 'launch-template', template: template.chosen.template } };
  }
}
