// The tree's labels and tooltips as plain text and Markdown source. No `vscode` import (the
// nodes are imported for their types only): the escaping is tested in plain mocha.
import { stoppedAtLaunch } from '../../core/explorer/regionSummary';
import { isInstanceId } from '../../core/ids';
import type { ProfileSummary } from '../../core/model';
import { classifyStateReason } from '../../core/stateReason';
import { escapeIcons, escapeMarkdown } from '../markdown';
import type { ErrorNode, InstanceNode } from './nodes';

/**
 * Text for Markdown rendered with theme icons on: `$(` is escaped first (as VS Code's own
 * MarkdownString.appendText does), then the Markdown, backslashes included, so the icon
 * escape survives Markdown's unescaping.
 */
function escapeWithIcons(text: string): string {
  return escapeMarkdown(escapeIcons(text));
}

/**
 * A state reason in one line: EC2's message usually starts with the code already
 * ("Client.InternalError: Client error on launch"), so the code is not said twice.
 */
export function stateReasonText(reason: { code: string; message: string }): string {
  const message = reason.message.trim();
  if (!message || message === reason.code) return reason.code;
  return message.startsWith(reason.code) ? message : `${reason.code}: ${message}`;
}

/**
 * The Markdown of an instance's tooltip: everything a person checks before acting on it.
 * It is rendered with theme icons on (for the warning sign), so every value from AWS is
 * escaped for both: a Name tag `$(icon) **x** [y](command:z)` shows as typed.
 */
export function instanceTooltipMarkdown(node: InstanceNode): string {
  const i = node.instance;
  const rows: [string, string | undefined][] = [
    ['State', i.state],
    ['Type', i.instanceType],
    ['Availability Zone', i.availabilityZone],
    ['Launch time', i.launchTime],
    ['State reason', i.stateReason ? stateReasonText(i.stateReason) : undefined],
    ['Transition', i.stateTransitionReason || undefined],
    ['Volumes', i.blockDevices.map((b) => `${b.deviceName} ${b.volumeId ?? ''}`.trim()).join(', ') || undefined],
    ['Profile / region', `${node.profile} / ${node.region}`],
  ];
  const id = isInstanceId(i.id) ? `\`${i.id}\`` : escapeWithIcons(i.id);
  let md = `**${escapeWithIcons(i.name ?? i.id)}** ${id}\n\n`;
  for (const [label, value] of rows) if (value) md += `- ${label}: ${escapeWithIcons(value)}\n`;
  if (stoppedAtLaunch(i)) {
    const c = classifyStateReason(i.stateReason, i.state);
    md += `\n$(warning) ${escapeWithIcons(c.summary)}\n\n${escapeWithIcons(c.nextStep)}\n`;
  }
  return md;
}

/** The Markdown of an error node's tooltip; the failure's texts come from AWS and are escaped. */
export function errorTooltipMarkdown(node: ErrorNode): string {
  const where = node.region ? ` in ${escapeMarkdown(node.region)}` : '';
  // `aws sso login` is a command of AWS CLI version 2 only: say so where it is advised.
  const cliNote =
    node.sso && node.failure.kind === 'expired-credentials' ? '\n\n`aws sso login` needs AWS CLI version 2.' : '';
  return (
    `**${escapeMarkdown(errorLabel(node))}**${where}\n\n` +
    `${escapeMarkdown(node.failure.message)}\n\n*Next step:* ${escapeMarkdown(node.failure.nextStep)}${cliNote}`
  );
}

/** The label of an error node: what went wrong, in a few words. */
export function errorLabel({ failure, sso }: ErrorNode): string {
  switch (failure.kind) {
    case 'expired-credentials':
      return sso ? 'Session expired' : 'Credentials expired';
    case 'no-credentials':
      return 'No credentials';
    case 'access-denied':
      return failure.action ? `Access denied (${failure.action})` : 'Access denied';
    case 'region-disabled':
      return 'Region not enabled';
    case 'throttled':
      return 'Throttled';
    case 'network':
      return failure.code === 'TimeoutError' ? 'Timed out' : 'Network error';
    case 'cancelled':
      return 'Cancelled';
    default:
      return 'Error';
  }
}

const SIGN_IN_LABELS: Record<ProfileSummary['signIn'], string> = {
  'static-keys': 'access keys',
  'assume-role': 'assume role',
  'credential-process': 'credential process',
  sso: 'SSO',
  'sso-legacy': 'SSO (legacy)',
  'web-identity': 'web identity',
  unknown: 'unknown sign-in',
};

/** How a profile signs in, as the profile node says it. */
export function signInLabel(kind: ProfileSummary['signIn']): string {
  return SIGN_IN_LABELS[kind] ?? SIGN_IN_LABELS.unknown;
}
