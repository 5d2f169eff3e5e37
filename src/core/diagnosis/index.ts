/** Public surface of the diagnosis: the engine, its ports, the report types and renderers. */
export { diagnoseInstance, isAbortError, type DiagnoseOptions, type DiagnosisInput } from './engine';
export type { CallOptions, DiagnosisPorts, SimulationResult } from './ports';
export * from './types';
export { VERDICT_TITLES } from './verdict';
export {
  REPORT_COMMANDS,
  commandUri,
  renderMarkdown,
  renderText,
  toJson,
  type ChangeKeyStateArgs,
  type CopyStatementArgs,
  type DiagnosisJson,
  type InstanceCommandArgs,
  type OpenKeyPolicyArgs,
} from './render';
export { PORT_ACTIONS } from './instrument';
