/**
 * `analyzePolicyText`: the offline half of the product. Classifies a JSON text, finds the
 * policies in it and reports what will make EC2 instances stop at launch, with fixes.
 */
import { isAccountId, parsePrincipalArn } from '../arn';
import { parseDocument, type DocumentKind, type ParsedDocument, type PolicyView } from './document';
import { analysisFailedFinding, FINDING_SEVERITY, type Finding, type PolicyFix } from './findings';
import { groupedCount, MAX_NESTING_DEPTH } from './limits';
import { detectFormatting, type FormattingOptions } from './fixes';
import { plannedPolicies, type PlannedPolicy } from './formats/terraformPlan';
import { LocalEditor } from './localEdits';
import { kmsFindings } from './rules';
import { validatePolicy } from './validate';

export interface AnalyzeOptions {
  /** Principals the person cares about (setting `ec2LaunchDoctor.principals`, CLI `--principal`). */
  principals?: string[];
  /** Region of EC2's `kms:ViaService`; otherwise taken from the policy, else us-east-1. */
  region?: string;
  /**
   * The account that owns the key (setting `ec2LaunchDoctor.keyAccount`, CLI `--key-arn`, the
   * ARN of a live key policy); otherwise inferred from the policy's delegation statement.
   */
  keyAccount?: string;
  /** The editor's formatting; otherwise guessed from the text. */
  formatting?: FormattingOptions;
  /**
   * Longer texts are not analyzed: one shaped like a policy or a template gets an
   * `analysis-failed` finding, anything else is `not-a-policy`. The editor passes
   * `MAX_ANALYZED_TEXT_LENGTH`; the CLI analyzes any length.
   */
  maxLength?: number;
}

export interface AnalysisResult {
  kind: DocumentKind;
  findings: Finding[];
}

function analyzeView(text: string, view: PolicyView, options: AnalyzeOptions, editor: LocalEditor): Finding[] {
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
  return [
    ...invalid,
    ...kmsFindings(view, {
      text,
      editor,
      principals: options.principals ?? [],
      region: options.region,
      keyAccount: isAccountId(options.keyAccount) ? options.keyAccount : undefined,
    }),
  ];
}

/**
 * Analyzes a JSON/JSONC text. Anything that is not a policy (or a template holding
 * policies) yields kind `not-a-policy` and no findings; a malformed policy yields findings.
 * Ranges are offsets. An exception is a bug of the analyzer: it is not turned into an
 * answer here, the caller (editor, CLI) reports it.
 */
export function analyzePolicyText(text: string, options: AnalyzeOptions = {}): AnalysisResult {
  if (typeof text !== 'string') return { kind: 'not-a-policy', findings: [] };
  // A byte order mark read as text: the policy starts after it, and every offset counts it.
  if (text.charCodeAt(0) === 0xfeff) return shifted(analyzeText(text.slice(1), options), 1);
  return analyzeText(text, options);
}

/** The result with every range and edit moved `by` characters (a byte order mark read as text). */
export function shifted(result: AnalysisResult, by: number): AnalysisResult {
  for (const finding of result.findings) {
    finding.range = { offset: finding.range.offset + by, length: finding.range.length };
    finding.fixes = finding.fixes.map((fix) => {
      // Not spread: that would compute the edits of every fix now.
      const moved = { title: fix.title } as PolicyFix;
      if (fix.isPreferred !== undefined) moved.isPreferred = fix.isPreferred;
      let edits: PolicyFix['edits'] | undefined;
      Object.defineProperty(moved, 'edits', {
        enumerable: true,
        configurable: true,
        get: () => (edits ??= fix.edits.map((e) => ({ ...e, offset: e.offset + by }))),
      });
      return moved;
    });
  }
  return result;
}

function notAnalyzedReason(why: ParsedDocument['notAnalyzed'], options: AnalyzeOptions): string {
  if (why && 'length' in why) {
    const limit = groupedCount(options.maxLength ?? 0);
    return `it has ${groupedCount(why.length)} characters, more than the ${limit} analyzed as you type; run "ec2-launch-doctor lint" on it.`;
  }
  return `it nests ${why?.depth ?? 'too many'} levels deep, more than the ${MAX_NESTING_DEPTH} levels the analyzer reads (no policy or template nests that deep).`;
}

function analyzeText(text: string, options: AnalyzeOptions): AnalysisResult {
  const principals = (options.principals ?? []).filter((p) => typeof p === 'string' && p.length > 0);
  const accountId = principalsAccount(options);
  const parsed = parseDocument(text, { accountId, region: options.region, maxLength: options.maxLength });
  const planned = parsed.kind === 'not-a-policy' ? plannedPolicies(parsed.root) : undefined;
  if (planned && planned.length > 0) return analyzePlan(planned, { ...options, principals });
  const editor = new LocalEditor(text, options.formatting ?? detectFormatting(text));
  return analyzeParsed(text, parsed, editor, { ...options, principals });
}

/**
 * A Terraform plan (or state) in JSON: each planned policy string analyzed as the policy it
 * holds, its findings on the string, named by the resource's address, and without fixes.
 */
function analyzePlan(planned: PlannedPolicy[], options: AnalyzeOptions): AnalysisResult {
  const findings: Finding[] = [];
  for (const { address, node, text } of planned) {
    for (const finding of analyzeText(text, { ...options, formatting: undefined }).findings) {
      findings.push({
        ...finding,
        message: `${address}: ${finding.message}`,
        range: { offset: node.offset, length: node.length },
        fixes: [],
      });
    }
  }
  findings.sort((a, b) => a.range.offset - b.range.offset || a.code.localeCompare(b.code));
  return { kind: 'terraform-plan', findings };
}

/** The account the named principals reveal: resolves a template's `AWS::AccountId`. */
export function principalsAccount(options: AnalyzeOptions): string | undefined {
  const principals = (options.principals ?? []).filter((p) => typeof p === 'string' && p.length > 0);
  return principals.map((p) => parsePrincipalArn(p)?.account).find(isAccountId);
}

/**
 * Runs the rules over the policies of a classified document. `editor` makes the fixes'
 * edits in the document's own language (JSON here; YAML and HCL in ./formats).
 */
export function analyzeParsed(
  text: string,
  parsed: ParsedDocument,
  editor: LocalEditor,
  options: AnalyzeOptions,
): AnalysisResult {
  const principals = (options.principals ?? []).filter((p) => typeof p === 'string' && p.length > 0);
  if (parsed.kind === 'not-a-policy') return { kind: 'not-a-policy', findings: [] };
  if (parsed.kind === 'not-analyzed')
    return { kind: 'not-analyzed', findings: [analysisFailedFinding(notAnalyzedReason(parsed.notAnalyzed, options))] };
  const findings: Finding[] = [];
  for (const view of parsed.policies) findings.push(...analyzeView(text, view, { ...options, principals }, editor));
  // Edits on a text that does not parse could not be shown to leave valid JSON: offer none.
  if (parsed.errors.length > 0) for (const f of findings) f.fixes = [];
  findings.sort((a, b) => a.range.offset - b.range.offset || a.code.localeCompare(b.code));
  return { kind: parsed.kind, findings };
}
