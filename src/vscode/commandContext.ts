import type * as vscode from 'vscode';
import type { AwsFacade } from './awsBridge';
import type { KeyPolicyFileSystem } from './diagnose/keyPolicyFs';
import type { ReportView } from './diagnose/reportView';
import type { InstancesProvider } from './explorer/instancesProvider';
import type { Logger } from './log';

/** What every command may use; built once in activate(). */
export interface CommandContext {
  aws: AwsFacade;
  instances: InstancesProvider;
  reports: ReportView;
  keyPolicies: KeyPolicyFileSystem;
  log: Logger;
  /** Disposed when the extension stops: a factory adds here what outlives one run of its command. */
  subscriptions: vscode.Disposable[];
}

/** A command handler, as vscode.commands.registerCommand takes it. */
export type Command = (...args: any[]) => unknown;

/** Makes one command's handler from the context (one such function per command). */
export type CommandFactory = (ctx: CommandContext) => Command;
