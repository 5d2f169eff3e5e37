/** Public surface of the diagnosis: the engine, its ports, the report types and renderers. */
export { diagnoseInstance, isAbortError, type DiagnoseOptions, type DiagnosisInput } from './engine';
export { diagnoseAutoScalingGroup, type GroupDiagnosisInput } from './groupEngine';
export {
  notStartable,
  predictLaunch,
  type LaunchPrediction,
  type LaunchSubject,
  type PredictedOutcome,
  type PredictionInput,
} from './predict';
export { readinessArgsOf, subjectOfArgs, type ReadinessArgs } from './readinessArgs';
export {
  readinessHeadline,
  readinessJson,
  readinessMarkdown,
  readinessText,
  subjectName,
  type ReadinessContext,
  type ReadinessJson,
} from './readinessText';
export type { CallOptions, DiagnosisPorts, SimulationResult } from './ports';
export * from './types';
export {
  REPORT_COMMANDS,
  commandUri,
  groupToJson,
  jsonText,
  renderMarkdown,
  renderText,
  shellLine,
  toJson,
  type AnyReport,
  type DiagnosisJson,
  type GroupDiagnosisJson,
} from './render';
export type {
  ChangeKeyStateArgs,
  CopyStatementArgs,
  CreateGrantArgs,
  InstanceCommandArgs,
  OpenKeyPolicyArgs,
} from './commandArgs';
