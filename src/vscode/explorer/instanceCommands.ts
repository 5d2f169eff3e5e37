import * as vscode from 'vscode';
import { COMMAND_IDS } from '../../core/commandIds';
import { instanceConsoleUrl } from '../../core/console';
import { isTransitional, pollDelayMs } from '../../core/explorer/regionSummary';
import type { InstanceSummary } from '../../core/model';
import { classifyStateReason } from '../../core/stateReason';
import type { StateChange } from '../../aws';
import type { CommandContext } from '../commandContext';
import { escapeIcons, plainMessage } from '../markdown';

/** An instance named by a tree node or by a report's command link. */
export type InstanceRef = { profile: string; region: string; instanceId: string; name?: string };

/** Accepts what menus pass (a tree node) and what report links pass (plain ids). */
export function toInstanceRef(arg: unknown): InstanceRef | undefined {
  if (!arg || typeof arg !== 'object') return undefined;
  const a = arg as Record<string, unknown>;
  const { profile, region } = a;
  if (typeof profile !== 'string' || typeof region !== 'string') return undefined;
  if (a.type === 'instance') {
    const instance = a.instance as Partial<InstanceSummary> | undefined;
    if (typeof instance?.id !== 'string') return undefined;
    return { profile, region, instanceId: instance.id, name: instance.name };
  }
  if (typeof a.instanceId !== 'string') return undefined;
  return { profile, region, instanceId: a.instanceId, name: typeof a.name === 'string' ? a.name : undefined };
}

/** How an instance is named in messages: its Name tag and id, or the id alone. */
export function instanceLabel(ref: InstanceRef): string {
  return ref.name ? `${ref.name} (${ref.instanceId})` : ref.instanceId;
}

/** How long Start follows an instance before leaving it to the tree's own polling. */
const FOLLOW_LIMIT_MS = 5 * 60_000;

/** "Start Instance": starts a stopped instance after confirmation, follows it and reports where it ended. */
export function startInstance(ctx: CommandContext) {
  return async (arg?: unknown): Promise<InstanceSummary | undefined> => {
    const ref = toInstanceRef(arg);
    if (!ref) return undefined;
    const label = instanceLabel(ref);
    const result = await changeStateConfirmed(ctx, ref, 'start', 'EC2 starts the instance and bills it while it runs.');
    if (!result) return undefined;
    ctx.log.info(`Started ${ref.instanceId} (${ref.profile}/${ref.region}): now ${result.currentState ?? 'pending'}`);
    await ctx.instances.showInstance(ref.profile, ref.region, {
      id: ref.instanceId,
      state: result.currentState ?? 'pending',
      stateReason: undefined,
    });
    const final = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Starting ${label}`, cancellable: true },
      (progress, token) => follow(ctx, ref, progress, token),
    );
    if (final?.state === 'running') {
      void vscode.window.showInformationMessage(plainMessage(`${label} is running.`));
    } else if (final) {
      const c = classifyStateReason(final.stateReason, final.state);
      const reason = final.stateReason ? ` (${final.stateReason.code})` : '';
      void vscode.window
        .showWarningMessage(plainMessage(`${label} is ${final.state} again${reason}. ${c.summary}`), 'Diagnose')
        .then((pick) => pick && vscode.commands.executeCommand(COMMAND_IDS.diagnoseStoppedInstance, ref));
    }
    return final;
  };
}

/** "Stop Instance": stops a running instance after confirmation; the tree follows it. */
export function stopInstance(ctx: CommandContext) {
  return async (arg?: unknown): Promise<boolean> => {
    const ref = toInstanceRef(arg);
    if (!ref) return false;
    const consequence = 'Whatever runs on it stops; data on instance store volumes is lost.';
    const result = await changeStateConfirmed(ctx, ref, 'stop', consequence);
    if (!result) return false;
    await ctx.instances.instanceChanged(ref.profile, ref.region, {
      id: ref.instanceId,
      state: result.currentState ?? 'stopping',
    });
    return true;
  };
}

/** "Copy Instance ID". */
export function copyInstanceId() {
  return async (arg?: unknown): Promise<void> => {
    const ref = toInstanceRef(arg);
    if (!ref) return;
    await vscode.env.clipboard.writeText(ref.instanceId);
    // The status bar renders $(icon): the id came from a command argument.
    vscode.window.setStatusBarMessage(`Copied ${escapeIcons(ref.instanceId)}`, 3000);
  };
}

/** "Open in AWS Console": the instance's page in its own region and partition. */
export function openInConsole() {
  return async (arg?: unknown): Promise<void> => {
    const ref = toInstanceRef(arg);
    if (!ref) return;
    await vscode.env.openExternal(vscode.Uri.parse(instanceConsoleUrl(ref.region, ref.instanceId)));
  };
}

/**
 * Asks the person, then starts or stops the instance. Undefined when they declined or the
 * call failed (the failure is logged and shown).
 */
async function changeStateConfirmed(
  ctx: CommandContext,
  ref: InstanceRef,
  change: 'start' | 'stop',
  consequence: string,
): Promise<StateChange | undefined> {
  const label = instanceLabel(ref);
  const verb = change === 'start' ? 'Start' : 'Stop';
  const answer = await vscode.window.showWarningMessage(
    plainMessage(`${verb} ${label}?`),
    { modal: true, detail: `Profile ${ref.profile}, region ${ref.region}. ${consequence}` },
    verb,
  );
  if (answer !== verb) return undefined;
  const result = await ctx.aws.changeInstanceState(ref.profile, ref.region, ref.instanceId, change);
  if (result.ok) return result.value;
  ctx.log.error(`${verb} ${ref.instanceId}: ${result.error.message}`);
  void vscode.window.showErrorMessage(
    plainMessage(`Could not ${change} ${label}: ${result.error.message} ${result.error.nextStep}`),
  );
  return undefined;
}

/** Polls one instance until it leaves pending/stopping, updating the tree on the way. */
async function follow(
  ctx: CommandContext,
  ref: InstanceRef,
  progress: vscode.Progress<{ message?: string }>,
  token: vscode.CancellationToken,
): Promise<InstanceSummary | undefined> {
  const started = Date.now();
  for (let attempt = 0; Date.now() - started < FOLLOW_LIMIT_MS && !token.isCancellationRequested; attempt++) {
    await new Promise((r) => setTimeout(r, pollDelayMs(attempt) / 2));
    const result = await ctx.aws.instancesById(ref.profile, ref.region, [ref.instanceId]);
    if (!result.ok) {
      ctx.log.warn(`Following ${ref.instanceId}: ${result.error.message}`);
      continue;
    }
    const instance = result.value[0];
    if (!instance) return undefined;
    progress.report({ message: instance.state });
    // This loop follows the instance; the tree only shows it (no second poll of its own).
    await ctx.instances.showInstance(ref.profile, ref.region, instance);
    if (!isTransitional(instance)) return instance;
  }
  return undefined;
}
