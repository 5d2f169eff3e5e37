import * as vscode from 'vscode';
import { COMMAND_IDS } from '../../core/commandIds';
import { instanceConsoleUrl } from '../../core/console';
import { isTransitional, pollDelayMs } from '../../core/explorer/regionSummary';
import type { InstanceSummary } from '../../core/model';
import { classifyStateReason } from '../../core/stateReason';
import type { StateChange } from '../../aws';
import type { CommandContext } from '../commandContext';
import { escapeIcons, plainMessage } from '../markdown';
import {
  profilesActingAs,
  quietProfiles,
  startChoices,
  startConfirmation,
  type ProfileIdentity,
  type StartChoice,
} from '../diagnose/startAs';
import { startGate } from './startGate';

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

/**
 * "Start Instance": starts a stopped instance after confirmation, follows it and reports
 * where it ended. After a diagnosis that named the principal that failed, it first asks who
 * starts it: the configured profiles whose identity is that principal come first; a start
 * as anyone else proves nothing for it, so Check the fix is offered as well (first when no
 * profile is that principal). The confirmation names the identity that will start it, and
 * the report records how the start ended.
 */
export function startInstance(ctx: CommandContext) {
  return async (arg?: unknown): Promise<InstanceSummary | undefined> => {
    const ref = toInstanceRef(arg);
    if (!ref) return undefined;
    const report = ctx.reports.latest(ref.profile, ref.region, ref.instanceId)?.report;
    const name = ref.name ?? report?.instance?.name;
    const target: InstanceRef = { ...ref, name };
    const choice: { profile: string; provesFix?: boolean } | 'check' | undefined = report?.principal
      ? await chooseStarter(ctx, target, report.principal.arn)
      : { profile: ref.profile };
    if (!choice) return undefined;
    if (choice === 'check') {
      await vscode.commands.executeCommand(COMMAND_IDS.diagnoseStoppedInstance, target);
      return undefined;
    }
    return startAs(ctx, target, choice.profile, choice.provesFix);
  };
}

/** Asks who starts the instance; 'check' for Check the fix; undefined when the person closed the pick. */
async function chooseStarter(
  ctx: CommandContext,
  ref: InstanceRef,
  principalArn: string,
): Promise<{ profile: string; provesFix: boolean } | 'check' | undefined> {
  const acting = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: 'Finding the profiles of the principal that failed' },
    () => profilesOfPrincipal(ctx, ref.profile, principalArn),
  );
  type Item = vscode.QuickPickItem & { choice: StartChoice };
  const items: Item[] = startChoices(ref.profile, principalArn, acting).map((choice) => ({
    label: escapeIcons(choice.label),
    detail: escapeIcons(choice.detail),
    choice,
  }));
  const picked = await vscode.window.showQuickPick(items, {
    title: escapeIcons(`Start ${instanceLabel(ref)} again: as whom?`),
    placeHolder: escapeIcons(`The principal that failed: ${principalArn}`),
    ignoreFocusOut: true,
  });
  if (!picked) return undefined;
  return picked.choice.kind === 'check'
    ? 'check'
    : { profile: picked.choice.profile, provesFix: picked.choice.asPrincipal };
}

/**
 * The configured profiles whose identity (as the session's GetCallerIdentity answers it) is
 * the principal. Profiles that would ask for an MFA code or run a command are not asked.
 */
async function profilesOfPrincipal(
  ctx: CommandContext,
  reportProfile: string,
  principalArn: string,
): Promise<string[]> {
  const profiles = await ctx.aws.profiles().catch(() => []);
  const asked = [...new Set([reportProfile, ...quietProfiles(profiles)])];
  const identities = await Promise.all(
    asked.map(async (profile): Promise<ProfileIdentity> => {
      const identity = await ctx.aws.callerIdentity(profile);
      return { profile, arn: identity.ok ? identity.value.arn : undefined };
    }),
  );
  return profilesActingAs({ arn: principalArn }, identities);
}

