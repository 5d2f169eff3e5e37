// Launch readiness before Start, worded apart from `vscode` so that plain mocha tests it. The
// prediction is a forecast from key states and policies (src/core/diagnosis/predict.ts), so
// it is labelled "Prediction" and never blocks a start: it only changes what is offered.
import type { LaunchPrediction } from '../../core/diagnosis';

/** What the Start confirmation becomes once the prediction is known. */
export type StartQuestion =
  | { kind: 'start'; message: string; detail: string }
  | { kind: 'diagnose-instead'; message: string; detail: string; diagnose: string; startAnyway: string };

/**
 * The confirmation for a start, given the prediction (undefined when none could be made).
 * Only `will-fail` changes it: the question warns with the reason and offers Diagnose first;
 * `will-launch` and `unknown` ask as before (an unknown forecast is no reason to warn).
 */
export function startQuestion(
  question: { message: string; detail: string },
  prediction: Pick<LaunchPrediction, 'outcome' | 'reason' | 'code'> | undefined,
): StartQuestion {
  if (prediction?.outcome !== 'will-fail') return { kind: 'start', ...question };
  const code = prediction.code ? ` (${prediction.code})` : '';
  return {
    kind: 'diagnose-instead',
    message: `Prediction: this start will fail${code}. ${question.message}`,
    detail: `${prediction.reason}\n\nDiagnose shows why and the fix, without starting anything. ${question.detail}`,
    diagnose: 'Diagnose',
    startAnyway: 'Start Anyway',
  };
}
