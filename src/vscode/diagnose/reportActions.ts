// The actions line at the top of a report: where each edit goes, starting again, diagnosing
// again and copying. No `vscode` import: which links a report gets is tested in plain mocha.
import { parsePrincipalArn } from '../../core/arn';
import { COMMAND_IDS } from '../../core/commandIds';
import { iamPrincipalConsoleUrl } from '../../core/console';
import type { ChangeKeyStateArgs, FixInCodeArgs, OpenKeyPolicyArgs } from '../../core/diagnosis/commandArgs';
import { markdownText } from '../../core/diagnosis/escape';
import { commandUri } from '../../core/diagnosis/render';
import type { DiagnosisReport, GroupDiagnosisReport, VerdictCode } from '../../core/diagnosis/types';

/** Verdicts whose fix is an edit of the key policy even when the report carries no statement to add (a Deny to narrow). */
const KEY_POLICY_EDIT_VERDICTS: ReadonlySet<VerdictCode> = new Set<VerdictCode>([
  'kms-create-grant-explicit-deny',
  'kms-create-grant-not-allowed',
]);

/** The Diagnose again link's target: the report's instance, as the diagnose command takes it. */
export function diagnoseAgainUri(report: DiagnosisReport): string {
  return commandUri(COMMAND_IDS.diagnoseStoppedInstance, {
    profile: report.profile,
    region: report.region,
    instanceId: report.instanceId,
    ...(report.instance?.name ? { name: report.instance.name } : {}),
  });
}

/** One link of the actions line. */
export interface ReportAction {
  label: string;
  /** A `command:` URI (the view allows exactly its commands) or an https console page. */
  target: string;
  /** Plain text after the link, in parentheses. */
  note?: string;
}

/** A file of the workspace that defines the report's key (see src/core/policy/keyDefinitions.ts). */
export interface KeyDefinitionLink {
  /** Workspace-relative path. */
  path: string;
}

/** The key policy edit a report's fix is, if any: the key, and the principal it is for. */
export function keyPolicyEditOf(report: DiagnosisReport): { keyArn: string; principalArn?: string } | undefined {
  const keyFix = report.fixes.find((f) => f.target === 'key-policy');
  const keyArn =
    keyFix?.keyArn ?? (KEY_POLICY_EDIT_VERDICTS.has(report.verdict.code) ? report.verdict.keyArn : undefined);
  if (!keyArn) return undefined;
  const principalArn = keyFix?.target === 'key-policy' ? keyFix.principalArn : report.verdict.principalArn;
  return principalArn ? { keyArn, principalArn } : { keyArn };
}

/**
 * The report's actions, first to last: Open key policy wherever the fix is a key policy edit
 * (a statement to add, or a Deny to remove or narrow), preceded by Fix in <file> for each file
 * of `definitions` (the key is managed as code: the live edit would drift), the IAM page of the principal when the
 * fix is an IAM edit, Start instance again for a stopped instance, Diagnose again, Copy report.
 */
export function reportActions(report: DiagnosisReport, definitions: readonly KeyDefinitionLink[] = []): ReportAction[] {
  const actions: ReportAction[] = [];
  const edit = keyPolicyEditOf(report);
  if (edit) {
    for (const { path } of definitions) {
      const args: FixInCodeArgs = { ...edit, path };
      actions.push({ label: `Fix in ${path}`, target: commandUri(COMMAND_IDS.fixInCode, args) });
    }
    const args: OpenKeyPolicyArgs = { profile: report.profile, region: report.region, ...edit };
    const drifts = definitions[0] ? { note: `drifts from ${definitions[0].path}` } : {};
    actions.push({ label: 'Open key policy', target: commandUri(COMMAND_IDS.openKeyPolicy, args), ...drifts });
  }
  const identityFix = report.fixes.find((f) => f.target === 'identity-policy');
  const iamEdit =
    identityFix?.principalArn ??
    (report.verdict.code === 'kms-create-grant-explicit-deny' ? report.principal?.policyArn : undefined);
  const iamPage = iamEdit ? iamPrincipalConsoleUrl(report.region, iamEdit) : undefined;
  if (iamPage) actions.push({ label: 'Open IAM policies of the principal', target: iamPage });
  const instance = { profile: report.profile, region: report.region, instanceId: report.instanceId };
  if (report.instance?.state === 'stopped') {
    actions.push({ label: 'Start instance again', target: commandUri(COMMAND_IDS.startInstance, instance) });
  }
  actions.push({ label: 'Diagnose again', target: diagnoseAgainUri(report) });
  actions.push({ label: 'Copy report', target: commandUri(COMMAND_IDS.copyReport, instance) });
  return actions;
}

