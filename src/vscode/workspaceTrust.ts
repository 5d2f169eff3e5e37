// Which commands wait for Workspace Trust. No `vscode` import: the table and the guard are
// tested in plain mocha.
import type { CommandName } from '../core/commandIds';
import type { Command } from './commandContext';

/**
 * Commands that call AWS (or run the AWS CLI): in an untrusted workspace they explain and do
 * nothing. The others (filter, copy, console link, log) touch only what is already shown.
 */
export const NEEDS_WORKSPACE_TRUST: ReadonlySet<CommandName> = new Set<CommandName>([
  'diagnoseStoppedInstance',
  'diagnoseAutoScalingGroup',
  'checkLaunchReadiness',
  'refresh',
  'startInstance',
  'stopInstance',
  'rebootInstance',
  'ssoLogin',
  'openKeyPolicy',
  'saveKeyPolicy',
  'restoreKeyPolicy',
  'createGrant',
  'changeKeyState',
]);

/**
 * The handler to register for a command: as it is, or, for a command of NEEDS_WORKSPACE_TRUST,
 * one that runs it only while the workspace is trusted and otherwise calls `refused`.
 */
export function trustGuarded(
  name: CommandName,
  handler: Command,
  isTrusted: () => boolean,
  refused: () => void,
): Command {
  if (!NEEDS_WORKSPACE_TRUST.has(name)) return handler;
  return (...args) => {
    if (isTrusted()) return handler(...args);
    refused();
    return undefined;
  };
}
