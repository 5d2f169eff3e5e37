import * as vscode from 'vscode';
import type { AwsFailure, InstanceStateName, InstanceSummary, ProfileSummary } from '../../core/model';
import { stoppedAtLaunch } from '../../core/explorer/regionSummary';
import { classifyStateReason } from '../../core/stateReason';
import { COMMANDS } from '../commands';
import { escapeMarkdown } from '../markdown';

/** `contextValue`s; package.json `when` clauses match on these exact strings. */
export const CONTEXT = {
  profile: 'profile',
  region: 'region',
  instanceRunning: 'instance.running',
  instanceStopped: 'instance.stopped',
  instanceStoppedAtLaunch: 'instance.stopped.atLaunch',
  /** RunInstances failed: diagnosable, but nothing to start. */
  instanceTerminatedAtLaunch: 'instance.terminated.atLaunch',
  instanceOther: 'instance.other',
  error: 'error',
  errorExpiredSession: 'error.expiredSession',
  message: 'message',
} as const;

/** Tree nodes are plain data; TreeItems are built from them in toTreeItem. */
export type ExplorerNode = ProfileNode | RegionNode | InstanceNode | ErrorNode | MessageNode;

export interface ProfileNode {
  type: 'profile';
  profile: ProfileSummary;
  accountId?: string;
}

export interface RegionNode {
  type: 'region';
  profile: string;
  region: string;
  instances: InstanceNode[];
  /** What the region node says about its (unfiltered) instances. */
  counts: string;
}

export interface InstanceNode {
  type: 'instance';
  profile: string;
  region: string;
  instance: InstanceSummary;
}

export interface ErrorNode {
  type: 'error';
  profile: string;
  /** The profile signs in with SSO: expired credentials mean `aws sso login`. */
  sso: boolean;
  region?: string;
  failure: AwsFailure;
}

export interface MessageNode {
  type: 'message';
  label: string;
  description?: string;
}

const STATE_ICONS: Record<InstanceStateName, [string, string?]> = {
  running: ['vm-running', 'charts.green'],
  stopped: ['vm-outline'],
  pending: ['loading~spin'],
  stopping: ['loading~spin'],
  'shutting-down': ['loading~spin'],
  terminated: ['trash', 'disabledForeground'],
};

/** Builds the TreeItem for a node. Pure apart from the VS Code value classes. */
export function toTreeItem(node: ExplorerNode): vscode.TreeItem {
  switch (node.type) {
    case 'profile': {
      const item = new vscode.TreeItem(node.profile.name, vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `profile:${node.profile.name}`;
      const account = node.accountId ?? node.profile.accountId;
      item.description = [account, signInLabel(node.profile.signIn)].filter(Boolean).join(' · ');
      item.iconPath = new vscode.ThemeIcon('account');
      item.contextValue = CONTEXT.profile;
      item.tooltip = `Profile ${node.profile.name}${account ? `\nAccount ${account}` : ''}\nSign-in: ${signInLabel(node.profile.signIn)}${node.profile.region ? `\nDefault region ${node.profile.region}` : ''}`;
      return item;
    }
    case 'region': {
      const item = new vscode.TreeItem(node.region, vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `region:${node.profile}:${node.region}`;
      item.description = node.counts;
      item.iconPath = new vscode.ThemeIcon('globe');
      item.contextValue = CONTEXT.region;
      return item;
    }
    case 'instance':
      return instanceItem(node);
    case 'error': {
      const item = new vscode.TreeItem(errorLabel(node), vscode.TreeItemCollapsibleState.None);
      item.id = `error:${node.profile}:${node.region ?? ''}`;
      item.description = node.region ? `${node.region}: ${node.failure.nextStep}` : node.failure.nextStep;
      item.tooltip = new vscode.MarkdownString(
        `**${errorLabel(node)}**${node.region ? ` in ${node.region}` : ''}\n\n${node.failure.message}\n\n*Next step:* ${node.failure.nextStep}`,
      );
      item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'));
      const ssoExpired = node.sso && node.failure.kind === 'expired-credentials';
      item.contextValue = ssoExpired ? CONTEXT.errorExpiredSession : CONTEXT.error;
      item.command = ssoExpired
        ? { command: COMMANDS.ssoLogin, title: 'Sign in', arguments: [node] }
        : { command: COMMANDS.showLog, title: 'Show details' };
      return item;
    }
    case 'message': {
      const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
      item.description = node.description;
      item.contextValue = CONTEXT.message;
      item.iconPath = new vscode.ThemeIcon('info');
      return item;
    }
  }
}

function instanceItem(node: InstanceNode): vscode.TreeItem {
  const i = node.instance;
  const failedLaunch = stoppedAtLaunch(i);
  const item = new vscode.TreeItem(i.name ?? i.id, vscode.TreeItemCollapsibleState.None);
  item.id = `instance:${node.profile}:${node.region}:${i.id}`;
  item.description = failedLaunch ? `${i.state} at launch · ${i.stateReason?.code ?? ''}` : i.name ? `${i.state} · ${i.id}` : i.state;
  const [icon, color] = failedLaunch ? ['warning', 'problemsWarningIcon.foreground'] : STATE_ICONS[i.state] ?? ['vm'];
  item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
  item.contextValue = failedLaunch
    ? i.state === 'terminated'
      ? CONTEXT.instanceTerminatedAtLaunch
      : CONTEXT.instanceStoppedAtLaunch
    : i.state === 'stopped'
      ? CONTEXT.instanceStopped
      : i.state === 'running'
        ? CONTEXT.instanceRunning
        : CONTEXT.instanceOther;
  item.tooltip = instanceTooltip(node);
  return item;
}

/** The Markdown tooltip: everything a person checks before acting on the instance. */
export function instanceTooltip(node: InstanceNode): vscode.MarkdownString {
  const i = node.instance;
  const md = new vscode.MarkdownString();
  md.appendMarkdown(`**${escapeMarkdown(i.name ?? i.id)}** \`${i.id}\`\n\n`);
  const rows: [string, string | undefined][] = [
    ['State', i.state],
    ['Type', i.instanceType],
    ['Availability Zone', i.availabilityZone],
    ['Launch time', i.launchTime],
    ['State reason', i.stateReason ? `${i.stateReason.code}: ${i.stateReason.message}` : undefined],
    ['Transition', i.stateTransitionReason || undefined],
    ['Volumes', i.blockDevices.map((b) => `${b.deviceName} ${b.volumeId ?? ''}`.trim()).join(', ') || undefined],
    ['Profile / region', `${node.profile} / ${node.region}`],
  ];
  for (const [label, value] of rows) if (value) md.appendMarkdown(`- ${label}: ${escapeMarkdown(value)}\n`);
  if (stoppedAtLaunch(i)) {
    const c = classifyStateReason(i.stateReason, i.state);
    md.appendMarkdown(`\n$(warning) ${escapeMarkdown(c.summary)}\n\n${escapeMarkdown(c.nextStep)}\n`);
  }
  md.supportThemeIcons = true;
  return md;
}

function errorLabel({ failure, sso }: ErrorNode): string {
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
      return 'Network error';
    case 'cancelled':
      return 'Cancelled';
    default:
      return 'Error';
  }
}

function signInLabel(kind: ProfileSummary['signIn']): string {
  const labels: Record<ProfileSummary['signIn'], string> = {
    'static-keys': 'access keys',
    'assume-role': 'assume role',
    'credential-process': 'credential process',
    sso: 'SSO',
    'sso-legacy': 'SSO (legacy)',
    'web-identity': 'web identity',
    unknown: 'unknown sign-in',
  };
  return labels[kind];
}

