/** Analysis of a Terraform file: the policies of its KMS keys and IAM policies. */
import { analyzeParsed, principalsAccount, shifted, type AnalysisResult, type AnalyzeOptions } from '../analyze';
import type { ParsedDocument } from '../document';
import { detectFormatting } from '../fixes';
import { DEFAULT_REGION, PLACEHOLDER_ACCOUNT } from '../limits';
import { HclEditor } from './hclEditor';
import { terraformPolicies } from './hclTree';
import { loadTerraformParser, terraformParser } from './terraformParser';

/** Resource types whose presence makes a text worth reporting as not analyzed when it is too long. */
const POLICY_LIKE = /\b(aws_kms_key|aws_kms_key_policy|aws_iam_policy_document|aws_iam_(role_|user_|group_)?policy)\b/;

function analyzeTerraform(text: string, options: AnalyzeOptions): AnalysisResult {
  const loaded = terraformParser();
  if (!loaded) throw new Error('the Terraform parser is not loaded (loadTerraformParser)');
  const formatting = options.formatting ?? detectFormatting(text);
  if (options.maxLength !== undefined && text.length > options.maxLength) {
    const parsed: ParsedDocument = {
      kind: POLICY_LIKE.test(text) ? 'not-analyzed' : 'not-a-policy',
      root: undefined,
      errors: [],
      policies: [],
      notAnalyzed: { length: text.length },
    };
    return analyzeParsed(text, parsed, new HclEditor(text, formatting, new WeakMap()), options);
  }
  const tree = loaded.parser.parse(text);
  if (!tree) throw new Error('the Terraform parser returned no tree');
  try {
    const { policies, errors, shapes, sources, account } = terraformPolicies(
      tree,
      text,
      principalsAccount(options) ?? PLACEHOLDER_ACCOUNT,
      options.region ?? DEFAULT_REGION,
    );
    const parsed: ParsedDocument = {
      kind: policies.length > 0 ? 'terraform' : 'not-a-policy',
      root: undefined,
      errors,
      policies,
    };
    return analyzeParsed(text, parsed, new HclEditor(text, formatting, shapes, sources, account), options);
  } finally {
    // The tree lives in WebAssembly memory: it is freed here, not by the garbage collector.
    tree.delete();
  }
}

/**
 * Analyzes a Terraform text; the parser must be loaded (`loadTerraformParser`). Ranges are
 * offsets into the text, fixes are written in HCL (JSON inside a heredoc).
 */
export function analyzeTerraformText(text: string, options: AnalyzeOptions = {}): AnalysisResult {
  if (typeof text !== 'string') return { kind: 'not-a-policy', findings: [] };
  if (text.charCodeAt(0) === 0xfeff) return shifted(analyzeTerraform(text.slice(1), options), 1);
  return analyzeTerraform(text, options);
}

/** Loads the parser on first use, then analyzes. */
export async function analyzeTerraformFile(text: string, options: AnalyzeOptions = {}): Promise<AnalysisResult> {
  await loadTerraformParser();
  return analyzeTerraformText(text, options);
}
