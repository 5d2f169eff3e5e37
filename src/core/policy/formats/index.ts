/**
 * The policies of infrastructure code: CloudFormation and SAM templates in YAML, Terraform
 * files. This module and its parsers are a bundle of their own (dist/formats.js) that the
 * editor loads on the first such file; JSON never needs it.
 */
import { analyzePolicyText, type AnalysisResult, type AnalyzeOptions } from '../analyze';
import type { SourceFormat } from './sourceFormat';
import { analyzeTerraformText } from './terraform';
import { loadTerraformParser, terraformParser } from './terraformParser';
import { analyzeYamlText } from './yaml';

export { analyzeYamlText } from './yaml';
export { analyzeTerraformText } from './terraform';
export { sourceFormatOf, type SourceFormat } from './sourceFormat';
// Here rather than in the activation bundle: it reads YAML templates with this bundle's parser.
export { findKeyDefinitions } from '../keyDefinitions';

/** True when `analyzeSourceText` can read the format now (Terraform's parser loads asynchronously, once). */
export function formatReady(format: SourceFormat): boolean {
  return format !== 'terraform' || terraformParser() !== undefined;
}

/** Loads what the format needs; resolves at once for JSON and YAML. */
export async function prepareFormat(format: SourceFormat): Promise<void> {
  if (format === 'terraform') await loadTerraformParser();
}

/**
 * Analyzes a text in the given format; JSON goes to `analyzePolicyText` as it always has.
 * Terraform needs `prepareFormat('terraform')` first (see `formatReady`).
 */
export function analyzeSourceText(text: string, format: SourceFormat, options: AnalyzeOptions = {}): AnalysisResult {
  if (format === 'yaml') return analyzeYamlText(text, options);
  if (format === 'terraform') return analyzeTerraformText(text, options);
  return analyzePolicyText(text, options);
}

/** `analyzeSourceText` after loading what the format needs: for the CLI. */
export async function analyzeSource(
  text: string,
  format: SourceFormat,
  options: AnalyzeOptions = {},
): Promise<AnalysisResult> {
  await prepareFormat(format);
  return analyzeSourceText(text, format, options);
}
