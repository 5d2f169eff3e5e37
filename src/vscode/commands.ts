import * as vscode from 'vscode';
import { COMMAND_IDS, type CommandName } from '../core/commandIds';
import type { CommandContext, CommandFactory } from './commandContext';
import { diagnoseStoppedInstance } from './diagnose/diagnoseCommand';
import { diagnoseAutoScalingGroup } from './diagnose/diagnoseGroupCommand';
import { createGrant } from './diagnose/grantCommand';
import { fixInCode } from './diagnose/fixInCode';
import { checkLaunchReadiness } from './diagnose/readinessCommand';
import {
  changeKeyState,
  copyReport,
  copyStatement,
  openKeyPolicy,
  restoreKeyPolicy,
  saveKeyPolicy,
} from './diagnose/reportCommands';
import {
  copyInstanceId,
  openInConsole,
  rebootInstance,
  startInstance,
  stopInstance,
} from './explorer/instanceCommands';
import { clearFilter, filter, refresh, ssoLogin } from './explorer/treeCommands';
import { trustGuarded } from './workspaceTrust';

/** "Show Log": the extension's output channel. */
function showLog(ctx: CommandContext) {
  return (): void => ctx.log.show();
}

/**
 * The one command table: every command of COMMAND_IDS (the type makes a missing one an
 * error) with the function that makes its handler.
 */
export function createCommands(): Record<CommandName, CommandFactory> {
  return {
    diagnoseStoppedInstance,
    diagnoseAutoScalingGroup,
    checkLaunchReadiness,
    refresh,
    filter,
    clearFilter,
    startInstance,
    stopInstance,
    rebootInstance,
    copyInstanceId,
    openInConsole,
    ssoLogin,
    openKeyPolicy,
    saveKeyPolicy,
    restoreKeyPolicy,
    createGrant,
    copyStatement,
    copyReport,
    changeKeyState,
    fixInCode,
    showLog,
  };
}

/** Registers every command of the table; the disposables go into the context's subscriptions. */
export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  const isTrusted = () => vscode.workspace.isTrusted;
  return (Object.entries(createCommands()) as [CommandName, CommandFactory][]).map(([name, factory]) =>
    vscode.commands.registerCommand(
      COMMAND_IDS[name],
      trustGuarded(name, factory(ctx), isTrusted, explainRestrictedMode),
    ),
  );
}

/** Says why a command that calls AWS did nothing, with the way to trust the workspace. */
function explainRestrictedMode(): void {
  void vscode.window
    .showInformationMessage('EC2 Launch Doctor calls AWS only in a trusted workspace.', 'Manage Workspace Trust')
    .then((pick) => pick && vscode.commands.executeCommand('workbench.trust.manage'));
}
