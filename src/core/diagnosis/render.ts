/**
 * Pure renderings of a report: Markdown for the VS Code preview (with optional command
 * links), plain text for the terminal, and the CLI's JSON shape.
 */
import { COMMAND_IDS } from '../commandIds';
import type { ChangeKeyStateArgs, CopyStatementArgs, InstanceCommandArgs, OpenKeyPolicyArgs } from './commandArgs';
import { inertJson, markdownCode, markdownFence, markdownText, oneLine } from './escape';
import type { DiagnosisReport, DiagnosisStep, Fix, GroupDiagnosisReport, StepId, StepStatus } from './types';

/** Either report: an instance's or an Auto Scaling group's. */
export type AnyReport = DiagnosisReport | GroupDiagnosisReport;

function isGroupReport(report: AnyReport): report is GroupDiagnosisReport {
  return 'subject' in report && report.subject === 'auto-scaling-group';
}

/** The commands the report links to, from the one command table; the report view allows exactly these. */
export const REPORT_COMMANDS = {
  openKeyPolicy: COMMAND_IDS.openKeyPolicy,
  copyStatement: COMMAND_IDS.copyStatement,
  startInstance: COMMAND_IDS.startInstance,
  copyReport: COMMAND_IDS.copyReport,
  changeKeyState: COMMAND_IDS.changeKeyState,
  createGrant: COMMAND_IDS.createGrant,
} as const;

/**
 * A `command:` URI whose single argument is `args`, URL-encoded JSON as VS Code expects.
 * Parentheses are encoded too: a bare `)` would end the Markdown link early.
 */
export function commandUri(command: string, args: unknown): string {
  const encoded = encodeURIComponent(JSON.stringify([args]))
    .replace(/\(/g, '%28')
    .replace(/\)/g, '%29');
  return `command:${command}?${encoded}`;
}

const STATUS_LABEL: Record<StepStatus, string> = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP', error: 'ERROR' };

/**
 * Where a step's heading would mislead with the bare label: the caller step "fails" when KMS
 * refused the caller it found, not when finding the caller failed.
 */
const HEADING_LABEL: Partial<Record<StepId, Partial<Record<StepStatus, string>>>> = {
  principal: { pass: 'FOUND', fail: 'FOUND, AND KMS REFUSED IT', error: 'UNKNOWN' },
};

/**
 * What a fix changes, with each value shown by `value` (inline code in Markdown, plain in a
 * terminal). The diagnosis report and the readiness page word fixes alike.
 */
export function fixHeading(fix: Fix, value: (text: string) => string): string {
  const role = fix.role === 'alternative' ? ' (alternative)' : '';
  switch (fix.target) {
    case 'key-policy':
      return `Add to the key policy of ${value(fix.keyArn)}${role}`;
    case 'identity-policy':
      return `Add to an IAM policy of ${value(fix.principalArn)} (for key ${value(fix.keyArn)})${role}`;
    case 'key-state':
      return `Change the state of key ${value(fix.keyArn)}: ${fix.action.replace(/-/g, ' ')}`;
    case 'grant':
      return `Create a grant on ${value(fix.keyArn)} for ${value(fix.principalArn)} from account ${value(fix.account)}${role}`;
  }
}

function stepMarkdown(step: DiagnosisStep, index: number): string[] {
  // Plain words, no emoji: a webview without an emoji font would show empty boxes.
  const label = HEADING_LABEL[step.id]?.[step.status] ?? STATUS_LABEL[step.status];
  const lines = [`### ${index + 1}. ${step.title}: ${label}`, '', markdownText(step.summary), ''];
  if (step.evidence.length > 0) {
    lines.push('| Evidence | Value |', '| --- | --- |');
    for (const e of step.evidence) lines.push(`| ${markdownText(e.label)} | ${markdownText(e.value)} |`);
    lines.push('');
  }
  if (step.nextStep) lines.push(`*Next step:* ${markdownText(step.nextStep)}`, '');
  return lines;
}

