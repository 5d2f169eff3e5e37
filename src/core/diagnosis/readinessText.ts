/**
 * Launch readiness in words: the headline, the Markdown page the editor shows, the terminal
 * text and the JSON of `ec2-launch-doctor readiness`. Pure. A readiness answer is a forecast
 * (src/core/diagnosis/predict.ts), never a diagnosis of a failure, so every rendering says
 * "Prediction" first. Every value from AWS (names, ARNs, aliases, reasons) is escaped for the
 * place it lands in, as in the diagnosis report.
 */
import { COMMAND_IDS } from '../commandIds';
import { inertJson, markdownCode, markdownText, oneLine } from './escape';
import type { LaunchPrediction, LaunchSubject, PredictedOutcome } from './predict';
import { readinessArgsOf } from './readinessArgs';
import { commandUri, fixHeading, fixMarkdown, shellLine } from './render';
import type { CallStats, Fix, PrincipalInfo, PrincipalSource } from './types';

/** Where the prediction was made and when: the page's context line. */
export interface ReadinessContext {
  profile: string;
  region: string;
  /** ISO 8601. */
  predictedAt: string;
}

/** The version a launch without one uses: the template's default, as RunInstances and Auto Scaling do. */
const DEFAULT_VERSION = '$Default';

/** The subject in plain words: `Auto Scaling group web`, `launch template web (lt-…) version $Default`. */
export function subjectName(subject: LaunchSubject): string {
  switch (subject.kind) {
    case 'auto-scaling-group':
      return `Auto Scaling group ${subject.groupName}`;
    case 'stopped-instance':
      return `instance ${subject.instanceId}`;
    case 'launch-template': {
      const { id, name, version } = subject.template;
      const named = name && id ? `${name} (${id})` : (name ?? id ?? '');
      return `launch template ${named} version ${version ?? DEFAULT_VERSION}`;
    }
  }
}

/** A short name for a tab: the group, the instance or the template. */
export function subjectShortName(subject: LaunchSubject): string {
  switch (subject.kind) {
    case 'auto-scaling-group':
      return subject.groupName;
    case 'stopped-instance':
      return subject.instanceId;
    case 'launch-template':
      return subject.template.name ?? subject.template.id ?? 'launch template';
  }
}

/** How each outcome ends the headline. */
const OUTCOME_PHRASE: Record<PredictedOutcome, (subject: string, code: string) => string> = {
  'will-launch': (subject) => `${subject} will launch`,
  'will-fail': (subject, code) => `${subject} will fail${code ? ` (${code})` : ''}`,
  unknown: (subject) => `cannot tell whether ${subject} will launch`,
};

/** The headline, plain text: `Prediction: Auto Scaling group web will fail (kms-create-grant-not-allowed)`. */
export function readinessHeadline(prediction: Pick<LaunchPrediction, 'outcome' | 'code' | 'subject'>): string {
  return `Prediction: ${OUTCOME_PHRASE[prediction.outcome](subjectName(prediction.subject), prediction.code ?? '')}`;
}

/** What a prediction is made of, said on every page so that nobody reads it as a diagnosis. */
export const PREDICTION_NOTE =
  'A prediction before launch, not a diagnosis: it weighs the key states, the key policies and the IAM simulation ' +
  'of the launching principal; it reads no CloudTrail and launches nothing.';

/** Where the launching principal came from, in words. */
const PRINCIPAL_SOURCE: Partial<Record<PrincipalSource, string>> = {
  'auto-scaling-group': "the group's service-linked role",
  'caller-identity': 'the identity of the profile',
};

/** The headline with the subject's names as inline code (Markdown). */
function markdownHeadline(prediction: LaunchPrediction): string {
  const s = prediction.subject;
  const subject =
    s.kind === 'auto-scaling-group'
      ? `Auto Scaling group ${markdownCode(s.groupName)}`
      : s.kind === 'stopped-instance'
        ? `instance ${markdownCode(s.instanceId)}`
        : `launch template ${markdownCode(subjectShortName(s))}${s.template.name && s.template.id ? ` (${markdownCode(s.template.id)})` : ''} version ${markdownCode(s.template.version ?? DEFAULT_VERSION)}`;
  const code = prediction.code ? markdownCode(prediction.code) : '';
  return `Prediction: ${OUTCOME_PHRASE[prediction.outcome](subject, code)}`;
}

