import * as vscode from 'vscode';
import { instanceConsoleUrl } from '../../core/console';
import type { AwsBridge } from '../awsBridge';
import type { Logger } from '../log';
import type { InstancesProvider } from './instancesProvider';
import type { ErrorNode, InstanceNode } from './nodes';

/** Handlers of the tree's instance actions. Writes to AWS happen only after a confirmation. */
export function instanceCommands(provider: InstancesProvider, bridge: AwsBridge, log: Logger) {
  return {
    async startInstance(node?: InstanceNode): Promise<boolean> {
      if (node?.type !== 'instance') return false;
      const label = describe(node);
      const answer = await vscode.window.showWarningMessage(
        `Start ${label}?`,
        { modal: true, detail: `Profile ${node.profile}, region ${node.region}. EC2 starts the instance and bills it while it runs.` },
        'Start',
      );
      if (answer !== 'Start') return false;
      const result = await bridge.aws.startInstance(bridge.current, node.profile, node.region, node.instance.id);
      if (!result.ok) {
        log.error(`Start ${node.instance.id}: ${result.error.message}`);
        void vscode.window.showErrorMessage(`Could not start ${label}: ${result.error.message} ${result.error.nextStep}`);
        return false;
      }
      log.info(`Started ${node.instance.id} (${node.profile}/${node.region}): now ${result.value.currentState ?? 'pending'}`);
      await provider.instanceChanged(node.profile, node.region, {
        id: node.instance.id,
        state: result.value.currentState ?? 'pending',
        stateReason: undefined,
      });
      return true;
    },

    async stopInstance(node?: InstanceNode): Promise<boolean> {
      if (node?.type !== 'instance') return false;
      const label = describe(node);
      const answer = await vscode.window.showWarningMessage(
        `Stop ${label}?`,
        { modal: true, detail: `Profile ${node.profile}, region ${node.region}. Whatever runs on it stops; data on instance store volumes is lost.` },
        'Stop',
      );
      if (answer !== 'Stop') return false;
      const result = await bridge.aws.stopInstance(bridge.current, node.profile, node.region, node.instance.id);
      if (!result.ok) {
        log.error(`Stop ${node.instance.id}: ${result.error.message}`);
        void vscode.window.showErrorMessage(`Could not stop ${label}: ${result.error.message} ${result.error.nextStep}`);
        return false;
      }
      await provider.instanceChanged(node.profile, node.region, { id: node.instance.id, state: result.value.currentState ?? 'stopping' });
      return true;
    },

    async copyInstanceId(node?: InstanceNode): Promise<void> {
      if (node?.type !== 'instance') return;
      await vscode.env.clipboard.writeText(node.instance.id);
      void vscode.window.setStatusBarMessage(`Copied ${node.instance.id}`, 3000);
    },

    async openInConsole(node?: InstanceNode): Promise<void> {
      if (node?.type !== 'instance') return;
      await vscode.env.openExternal(vscode.Uri.parse(instanceConsoleUrl(node.region, node.instance.id)));
    },

    async filter(): Promise<void> {
      const current = provider.currentFilter;
      const text = await vscode.window.showInputBox({
        title: 'Filter instances',
        prompt: 'Text to find in instance names and ids (empty: no text filter)',
        value: current.text ?? '',
      });
      if (text === undefined) return;
      const only = await vscode.window.showQuickPick(
        [
          { label: 'All instances', stoppedAtLaunchOnly: false },
          { label: 'Only instances stopped at launch', stoppedAtLaunchOnly: true },
        ],
        { title: 'Which instances?' },
      );
      if (!only) return;
      provider.setFilter({ text, stoppedAtLaunchOnly: only.stoppedAtLaunchOnly });
    },

    clearFilter(): void {
      provider.setFilter({});
    },

    /** Opens a terminal that signs the profile in again; the tree refreshes afterwards. */
    ssoLogin(node?: ErrorNode): void {
      if (node?.type !== 'error') return;
      const terminal = vscode.window.createTerminal({ name: `AWS SSO: ${node.profile}` });
      terminal.show();
      terminal.sendText(`aws sso login --profile ${shellQuote(node.profile)}`);
      const watcher = vscode.window.onDidCloseTerminal((closed) => {
        if (closed === terminal) {
          watcher.dispose();
          bridge.invalidate();
          provider.refresh();
        }
      });
    },
  };
}

function describe(node: InstanceNode): string {
  return node.instance.name ? `${node.instance.name} (${node.instance.id})` : node.instance.id;
}

function shellQuote(value: string): string {
  return /^[\w.@-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
