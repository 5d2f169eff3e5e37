import * as vscode from 'vscode';
import { COMMAND_IDS } from '../../core/commandIds';
import { CONTEXT, instanceContext } from '../../core/explorer/contextValues';
import { stoppedAtLaunch } from '../../core/explorer/regionSummary';
import type { AwsFailure, InstanceStateName, InstanceSummary, ProfileSummary } from '../../core/model';
import { groupItem, groupsFolderItem } from './groupItems';
import type { GroupNode, GroupsFolderNode } from './groupNodes';
import { errorLabel, errorTooltipMarkdown, instanceTooltipMarkdown, signInLabel } from './tooltips';

/** Tree nodes are plain data; TreeItems are built from them in toTreeItem. */
export type ExplorerNode =
  ProfileNode | RegionNode | InstanceNode | ErrorNode | MessageNode | GroupsFolderNode | GroupNode;

export interface ProfileNode {
  type: 'profile';
  profile: ProfileSummary;
  accountId?: string;
  /** Instances stopped at launch in the regions listed so far (known once the profile was expanded). */
  stoppedAtLaunch?: number;
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
  /** A region still being listed shows a spinner; other messages an info sign. */
  busy?: boolean;
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
    case 'profile':
      return profileItem(node);
    case 'region': {
      const item = new vscode.TreeItem(node.region, vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `region:${node.profile}:${node.region}`;
      item.description = node.counts;
      // A region holding instances stopped at launch is marked like those instances.
      item.iconPath = node.instances.some((i) => stoppedAtLaunch(i.instance))
        ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'))
        : new vscode.ThemeIcon('globe');
      item.contextValue = CONTEXT.region;
      return item;
    }
    case 'instance':
      return instanceItem(node);
    case 'error':
      return errorItem(node);
    case 'groups':
      return groupsFolderItem(node);
    case 'group':
      return groupItem(node);
    case 'message': {
      const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
      item.description = node.description;
      item.contextValue = CONTEXT.message;
      item.iconPath = new vscode.ThemeIcon(node.busy ? 'loading~spin' : 'info');
      return item;
    }
  }
}

function profileItem(node: ProfileNode): vscode.TreeItem {
  const item = new vscode.TreeItem(node.profile.name, vscode.TreeItemCollapsibleState.Collapsed);
  item.id = `profile:${node.profile.name}`;
  const account = node.accountId ?? node.profile.accountId;
  const signIn = signInLabel(node.profile.signIn);
  const failed = node.stoppedAtLaunch ?? 0;
  item.description = [account, signIn, failed > 0 ? `${failed} stopped at launch` : undefined]
    .filter(Boolean)
    .join(' · ');
  // A profile holding instances stopped at launch is marked like its regions and instances.
  item.iconPath =
    failed > 0
      ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'))
      : new vscode.ThemeIcon('account');
  item.contextValue = CONTEXT.profile;
  // A plain-text tooltip: nothing in it is rendered as Markdown.
  item.tooltip = [
    `Profile ${node.profile.name}`,
    account ? `Account ${account}` : undefined,
    `Sign-in: ${signIn}`,
    node.profile.region ? `Default region ${node.profile.region}` : undefined,
  ]
    .filter(Boolean)
    .join('\n');
  return item;
}

function errorItem(node: ErrorNode): vscode.TreeItem {
  const item = new vscode.TreeItem(errorLabel(node), vscode.TreeItemCollapsibleState.None);
  item.id = `error:${node.profile}:${node.region ?? ''}`;
  item.description = node.region ? `${node.region}: ${node.failure.nextStep}` : node.failure.nextStep;
  item.tooltip = new vscode.MarkdownString(errorTooltipMarkdown(node));
  item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'));
  const ssoExpired = node.sso && node.failure.kind === 'expired-credentials';
  item.contextValue = ssoExpired ? CONTEXT.errorExpiredSession : CONTEXT.error;
  item.command = ssoExpired
    ? { command: COMMAND_IDS.ssoLogin, title: 'Sign in', arguments: [node] }
    : { command: COMMAND_IDS.showLog, title: 'Show details' };
  return item;
}

function instanceItem(node: InstanceNode): vscode.TreeItem {
  const i = node.instance;
  const failedLaunch = stoppedAtLaunch(i);
  const item = new vscode.TreeItem(i.name ?? i.id, vscode.TreeItemCollapsibleState.None);
  item.id = `instance:${node.profile}:${node.region}:${i.id}`;
  item.description = failedLaunch
    ? `${i.state} at launch · ${i.stateReason?.code ?? ''}`
    : i.name
      ? `${i.state} · ${i.id}`
      : i.state;
  const [icon, color] = failedLaunch ? ['warning', 'problemsWarningIcon.foreground'] : (STATE_ICONS[i.state] ?? ['vm']);
  item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
  item.contextValue = instanceContext(i);
  item.tooltip = instanceTooltip(node);
  return item;
}

/** The Markdown tooltip: everything a person checks before acting on the instance. */
export function instanceTooltip(node: InstanceNode): vscode.MarkdownString {
  return new vscode.MarkdownString(instanceTooltipMarkdown(node), true);
}