/** The page's actions: check again, and diagnose the subject where a diagnosis exists for it. */
export function readinessActions(
  prediction: Pick<LaunchPrediction, 'subject'>,
  place: { profile: string; region: string },
): { label: string; target: string }[] {
  // Only these two travel in the links, whatever else the caller's object holds.
  const where = { profile: place.profile, region: place.region };
  const actions = [
    {
      label: 'Check again',
      target: commandUri(COMMAND_IDS.checkLaunchReadiness, readinessArgsOf(prediction.subject, where)),
    },
  ];
  const s = prediction.subject;
  if (s.kind === 'auto-scaling-group')
    actions.push({
      label: 'Diagnose Auto Scaling group',
      target: commandUri(COMMAND_IDS.diagnoseAutoScalingGroup, { ...where, groupName: s.groupName }),
    });
  if (s.kind === 'stopped-instance')
    actions.push({
      label: 'Diagnose instance',
      target: commandUri(COMMAND_IDS.diagnoseStoppedInstance, { ...where, instanceId: s.instanceId }),
    });
  return actions;
}

/**
 * The prediction as a Markdown page: headline, what a prediction is, its reason, the launching
 * principal, the keys with their states, what could not be read, and for `will-fail` the fixes
 * with the same links a diagnosis report has (Open key policy, Copy statement, Create grant,
 * Enable key). `links` adds the `command:` links; without it the page is plain Markdown.
 */
export function readinessMarkdown(
  prediction: LaunchPrediction,
  context: ReadinessContext,
  options: { links?: boolean } = {},
): string {
  const links = options.links === true;
  const where = { profile: context.profile, region: context.region };
  const lines = [
    `# ${markdownHeadline(prediction)}`,
    '',
    `Profile ${markdownCode(context.profile)}, Region ${markdownCode(context.region)}, predicted ${markdownText(context.predictedAt)}.`,
    '',
  ];
  if (links)
    lines.push(
      readinessActions(prediction, where)
        .map((a) => `[${markdownText(a.label)}](${a.target})`)
        .join(' · '),
      '',
    );
  lines.push(`> ${PREDICTION_NOTE}`, '', '## Why', '', markdownText(prediction.reason), '');
  lines.push('## Launching principal', '', ...principalMarkdown(prediction.principal), '');
  lines.push('## Keys', '');
  if (prediction.keys.length === 0) lines.push('No KMS key was described for this launch.', '');
  else {
    lines.push('| Key | Aliases | State | Managed by |', '| --- | --- | --- | --- |');
    for (const key of prediction.keys)
      lines.push(
        `| ${markdownCode(key.arn)} | ${markdownText((key.aliases ?? []).join(', ') || '-')} | ${markdownText(key.state)} | ${markdownText(key.manager)} |`,
      );
    lines.push('');
  }
  if (prediction.unread.length > 0) {
    lines.push('## Could not read', '');
    for (const text of prediction.unread) lines.push(`- ${markdownText(text)}`);
    lines.push('');
  }
  if (prediction.outcome === 'will-fail' && prediction.fixes.length > 0) {
    lines.push('## Fix', '');
    for (const fix of prediction.fixes) lines.push(...fixMarkdown(fix, where, links));
  }
  lines.push('## AWS calls', '', callsSentence(prediction.calls), '');
  return lines.join('\n');
}

