import * as vscode from 'vscode';
import type { CommandContext } from '../commandContext';
import type { ErrorNode } from './nodes';
import { ssoSignInTerminal } from './ssoSignIn';

/** "Refresh": drops the session's caches and lists everything again. */
export function refresh(ctx: CommandContext) {
  return (): void => {
    ctx.aws.invalidate();
    ctx.instances.refresh();
  };
}

/** "Filter Instances": asks for a text and whether to keep only instances stopped at launch. */
export function filter(ctx: CommandContext) {
  return async (): Promise<void> => {
    const current = ctx.instances.currentFilter;
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
    ctx.instances.setFilter({ text, stoppedAtLaunchOnly: only.stoppedAtLaunchOnly });
  };
}

/** "Clear Instance Filter". */
export function clearFilter(ctx: CommandContext) {
  return (): void => ctx.instances.setFilter({});
}

/**
 * "Sign In Again": opens a terminal that runs `aws sso login` for the profile (no shell in
 * between). The tree lists again when that terminal closes; Refresh does it sooner.
 */
export function ssoLogin(ctx: CommandContext) {
  const terminalWatchers = new Set<vscode.Disposable>();
  ctx.subscriptions.push({
    dispose: () => {
      for (const watcher of terminalWatchers) watcher.dispose();
      terminalWatchers.clear();
    },
  });
  return (node?: ErrorNode): void => {
    if (node?.type !== 'error') return;
    const terminal = vscode.window.createTerminal(ssoSignInTerminal(node.profile));
    terminal.show();
    const watcher = vscode.window.onDidCloseTerminal((closed) => {
      if (closed !== terminal) return;
      watcher.dispose();
      terminalWatchers.delete(watcher);
      ctx.aws.invalidate();
      ctx.instances.refresh();
    });
    terminalWatchers.add(watcher);
  };
}
