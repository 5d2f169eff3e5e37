import * as vscode from 'vscode';
import { COMMAND_IDS, type CommandName } from '../core/commandIds';
import type { CommandContext, CommandFactory } from './commandContext';
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

/** Registers every command of the table; the disposables go into the context's subscriptions. */
export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  return Object.entries(createCommands()).map(([name, factory]) =>
    vscode.commands.registerCommand(COMMAND_IDS[name as CommandName], factory(ctx)),
  );
}
