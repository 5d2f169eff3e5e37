import * as vscode from 'vscode';
import { COMMAND_IDS, type CommandName } from '../core/commandIds';
import type { Command, CommandContext, CommandFactory } from './commandContext';
import { diagnoseStoppedInstance } from './diagnose/diagnoseCommand';
import { changeKeyState, copyReport, copyStatement, openKeyPolicy, restoreKeyPolicy } from './diagnose/reportCommands';
import { copyInstanceId, openInConsole, startInstance, stopInstance } from './explorer/instanceCommands';
import { clearFilter, filter, refresh, ssoLogin } from './explorer/treeCommands';

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
    refresh,
    filter,
    clearFilter,
    startInstance,
    stopInstance,
    copyInstanceId,
    openInConsole,
    ssoLogin,
    openKeyPolicy,
    restoreKeyPolicy,
    copyStatement,
    copyReport,
    changeKeyState,
    showLog,
  };
}

/**
 * Commands that call AWS (or run the AWS CLI): in an untrusted workspace they explain and do
 * nothing. The others (filter, copy, console link, log) touch only what is already shown.
 */
export const NEEDS_WORKSPACE_TRUST: ReadonlySet<CommandName> = new Set<CommandName>([
  'diagnoseStoppedInstance',
  'refresh',
  'startInstance',
  'stopInstance',
  'ssoLogin',
  'openKeyPolicy',
  'restoreKeyPolicy',
  'changeKeyState',
]);

/** Registers every command of the table; the disposables go into the context's subscriptions. */
export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  return Object.entries(createCommands()).map(([name, factory]) => {
    const handler = factory(ctx);
    const guarded = NEEDS_WORKSPACE_TRUST.has(name as CommandName) ? onlyWhenTrusted(handler) : handler;
    return vscode.commands.registerCommand(COMMAND_IDS[name as CommandName], guarded);
  });
}

function onlyWhenTrusted(handler: Command): Command {
  return (...args) => {
    if (vscode.workspace.isTrusted) return handler(...args);
    void vscode.window
      .showInformationMessage('EC2 Launch Doctor calls AWS only in a trusted workspace.', 'Manage Workspace Trust')
      .then((pick) => pick && vscode.commands.executeCommand('workbench.trust.manage'));
    return undefined;
  };
}