/** Starts the instance through `profile`, follows it, and notes on the report how it ended. */
async function startAs(
  ctx: CommandContext,
  ref: InstanceRef,
  profile: string,
  provesFix: boolean | undefined,
): Promise<InstanceSummary | undefined> {
  const label = instanceLabel(ref);
  const starter: InstanceRef = { ...ref, profile };
  const identity = await ctx.aws.callerIdentity(profile);
  const question = startConfirmation(
    label,
    ref.region,
    profile,
    identity.ok ? identity.value.arn : undefined,
    provesFix,
  );
  // Launch readiness first: a start predicted to fail offers Diagnose instead.
  const gate = await startGate(ctx, starter, label, question);
  if (gate === 'diagnose') {
    void vscode.commands.executeCommand(COMMAND_IDS.diagnoseStoppedInstance, ref);
    return undefined;
  }
  if (gate === 'cancel') return undefined;
  const result = await changeStateConfirmed(ctx, starter, 'start', question, gate === 'confirmed');
  if (!result) return undefined;
  ctx.log.info(`Started ${ref.instanceId} (${profile}/${ref.region}): now ${result.currentState ?? 'pending'}`);
  // Every listed profile of the instance's account shows it: they all see the same instance.
  const shown = await profilesOfAccount(ctx, ref.profile);
  await showIn(ctx, shown, ref.region, {
    id: ref.instanceId,
    state: result.currentState ?? 'pending',
    stateReason: undefined,
  });
  const final = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Starting ${label} as ${profile}`, cancellable: true },
    (progress, token) => follow(ctx, starter, shown, progress, token),
  );
  const outcome = startOutcome(label, profile, final, provesFix);
  await ctx.reports.noteChange(ref.profile, ref.region, ref.instanceId, outcome, final?.state === 'running');
  if (final?.state === 'running') {
    void vscode.window.showInformationMessage(plainMessage(outcome));
  } else if (final) {
    void vscode.window
      .showWarningMessage(plainMessage(outcome), 'Diagnose')
      .then((pick) => pick && vscode.commands.executeCommand(COMMAND_IDS.diagnoseStoppedInstance, ref));
  }
  return final;
}

/** How a start ended, in one sentence naming who started it. */
export function startOutcome(
  label: string,
  profile: string,
  final: Pick<InstanceSummary, 'state' | 'stateReason'> | undefined,
  provesFix: boolean | undefined,
): string {
  if (!final) return `Started ${label} as ${profile}; it was not followed to the end (see the tree).`;
  if (final.state === 'running') {
    const proof =
      provesFix === true
        ? ' The principal that failed can start it now: the fix works.'
        : provesFix === false
          ? ' That is not the principal that failed: this proves nothing for it.'
          : '';
    return `${label} is running, started as ${profile}.${proof}`;
  }
  const c = classifyStateReason(final.stateReason, final.state);
  const reason = final.stateReason ? ` (${final.stateReason.code})` : '';
  return `${label} is ${final.state} again${reason} after a start as ${profile}. ${c.summary}`;
}

/** "Stop Instance": stops a running instance after confirmation; the tree follows it. */
export function stopInstance(ctx: CommandContext) {
  return async (arg?: unknown): Promise<boolean> => {
    const ref = toInstanceRef(arg);
    if (!ref) return false;
    const question = {
      message: `Stop ${instanceLabel(ref)}?`,
      detail: `Profile ${ref.profile}, region ${ref.region}. Whatever runs on it stops; data on instance store volumes is lost.`,
    };
    const result = await changeStateConfirmed(ctx, ref, 'stop', question);
    if (!result) return false;
    for (const profile of await profilesOfAccount(ctx, ref.profile)) {
      await ctx.instances.instanceChanged(profile, ref.region, {
        id: ref.instanceId,
        state: result.currentState ?? 'stopping',
      });
    }
    return true;
  };
}

/** "Reboot Instance": reboots a running instance after confirmation (it keeps running: no launch, no new grant). */
export function rebootInstance(ctx: CommandContext) {
  return async (arg?: unknown): Promise<boolean> => {
    const ref = toInstanceRef(arg);
    if (!ref) return false;
    const label = instanceLabel(ref);
    const answer = await vscode.window.showWarningMessage(
      plainMessage(`Reboot ${label}?`),
      {
        modal: true,
        detail: plainMessage(
          `RebootInstances through profile ${ref.profile}, region ${ref.region}. The operating system restarts; ` +
            'the instance stays running, so this is no test of a launch (use Stop, then Start, for that).',
        ),
      },
      'Reboot',
    );
    if (answer !== 'Reboot') return false;
    const result = await ctx.aws.rebootInstance(ref.profile, ref.region, ref.instanceId);
    if (!result.ok) {
      ctx.log.error(`Reboot ${ref.instanceId}: ${result.error.message}`);
      void vscode.window.showErrorMessage(
        plainMessage(`Could not reboot ${label}: ${result.error.message} ${result.error.nextStep}`),
      );
      return false;
    }
    ctx.log.info(`Rebooted ${ref.instanceId} (${ref.profile}/${ref.region})`);
    void vscode.window.showInformationMessage(plainMessage(`${label} is rebooting.`));
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
  question: { message: string; detail: string },
  /** True when the person already confirmed (Start Anyway after a prediction's warning). */
  confirmed = false,
): Promise<StateChange | undefined> {
  const label = instanceLabel(ref);
  const verb = change === 'start' ? 'Start' : 'Stop';
  const answer = confirmed
    ? verb
    : await vscode.window.showWarningMessage(
        plainMessage(question.message),
        { modal: true, detail: plainMessage(question.detail) },
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

/** Shows the instance's new state under each of the profiles (those listed; the others list it when expanded). */
async function showIn(
  ctx: CommandContext,
  profiles: readonly string[],
  region: string,
  instance: Partial<InstanceSummary> & { id: string },
): Promise<void> {
  await Promise.all(profiles.map((profile) => ctx.instances.showInstance(profile, region, instance)));
}

/**
 * `profile` and the other configured profiles of its account: those whose account the config
 * names, and those that sign in without a prompt and answer GetCallerIdentity (cached).
 */
async function profilesOfAccount(ctx: CommandContext, profile: string): Promise<string[]> {
  const own = await ctx.aws.callerIdentity(profile);
  if (!own.ok) return [profile];
  const profiles = await ctx.aws.profiles().catch(() => []);
  const quiet = new Set(quietProfiles(profiles));
  const same = await Promise.all(
    profiles.map(async (p) => {
      if (p.accountId) return p.accountId === own.value.account ? p.name : undefined;
      if (!quiet.has(p.name)) return undefined;
      const identity = await ctx.aws.callerIdentity(p.name);
      return identity.ok && identity.value.account === own.value.account ? p.name : undefined;
    }),
  );
  return [...new Set([profile, ...same.filter((name): name is string => name !== undefined)])];
}

/** Polls one instance until it leaves pending/stopping, updating the tree on the way. */
async function follow(
  ctx: CommandContext,
  ref: InstanceRef,
  treeProfiles: readonly string[],
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
    await showIn(ctx, treeProfiles, ref.region, instance);
    if (!isTransitional(instance)) return instance;
  }
  return undefined;
}
