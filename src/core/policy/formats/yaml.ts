/** Analysis of a YAML text: a CloudFormation or SAM template, or a policy written in YAML. */
import { analyzeParsed, principalsAccount, shifted, type AnalysisResult, type AnalyzeOptions } from '../analyze';
import { classifyTree, type ParsedDocument } from '../document';
import { detectFormatting } from '../fixes';
import { parseYamlTree } from './yamlTree';
import { YamlEditor } from './yamlEditor';

/**
 * Analyzes a YAML text as `analyzePolicyText` analyzes JSON: the same rules, ranges as
 * offsets into the YAML, fixes written in YAML.
 */
export function analyzeYamlText(text: string, options: AnalyzeOptions = {}): AnalysisResult {
  if (typeof text !== 'string') return { kind: 'not-a-policy', findings: [] };
  if (text.charCodeAt(0) === 0xfeff) return shifted(analyzeYaml(text.slice(1), options), 1);
  return analyzeYaml(text, options);
}

/** Keys at the start of a line with no indentation: what a too-long text looks like at a glance. */
function looksLikeTemplate(text: string): boolean {
  return /^(Resources|Statement|AWSTemplateFormatVersion)\s*:/m.test(text);
}

function analyzeYaml(text: string, options: AnalyzeOptions): AnalysisResult {
  if (options.maxLength !== undefined && text.length > options.maxLength) {
    const parsed: ParsedDocument = {
      kind: looksLikeTemplate(text) ? 'not-analyzed' : 'not-a-policy',
      root: undefined,
      errors: [],
      policies: [],
      notAnalyzed: { length: text.length },
    };
    return analyzeParsed(text, parsed, new YamlEditor(text, detectFormatting(text), new WeakMap(), false), options);
  }
  const tree = parseYamlTree(text);
  const formatting = options.formatting ?? detectFormatting(text);
  const editor = new YamlEditor(text, formatting, tree.styles, tree.shortForms);
  if (tree.tooDeep !== undefined) {
    const parsed: ParsedDocument = {
      kind: looksLikeTemplate(text) ? 'not-analyzed' : 'not-a-policy',
      root: undefined,
      errors: tree.errors,
      policies: [],
      notAnalyzed: { depth: tree.tooDeep },
    };
    return analyzeParsed(text, parsed, editor, options);
  }
  const parsed = classifyTree(tree.root, tree.errors, {
    accountId: principalsAccount(options),
    region: options.region,
  });
  return analyzeParsed(text, parsed, editor, options);
}
