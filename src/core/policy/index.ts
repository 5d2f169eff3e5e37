/** Public surface of the policy analyzer: evaluation, findings, fixes, output formats. */
export {
  evaluatePolicy,
  evaluateCreateGrant,
  ec2GrantRequest,
  policyStatements,
  stringList,
  type RequestContext,
  type Decision,
  type MatchedStatement,
  type PolicyEvaluation,
  type CompiledPolicy,
  type CreateGrantVerdict,
  type CreateGrantResult,
  type GrantRequestOptions,
} from './evaluate';
// The diagnosis layer takes principal parsing from here; the module is src/core/arn.ts.
export { parsePrincipalArn, type ParsedPrincipal } from '../arn';
export { analyzePolicyText, type AnalyzeOptions, type AnalysisResult } from './analyze';
export { orphanedPrincipalIds } from './orphanedPrincipalRules';
export { type DocumentKind } from './document';
export {
  analysisFailedFinding,
  FINDING_CODES,
  FINDING_SEVERITY,
  FINDING_TITLES,
  type Finding,
  type FindingCode,
  type PolicyFix,
  type Severity,
} from './findings';
export {
  keyPolicyGrantStatement,
  identityPolicyGrantStatement,
  delegationStatement,
  detectFormatting,
  type TextEdit,
  type FormattingOptions,
} from './fixes';
export { KEY_POLICY_SIZE_LIMIT, MAX_ANALYZED_TEXT_LENGTH, utf8ByteLength } from './limits';
export { formatText, formatJson, formatSarif, type Position, type LintedFile } from './output';
