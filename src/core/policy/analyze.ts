/**
 * `analyzePolicyText`: the offline half of the product. Classifies a JSON text, finds the
 * policies in it and reports what will make EC2 instances stop at launch, with fixes.
 */
import { isAccountId, parsePrincipalArn } from '../arn';
import { parseDocument, type DocumentKind, type PolicyView } from './document';
import { FINDING_SEVERITY, type Finding } from './findings';
import { detectFormatting, type FormattingOptions } from './fixes';
import { kmsFindings } from './rules';
import { validatePolicy } from './validate';

export interface AnalyzeOptions {
  /** Principals the person cares about (setting `ec2LaunchDoctor.principals`, CLI `--principal`). */
  principals?: string[];
  /** Region of EC2's `kms:ViaService`; otherwise taken from the policy, else us-east-1. */
  region?: string;
  /** The editor's formatting; otherwise guessed from the text. */
  formatting?: FormattingOptions;
}

export interface AnalysisResult {
  kind: DocumentKind;
  findings: Finding[];
}

function analyzeView(text: string, view: PolicyView, options: AnalyzeOptions, formatting: FormattingOptions): Finding[] {
  const problems = validatePolicy(view);
  const invalid: Finding[] = problems.map((p) => ({
    code: 'invalid-policy',
    severity: FINDING_SEVERITY['invalid-policy'],
    message: p.message,
    range: { offset: p.node.offset, length: p.node.length },
    fixes: [],
  }));
  // Without a usable Statement nothing else can be said; a single bad statement is simply
  // left out of the evaluation (AWS would reject the whole policy, which invalid-policy says).
  if (problems.some((p) => p.fatal)) return invalid;
  return [...invalid, ...kmsFindings(view, { text, formatting, principals: options.principals ?? [], region: options.region })];
}

/**
 * Analyzes a JSON/JSONC text. Anything that is not a policy (or a template holding
 * policies) yields kind `not-a-policy` and no findings; a malformed policy yields findings.
 * Ranges are offsets. An exception is a bug of the analyzer: it is not turned into an
 * answer here, the caller (editor, CLI) reports it.
 */
export function analyzePolicyText(text: string, options: AnalyzeOptions = {}): AnalysisResult {
  if (typeof text !== 'string') return { kind: 'not-a-policy', findings: [] };
  const principals = (options.principals ?? []).filter((p) => typeof p === 'string' && p.length > 0);
  const accountId = principals.map((p) => parsePrincipalArn(p)?.account).find(isAccountId);
  const parsed = parseDocument(text, { accountId, region: options.region });
  if (parsed.kind === 'not-a-policy') return { kind: 'not-a-policy', findings: [] };
  const formatting = options.formatting ?? detectFormatting(text);
  const findings: Finding[] = [];
  for (const view of parsed.policies) findings.push(...analyzeView(text, view, { ...options, principals }, formatting));
  // Edits on a text that does not parse could not be shown to leave valid JSON: offer none.
  if (parsed.errors.length > 0) for (const f of findings) f.fixes = [];
  findings.sort((a, b) => a.range.offset - b.range.offset || a.code.localeCompare(b.code));
  return { kind: parsed.kind, findings };
}
