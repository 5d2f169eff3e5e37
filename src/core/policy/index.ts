/** Public surface of the policy analyzer: evaluation, findings, fixes, output formats. */
export {
  evaluatePolicy,
  evaluateCreateGrant,
  createGrantVerdict,
  ec2GrantRequest,
  authorizeKmsRequest,
  compilePolicy,
  policyStatements,
  stringList,
  actionMatches,
  accountOfPrincipal,
  accountOfKeyArn,
  type RequestContext,
  type Decision,
  type MatchedStatement,
  type PolicyEvaluation,
  type CompiledPolicy,
  type CreateGrantVerdict,
  type CreateGrantResult,
  type GrantRequestOptions,
} from './evaluate';
export { parsePrincipalArn, type ParsedPrincipal } from './match';
export { analyzePolicyText, type AnalyzeOptions, type AnalysisResult } from './analyze';
export { type DocumentKind } from './document';
export { FINDING_CODES, FINDING_SEVERITY, FINDING_TITLES, isFindingCode, type Finding, type FindingCode, type PolicyFix, type Severity } from './findings';
export {
  keyPolicyGrantStatement,
  identityPolicyGrantStatement,
  delegationStatement,
  insertStatementEdits,
  applyEdits,
  detectFormatting,
  KEY_ARN_PLACEHOLDER,
  type TextEdit,
  type FormattingOptions,
} from './fixes';
export { KEY_POLICY_SIZE_LIMIT } from './rules';
export { lineStarts, positionAt, formatText, formatJson, formatSarif, type Position, type LintedFile } from './output';