/**
 * The report as Markdown: verdict, fix (as JSON), timeline, evidence per step and the AWS
 * calls made. With `commandLinks`, adds Open key policy, Copy statement, Start instance
 * again and Copy report as `command:` links (the preview must trust them).
 */
export function renderMarkdown(report: AnyReport, options: { commandLinks?: boolean } = {}): string {
  const links = options.commandLinks === true;
  const lines = [
    ...verdictMarkdown(report),
    ...report.fixes.flatMap((fix, i) => [...(i === 0 ? ['## Fix', ''] : []), ...fixMarkdown(fix, report, links)]),
  ];
  if (links && !isGroupReport(report)) lines.push(...reportActionsMarkdown(report));
  if (report.timeline.length > 0) {
    lines.push('## Timeline', '', '| Time | Event | Detail |', '| --- | --- | --- |');
    for (const entry of report.timeline)
      lines.push(
        `| ${markdownText(entry.time)} | ${markdownText(entry.label)} | ${markdownText(entry.detail ?? '')} |`,
      );
    lines.push('');
  }
  lines.push('## Evidence', '');
  report.steps.forEach((step, i) => lines.push(...stepMarkdown(step, i)));
  lines.push('## AWS calls', '', callsSentence(report), '');
  return lines.join('\n');
}

/** The heading, the verdict and what lowered its confidence. */
function verdictMarkdown(report: AnyReport): string[] {
  const { verdict } = report;
  const heading = isGroupReport(report)
    ? [
        `# Why Auto Scaling group ${markdownCode(report.groupName)} fails to launch`,
        '',
        `Profile ${markdownCode(report.profile)}, Region ${markdownCode(report.region)}, diagnosed ${report.generatedAt}.`,
      ]
    : [
        `# Why ${markdownCode(report.instanceId)}${report.instance?.name ? ` (${markdownText(report.instance.name)})` : ''} stopped`,
        '',
        `Profile ${markdownCode(report.profile)}, Region ${markdownCode(report.region)}, ${report.instance ? `state **${markdownText(report.instance.state)}**` : 'state unknown'}, diagnosed ${report.generatedAt}.`,
      ];
  const lines: string[] = [
    ...heading,
    '',
    `## Verdict: ${markdownText(verdict.title)}`,
    '',
    `**${markdownCode(verdict.code)}**, confidence **${verdict.confidence}**`,
    '',
    markdownText(verdict.summary),
    '',
    `**Next step:** ${markdownText(verdict.nextStep)}`,
    '',
  ];
  if (verdict.caveats.length > 0) {
    lines.push('**Confidence lowered because:**', '');
    for (const caveat of verdict.caveats) lines.push(`- ${markdownText(caveat)}`);
    lines.push('');
  }
  return lines;
}

/**
 * One fix: where it goes, its note, its statement as JSON or its key state change, and its
 * links (each command asks before it writes). `where` is the profile and region the links act in.
 */
export function fixMarkdown(fix: Fix, where: { profile: string; region: string }, links: boolean): string[] {
  const lines = [`### ${fixHeading(fix, markdownCode)}`, ''];
  if (fix.note) lines.push(`> ${markdownText(fix.note)}`, '');
  if (fix.target === 'key-state') {
    if (links && (fix.action === 'enable-key' || fix.action === 'cancel-key-deletion')) {
      const args: ChangeKeyStateArgs = { profile: where.profile, keyArn: fix.keyArn, action: fix.action };
      const label = fix.action === 'enable-key' ? 'Enable key' : 'Cancel key deletion';
      lines.push(`[${label}](${commandUri(REPORT_COMMANDS.changeKeyState, args)})`, '');
    }
    return lines;
  }
  if (fix.target === 'grant') {
    lines.push(...markdownFence(oneLine(shellLine(fix.command)), 'sh'), '');
    // The editor command asks before it calls KMS, naming the key, the grantee and the profile.
    if (links) lines.push(`[Create grant](${commandUri(REPORT_COMMANDS.createGrant, fix.args)})`, '');
    return lines;
  }
  lines.push(...markdownFence(inertJson(fix.statement, 2), 'json'), '');
  if (!links) return lines;
  const actions: string[] = [];
  if (fix.target === 'key-policy') {
    const args: OpenKeyPolicyArgs = {
      profile: where.profile,
      region: where.region,
      keyArn: fix.keyArn,
      principalArn: fix.principalArn,
    };
    actions.push(`[Open key policy](${commandUri(REPORT_COMMANDS.openKeyPolicy, args)})`);
  }
  const copy: CopyStatementArgs = { statement: fix.statement, target: fix.target };
  actions.push(`[Copy statement](${commandUri(REPORT_COMMANDS.copyStatement, copy)})`);
  lines.push(actions.join(' · '), '');
  return lines;
}

