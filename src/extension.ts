import * as vscode from 'vscode';
import { COMMANDS, registerCommands } from './vscode/commands';
import { createLogger } from './vscode/log';

/** Wires the parts together. No AWS call and no profile read happens here: both load on first use. */
export function activate(context: vscode.ExtensionContext): void {
  const log = createLogger();
  context.subscriptions.push(log);

  const instancesView = vscode.window.createTreeView('ec2LaunchDoctor.instances', {
    treeDataProvider: { getTreeItem: (item: vscode.TreeItem) => item, getChildren: () => [] },
  });
  instancesView.message = 'Listing instances is not available in this version yet.';
  context.subscriptions.push(instancesView);

  context.subscriptions.push(
    ...registerCommands({
      [COMMANDS.diagnoseStoppedInstance]: () =>
        vscode.window.showInformationMessage('EC2 Launch Doctor: Diagnose Stopped Instance is not available in this version yet.'),
      [COMMANDS.refresh]: () => undefined,
      [COMMANDS.showLog]: () => log.show(),
    }),
  );
  log.info(`EC2 Launch Doctor activated in VS Code ${vscode.version}`);
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
