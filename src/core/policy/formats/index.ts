/**
 * The policies of infrastructure code: CloudFormation and SAM templates in YAML, Terraform
 * files. This module and its parsers are a bundle of their own (dist/formats.js) that the
 * editor loads on the first such file; JSON never needs it.
 */
import { analyzePolicyText, type AnalysisResult, type AnalyzeOptions } from '../analyze';
import type { SourceFormat } from './sourceFormat';
import { analyzeYamlText } from './yaml';

export { analyzeYamlText } from './yaml';
export { sourceFormatOf, type SourceFormat } from './sourceFormat';

/** Analyzes a text in the given format; JSON goes to `analyzePolicyText` as it always has. */
export function analyzeSourceText(text: string, format: SourceFormat, options: AnalyzeOptions = {}): AnalysisResult {
  if (format === 'yaml') return analyzeYamlText(text, options);
  return analyzePolicyText(text, options);
}