/** Start instance again (for a stopped instance) and Copy report. */
function reportActionsMarkdown(report: DiagnosisReport): string[] {
  const instanceArgs: InstanceCommandArgs = {
    profile: report.profile,
    region: report.region,
    instanceId: report.instanceId,
  };
  const actions: string[] = [];
  if (report.instance && report.instance.state === 'stopped')
    actions.push(`[Start instance again](${commandUri(REPORT_COMMANDS.startInstance, instanceArgs)})`);
  actions.push(`[Copy report](${commandUri(REPORT_COMMANDS.copyReport, instanceArgs)})`);
  return [actions.join(' · '), ''];
}

function callsSentence(report: AnyReport): string {
  const { calls } = report;
  const by = Object.entries(calls.byAction)
    .map(([action, n]) => `${action} ×${n}`)
    .join(', ');
  const requests = calls.apiRequests === undefined ? '' : `; ${calls.apiRequests} AWS API request(s) in all`;
  return `${calls.count} call(s) in ${calls.rounds} round(s), ${calls.elapsedMs} ms${by ? ` (${by})` : ''}${requests}.`;
}

/**
 * An argument list as one POSIX shell line: every argument that is not plainly safe is
 * single-quoted, so a hostile key ARN or role name cannot become shell syntax.
 */
export function shellLine(argv: readonly string[]): string {
  return argv.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ');
}

function indent(text: string, by: string): string {
  return text
    .split('\n')
    .map((line) => `${by}${line}`)
    .join('\n');
}

/**
 * The report as plain text for a terminal. Every value is one inert line (see `oneLine`):
 * data cannot add lines, clear the screen or set the window title; the statement is JSON
 * whose controls are escapes.
 */
export function renderText(report: AnyReport): string {
  const t = oneLine;
  const { verdict } = report;
  const subject = isGroupReport(report)
    ? `Auto Scaling group ${t(report.groupName)}`
    : `${t(report.instanceId)}${report.instance?.name ? ` (${t(report.instance.name)})` : ''}`;
  const out: string[] = [
    `EC2 Launch Doctor: ${subject} in ${t(report.region)}, profile ${t(report.profile)}`,
    '',
    `Verdict: ${verdict.code} (confidence: ${verdict.confidence})`,
    `  ${t(verdict.title)}`,
    `  ${t(verdict.summary)}`,
    `Next step: ${t(verdict.nextStep)}`,
  ];
  for (const caveat of verdict.caveats) out.push(`Caveat: ${t(caveat)}`);
  for (const fix of report.fixes) {
    out.push('', `${fixHeading(fix, t)}:`);
    if (fix.note) out.push(`  Note: ${t(fix.note)}`);
    if (fix.target === 'grant') out.push(`  ${t(shellLine(fix.command))}`);
    else if (fix.target !== 'key-state') out.push(indent(inertJson(fix.statement, 2), '  '));
  }
  if (report.timeline.length > 0) {
    out.push('', 'Timeline:');
    for (const entry of report.timeline)
      out.push(`  ${t(entry.time)}  ${t(entry.label)}${entry.detail ? `  ${t(entry.detail)}` : ''}`);
  }
  out.push('', 'Steps:');
  report.steps.forEach((step, i) => {
    out.push(`  [${STATUS_LABEL[step.status]}] ${i + 1}. ${t(step.title)}: ${t(step.summary)}`);
    for (const e of step.evidence) out.push(`      - ${t(e.label)}: ${t(e.value)}`);
    if (step.nextStep) out.push(`      Next: ${t(step.nextStep)}`);
  });
  out.push('', `AWS calls: ${callsSentence(report)}`);
  return out.join('\n');
}

