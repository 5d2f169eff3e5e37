import * as vscode from 'vscode';

/** The extension's one logger: a `{log: true}` output channel the user can open from the UI. */
export interface Logger {
  info(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  error(message: string | Error, ...args: unknown[]): void;
  debug(message: string, ...args: unknown[]): void;
  show(): void;
}

/** Creates the output channel "EC2 Launch Doctor". Callers never pass credentials to it. */
export function createLogger(): Logger & vscode.Disposable {
  const channel = vscode.window.createOutputChannel('EC2 Launch Doctor', { log: true });
  return {
    info: (m, ...a) => channel.info(m, ...a),
    warn: (m, ...a) => channel.warn(m, ...a),
    error: (m, ...a) => channel.error(m, ...a),
    debug: (m, ...a) => channel.debug(m, ...a),
    show: () => channel.show(true),
    dispose: () => channel.dispose(),
  };
}
