import * as vscode from 'vscode';
import { instanceConsoleUrl } from '../../core/console';
import { isTransitional, pollDelayMs } from '../../core/explorer/regionSummary';
import type { InstanceSummary } from '../../core/model';
import { classifyStateReason } from '../../core/stateReason';
import type { StateChange } from '../../aws';
import type { AwsBridge } from '../awsBridge';
import { COMMANDS } from '../commands';
import type { Logger } from '../log';
import type { InstancesProvider } from './instancesProvider';
import type { ErrorNode, InstanceNode } from './nodes';

/** An instance named by a tree node or by a report's command link. */
export type InstanceRef = { profile: string; region: string; instanceId: string; name?: string };

/** Accepts what menus pass (a tree node) and what report links pass (plain ids). */
export function toInstanceRef(arg: unknown): InstanceRef | undefined {
  if (!arg || typeof arg !== 'object') return undefined;
  const a = arg as Partial<InstanceNode & InstanceRef>;
  if (a.type === 'instance' && a.instance) return { profile: a.profile!, region: a.region!, instanceId: a.instance.id, name: a.instance.name };
  if (typeof a.profile === 'string' && typeof a.region === 'string' && typeof a.instanceId === 'string') {
    return { profile: a.profile, region: a.region, instanceId: a.instanceId, name: a.name };
  }
  return undefined;
}

/** How long Start follows an instance before leaving it to the tree's own polling. */
const FOLLOW_LIMIT_MS = 5 * 60_000;

/** Handlers of the tree's instance actions. Writes to AWS happen only after a confirmation. */
export function instanceCommands(provider: InstancesProvider, bridge: AwsBridge, log: Logger) {
  const terminalWatchers = new Set<vscode.Disposable>();
  /** Polls one instance until it leaves pending/stopping, updating the tree on the way. */
  async function follow(ref: InstanceRef, progress: vscode.Progress<{ message?: string }>, token: vscode.CancellationToken): Promise<InstanceSummary | undefined> {
    const started = Date.now();
    for (let attempt = 0; Date.now() - started < FOLLOW_LIMIT_MS && !token.isCancellationRequested; attempt++) {
      await new Promise((r) => setTimeout(r, pollDelayMs(attempt) / 2));
      const result = await bridge.aws.describeInstancesById(bridge.current, ref.profile, ref.region, [ref.instanceId]);
      if (!result.ok) {
        log.warn(`Following ${ref.instanceId}: ${result.error.message}`);
        continue;
      }
      const instance = result.value[0];
      if (!instance) return undefined;
      progress.report({ message: instance.state });
      // This loop follows the instance; the tree only shows it (no second poll of its own).
      await provider.showInstance(ref.profile, ref.region, instance);
      if (!isTransitional(instance)) return instance;
    }
    return undefined;
  }

  /**
   * Asks the person, then starts or stops the instance. Undefined when they declined or the
   * call failed (the failure is logged and shown).
   */
  async function changeStateConfirmed(ref: InstanceRef, change: 'start' | 'stop', consequence: string): Promise<StateChange | undefined> {
    const label = describe(ref);
    const verb = change === 'start' ? 'Start' : 'Stop';
    const answer = await vscode.window.showWarningMessage(`${verb} ${label}?`, { modal: true, detail: `Profile ${ref.profile}, region ${ref.region}. ${consequence}` }, verb);
    if (answer !== verb) return undefined;
    const call = change === 'start' ? bridge.aws.startInstance : bridge.aws.stopInstance;
    const result = await call(bridge.current, ref.profile, ref.region, ref.instanceId);
    if (result.ok) return result.value;
    log.error(`${verb} ${ref.instanceId}: ${result.error.message}`);
    void vscode.window.showErrorMessage(`Could not ${change} ${label}: ${result.error.message} ${result.error.nextStep}`);
    return undefined;
  }

  return {
    /** Starts a stopped instance after confirmation, follows it and reports where it ended. */
    async startInstance(arg?: unknown): Promise<InstanceSummary | undefined> {
      const ref = toInstanceRef(arg);
      if (!ref) return undefined;
      const label = describe(ref);
      const result = await changeStateConfirmed(ref, 'start', 'EC2 starts the instance and bills it while it runs.');
      if (!result) return undefined;
      log.info(`Started ${ref.instanceId} (${ref.profile}/${ref.region}): now ${result.currentState ?? 'pending'}`);
      await provider.showInstance(ref.profile, ref.region, { id: ref.instanceId, state: result.currentState ?? 'pending', stateReason: undefined });
      const final = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Starting ${label}`, cancellable: true },
        (progress, token) => follow(ref, progress, token),
      );
      if (final?.state === 'running') {
        void vscode.window.showInformationMessage(`${label} is running.`);
      } else if (final) {
        const c = classifyStateReason(final.stateReason, final.state);
        const reason = final.stateReason ? ` (${final.stateReason.code})` : '';
        void vscode.window
          .showWarningMessage(`${label} is ${final.state} again${reason}. ${c.summary}`, 'Diagnose')
          .then((pick) => pick && vscode.commands.executeCommand(COMMANDS.diagnoseStoppedInstance, ref));
      }
      return final;
    },

    async stopInstance(arg?: unknown): Promise<boolean> {
      const ref = toInstanceRef(arg);
      if (!ref) return false;
      const result = await changeStateConfirmed(ref, 'stop', 'Whatever runs on it stops; data on instance store volumes is lost.');
      if (!result) return false;
      await provider.instanceChanged(ref.profile, ref.region, { id: ref.instanceId, state: result.currentState ?? 'stopping' });
      return true;
    },

    async copyInstanceId(arg?: unknown): Promise<void> {
      const ref = toInstanceRef(arg);
      if (!ref) return;
      await vscode.env.clipboard.writeText(ref.instanceId);
      vscode.window.setStatusBarMessage(`Copied ${ref.instanceId}`, 3000);
    },

    async openInConsole(arg?: unknown): Promise<void> {
      const ref = toInstanceRef(arg);
      if (!ref) return;
      await vscode.env.openExternal(vscode.Uri.parse(instanceConsoleUrl(ref.region, ref.instanceId)));
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

    /**
     * Opens a terminal that signs the profile in again. The tree lists again when that terminal
     * closes; Refresh does it sooner.
     */
    ssoLogin(node?: ErrorNode): void {
      if (node?.type !== 'error') return;
      const terminal = vscode.window.createTerminal({ name: `AWS SSO: ${node.profile}` });
      terminal.show();
      terminal.sendText(`aws sso login --profile ${shellQuote(node.profile)}`);
      const watcher = vscode.window.onDidCloseTerminal((closed) => {
        if (closed !== terminal) return;
        watcher.dispose();
        terminalWatchers.delete(watcher);
        bridge.invalidate();
        provider.refresh();
      });
      terminalWatchers.add(watcher);
    },

    dispose(): void {
      for (const watcher of terminalWatchers) watcher.dispose();
      terminalWatchers.clear();
    },
  };
}

function describe(ref: InstanceRef): string {
  return ref.name ? `${ref.name} (${ref.instanceId})` : ref.instanceId;
}

function shellQuote(value: string): string {
  return /^[\w.@-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
