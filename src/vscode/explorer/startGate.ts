import * as vscode from 'vscode';
import type { LaunchPrediction } from '../../core/diagnosis';
import type { CommandContext } from '../commandContext';
import { plainMessage } from '../markdown';
import { startQuestion } from './startReadiness';

/** How the person answered a start whose prediction was taken into account. */
export type StartGate = 'ask' | 'confirmed' | 'diagnose' | 'cancel';

/**
 * Predicts the start of a stopped instance as `ref.profile` (labelled "Prediction" while it
 * runs) and, when it will fail, asks whether to diagnose instead. `ask`: no warning, the usual
 * confirmation follows; `confirmed`: the person chose Start Anyway in the warning.
 */
export async function startGate(
  ctx: CommandContext,
  ref: { profile: string; region: string; instanceId: string },
  label: string,
  question: { message: string; detail: string },
): Promise<StartGate> {
  const prediction = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: `Prediction: will ${label} start as ${ref.profile}?` },
    () => predict(ctx, ref),
  );
  const asked = startQuestion(question, prediction);
  if (asked.kind === 'start') return 'ask';
  const answer = await vscode.window.showWarningMessage(
    plainMessage(asked.message),
    { modal: true, detail: plainMessage(asked.detail) },
    asked.diagnose,
    asked.startAnyway,
  );
  if (answer === asked.diagnose) return 'diagnose';
  return answer === asked.startAnyway ? 'confirmed' : 'cancel';
}

/** The prediction, or undefined when it could not be made (then Start asks as usual). */
async function predict(
  ctx: CommandContext,
  ref: { profile: string; region: string; instanceId: string },
): Promise<LaunchPrediction | undefined> {
  try {
    const prediction = await ctx.aws.predictStart(ref);
    ctx.log.info(
      `Prediction for starting ${ref.instanceId} as ${ref.profile}: ${prediction.outcome}. ${prediction.reason}`,
    );
    return prediction;
  } catch (error) {
    ctx.log.warn(
      `Prediction for starting ${ref.instanceId} could not be made: ${error instanceof Error ? error.message : String(error)}`,
    );
    return undefined;
  }
}
