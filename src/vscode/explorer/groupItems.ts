import * as vscode from 'vscode';
import { CONTEXT } from '../../core/explorer/contextValues';
import {
  folderDescription,
  groupDescription,
  groupTooltipMarkdown,
  plainLabel,
  type GroupNode,
  type GroupsFolderNode,
} from './groupNodes';

/** The region's "Auto Scaling groups" item: expanded at once, its groups are why it is there. */
export function groupsFolderItem(node: GroupsFolderNode): vscode.TreeItem {
  const item = new vscode.TreeItem('Auto Scaling groups', vscode.TreeItemCollapsibleState.Expanded);
  item.id = `groups:${node.profile}:${node.region}`;
  item.description = plainLabel(folderDescription(node));
  item.iconPath = new vscode.ThemeIcon(
    node.error ? 'error' : 'layers',
    node.error ? new vscode.ThemeColor('problemsErrorIcon.foreground') : undefined,
  );
  item.contextValue = CONTEXT.autoScalingGroups;
  return item;
}

/** A group failing to launch, marked as an instance stopped at launch is. */
export function groupItem(node: GroupNode): vscode.TreeItem {
  const item = new vscode.TreeItem(
    node.failing.group.name || '(unnamed group)',
    vscode.TreeItemCollapsibleState.Collapsed,
  );
  item.id = `group:${node.profile}:${node.region}:${node.failing.group.name}`;
  item.description = groupDescription(node);
  item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
  item.contextValue = CONTEXT.autoScalingGroupFailing;
  item.tooltip = new vscode.MarkdownString(groupTooltipMarkdown(node), true);
  return item;
}