function principalMarkdown(principal: PrincipalInfo | undefined): string[] {
  if (!principal) return ['Unknown: who will launch could not be read.'];
  const rows: [string, string][] = [['Principal', principal.arn]];
  if (principal.policyArn && principal.policyArn !== principal.arn) rows.push(['IAM entity', principal.policyArn]);
  rows.push(['From', PRINCIPAL_SOURCE[principal.source] ?? principal.source]);
  if (principal.serviceLinked) rows.push(['Kind', 'service-linked role (its IAM policies cannot be edited)']);
  return ['| | |', '| --- | --- |', ...rows.map(([label, value]) => `| ${label} | ${markdownText(value)} |`)];
}

function callsSentence(calls: CallStats): string {
  const by = Object.entries(calls.byAction)
    .map(([action, n]) => `${action} ×${n}`)
    .join(', ');
  const requests = calls.apiRequests === undefined ? '' : `; ${calls.apiRequests} AWS API request(s) in all`;
  return `${calls.count} call(s) in ${calls.rounds} round(s), ${calls.elapsedMs} ms${by ? ` (${by})` : ''}${requests}.`;
}

/** The prediction as terminal text: every value one inert line (see `oneLine`). */
export function readinessText(prediction: LaunchPrediction, context: ReadinessContext): string {
  const t = oneLine;
  const out = [
    t(readinessHeadline(prediction)),
    `  ${t(prediction.reason)}`,
    `Profile ${t(context.profile)}, region ${t(context.region)}, predicted ${t(context.predictedAt)}.`,
    PREDICTION_NOTE,
    '',
  ];
  const p = prediction.principal;
  out.push(
    p ? `Launching principal: ${t(p.arn)} (${PRINCIPAL_SOURCE[p.source] ?? p.source})` : 'Launching principal: unknown',
  );
  out.push(prediction.keys.length > 0 ? 'Keys:' : 'Keys: none described');
  for (const key of prediction.keys)
    out.push(
      `  ${t(key.arn)}  ${t(key.state)}  ${t(key.manager)}${key.aliases?.length ? `  ${t(key.aliases.join(', '))}` : ''}`,
    );
  if (prediction.unread.length > 0) {
    out.push('Could not read:');
    for (const text of prediction.unread) out.push(`  - ${t(text)}`);
  }
  if (prediction.outcome === 'will-fail')
    for (const fix of prediction.fixes) {
      out.push('', `${fixHeading(fix, t)}:`);
      if (fix.note) out.push(`  Note: ${t(fix.note)}`);
      if (fix.target === 'grant') out.push(`  ${t(shellLine(fix.command))}`);
      else if (fix.target !== 'key-state')
        out.push(
          inertJson(fix.statement, 2)
            .split('\n')
            .map((line) => `  ${line}`)
            .join('\n'),
        );
    }
  out.push('', `AWS calls: ${callsSentence(prediction.calls)}`);
  return out.join('\n');
}

/** The CLI's JSON of a prediction: `kind` is always `prediction`. */
export interface ReadinessJson {
  schemaVersion: 1;
  kind: 'prediction';
  outcome: PredictedOutcome;
  code?: string;
  headline: string;
  reason: string;
  subject: LaunchSubject;
  profile: string;
  region: string;
  predictedAt: string;
  principal?: PrincipalInfo;
  keys: LaunchPrediction['keys'];
  unread: string[];
  fixes: Fix[];
  calls: CallStats;
}

/** The prediction in the CLI's JSON shape (a plain object; print it with `inertJson`). */
export function readinessJson(prediction: LaunchPrediction, context: ReadinessContext): ReadinessJson {
  return {
    schemaVersion: 1,
    kind: 'prediction',
    outcome: prediction.outcome,
    ...(prediction.code ? { code: prediction.code } : {}),
    headline: readinessHeadline(prediction),
    reason: prediction.reason,
    subject: prediction.subject,
    profile: context.profile,
    region: context.region,
    predictedAt: context.predictedAt,
    ...(prediction.principal ? { principal: prediction.principal } : {}),
    keys: prediction.keys,
    unread: prediction.unread,
    fixes: prediction.outcome === 'will-fail' ? prediction.fixes : [],
    calls: prediction.calls,
  };
}