/** The CLI's JSON: `verdict.code`, `verdict.confidence`, `steps[]` (name, status, evidence) and `fix`. */
export interface DiagnosisJson {
  schemaVersion: 1;
  /** What the report is about; a group's report carries `auto-scaling-group` (see `GroupDiagnosisJson`). */
  subject: 'instance';
  instance: {
    id: string;
    profile: string;
    region: string;
    name?: string;
    state?: string;
    stateReason?: { code: string; message: string };
    stateReasonKind?: string;
  };
  generatedAt: string;
  verdict: DiagnosisReport['verdict'];
  steps: {
    name: string;
    title: string;
    status: StepStatus;
    summary: string;
    evidence: { label: string; value: string }[];
    nextStep?: string;
  }[];
  /** The fix to apply first, or null when there is no statement or key change to make. */
  fix: Fix | null;
  fixes: Fix[];
  timeline: DiagnosisReport['timeline'];
  principal: DiagnosisReport['principal'] | null;
  keys: DiagnosisReport['keys'];
  calls: DiagnosisReport['calls'];
}

/** The JSON fields an instance's report and a group's report share. */
function reportJsonFields(report: AnyReport): Omit<DiagnosisJson, 'schemaVersion' | 'subject' | 'instance'> {
  return {
    generatedAt: report.generatedAt,
    verdict: report.verdict,
    steps: report.steps.map((step) => ({
      name: step.id,
      title: step.title,
      status: step.status,
      summary: step.summary,
      evidence: step.evidence.map((e) => ({ label: e.label, value: e.value })),
      ...(step.nextStep ? { nextStep: step.nextStep } : {}),
    })),
    fix: report.fixes[0] ?? null,
    fixes: report.fixes,
    timeline: report.timeline,
    principal: report.principal ?? null,
    keys: report.keys,
    calls: report.calls,
  };
}

/** The report in the CLI's JSON shape (a plain object; the caller stringifies it). */
export function toJson(report: DiagnosisReport): DiagnosisJson {
  return {
    schemaVersion: 1,
    subject: 'instance',
    instance: {
      id: report.instanceId,
      profile: report.profile,
      region: report.region,
      ...(report.instance?.name ? { name: report.instance.name } : {}),
      ...(report.instance ? { state: report.instance.state, stateReasonKind: report.instance.stateReasonKind } : {}),
      ...(report.instance?.stateReason ? { stateReason: report.instance.stateReason } : {}),
    },
    ...reportJsonFields(report),
  };
}

/**
 * The CLI's JSON as text: `toJson` stringified with two-space indents, every control,
 * line separator and bidi override inside a string written as a `\uXXXX` escape, so a
 * terminal shows it inertly and a parser reads back the same value.
 */
export function jsonText(report: AnyReport): string {
  return inertJson(isGroupReport(report) ? groupToJson(report) : toJson(report), 2);
}

/** A group's report in the CLI's JSON: the same fields as an instance's, with `group` instead of `instance`. */
export interface GroupDiagnosisJson extends Omit<DiagnosisJson, 'subject' | 'instance'> {
  subject: 'auto-scaling-group';
  group: { name: string; profile: string; region: string } & Partial<NonNullable<GroupDiagnosisReport['group']>>;
}

/** A group's report in the CLI's JSON shape (a plain object). */
export function groupToJson(report: GroupDiagnosisReport): GroupDiagnosisJson {
  return {
    schemaVersion: 1,
    subject: 'auto-scaling-group',
    group: { ...(report.group ?? {}), name: report.groupName, profile: report.profile, region: report.region },
    ...reportJsonFields(report),
  };
}
