import * as vscode from 'vscode';

/** Every command the extension contributes; package.json uses the same ids. */
export const COMMANDS = {
  diagnoseStoppedInstance: 'ec2LaunchDoctor.diagnoseStoppedInstance',
  refresh: 'ec2LaunchDoctor.refresh',
  filter: 'ec2LaunchDoctor.filter',
  clearFilter: 'ec2LaunchDoctor.clearFilter',
  startInstance: 'ec2LaunchDoctor.startInstance',
  stopInstance: 'ec2LaunchDoctor.stopInstance',
  copyInstanceId: 'ec2LaunchDoctor.copyInstanceId',
  openInConsole: 'ec2LaunchDoctor.openInConsole',
  ssoLogin: 'ec2LaunchDoctor.ssoLogin',
  openKeyPolicy: 'ec2LaunchDoctor.openKeyPolicy',
  restoreKeyPolicy: 'ec2LaunchDoctor.restoreKeyPolicy',
  copyStatement: 'ec2LaunchDoctor.copyStatement',
  copyReport: 'ec2LaunchDoctor.copyReport',
  changeKeyState: 'ec2LaunchDoctor.changeKeyState',
  showLog: 'ec2LaunchDoctor.showLog',
} as const;

export type CommandId = (typeof COMMANDS)[keyof typeof COMMANDS];

/** The one command table: each id maps to its handler. */
export type CommandTable = Record<CommandId, (...args: any[]) => unknown>;

/** Registers the whole table; the returned disposables go into the context's subscriptions. */
export function registerCommands(table: CommandTable): vscode.Disposable[] {
  return Object.entries(table).map(([id, handler]) => vscode.commands.registerCommand(id, handler));
}