/** The actions as one Markdown line; a label or note naming a file is escaped like any data. */
export function actionsMarkdown(actions: readonly ReportAction[]): string {
  return actions
    .map((a) => `[${markdownText(a.label)}](${a.target})${a.note ? ` (${markdownText(a.note)})` : ''}`)
    .join(' · ');
}

/** A principal ARN by its short name: `role Operator`, `user alice`; anything else as it is. */
function principalName(arn: string): string {
  const parsed = arn.startsWith('arn:') ? parsePrincipalArn(arn) : undefined;
  if ((parsed?.kind === 'assumed-role' || parsed?.kind === 'role') && parsed.roleName) return `role ${parsed.roleName}`;
  if (parsed?.kind === 'user') return `user ${arn.split('/').pop() ?? arn}`;
  return arn;
}

/** A key by its first alias, else its id. */
function keyName(report: Pick<DiagnosisReport, 'keys'>, keyArn: string): string {
  const key = (report.keys ?? []).find((k) => k.arn === keyArn || k.keyId === keyArn);
  return key?.aliases?.[0] ?? key?.keyId ?? keyArn.split('/').pop() ?? keyArn;
}

/**
 * The verdict in one line with names instead of ARNs: the instance by its Name tag, the
 * principal by its role or user name, the key by its alias. Plain text (escaped by the caller).
 */
export function verdictLine(report: DiagnosisReport): string {
  const instance = report.instance?.name ? `${report.instance.name} (${report.instanceId})` : report.instanceId;
  const parts = [`${instance}: ${report.verdict.title}`];
  const who = report.verdict.principalArn ?? report.principal?.arn;
  if (who) parts.push(`for ${principalName(who)}`);
  if (report.verdict.keyArn) parts.push(`on key ${keyName(report, report.verdict.keyArn)}`);
  return `${parts.join(' ')}.`;
}

/**
 * A group report's actions, first to last: its first fix's own action (Open key policy for a
 * key policy statement, Create grant for a grant, Enable key or Cancel key deletion), then
 * Diagnose again and Check launch readiness (the prediction that says whether the group's
 * next launch gets its keys, e.g. after the fix).
 */
export function groupReportActions(report: GroupDiagnosisReport): ReportAction[] {
  const actions: ReportAction[] = [];
  const where = { profile: report.profile, region: report.region };
  const keyFix = report.fixes.find((f) => f.target === 'key-policy');
  if (keyFix) {
    const args: OpenKeyPolicyArgs = { ...where, keyArn: keyFix.keyArn, principalArn: keyFix.principalArn };
    actions.push({ label: 'Open key policy', target: commandUri(COMMAND_IDS.openKeyPolicy, args) });
  }
  const grant = report.fixes.find((f) => f.target === 'grant');
  if (grant) actions.push({ label: 'Create grant', target: commandUri(COMMAND_IDS.createGrant, grant.args) });
  const state = report.fixes.find((f) => f.target === 'key-state');
  if (state?.action === 'enable-key' || state?.action === 'cancel-key-deletion') {
    const args: ChangeKeyStateArgs = { profile: report.profile, keyArn: state.keyArn, action: state.action };
    const label = state.action === 'enable-key' ? 'Enable key' : 'Cancel key deletion';
    actions.push({ label, target: commandUri(COMMAND_IDS.changeKeyState, args) });
  }
  const group = { ...where, groupName: report.groupName };
  actions.push({ label: 'Diagnose again', target: commandUri(COMMAND_IDS.diagnoseAutoScalingGroup, group) });
  actions.push({ label: 'Check launch readiness', target: commandUri(COMMAND_IDS.checkLaunchReadiness, group) });
  return actions;
}

/** A group's verdict in one line with names instead of ARNs. Plain text (escaped by the caller). */
export function groupVerdictLine(report: GroupDiagnosisReport): string {
  const parts = [`Auto Scaling group ${report.groupName}: ${report.verdict.title}`];
  const who = report.verdict.principalArn ?? report.principal?.arn;
  if (who) parts.push(`for ${principalName(who)}`);
  if (report.verdict.keyArn) parts.push(`on key ${keyName(report, report.verdict.keyArn)}`);
  return `${parts.join(' ')}.`;
}
