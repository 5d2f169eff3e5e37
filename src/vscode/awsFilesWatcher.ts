import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Config } from './config';

/** The shared config and credentials files in effect, as the SDK would pick them. */
export function awsFilePaths(config: Config): string[] {
  const home = os.homedir();
  return [
    config.sharedConfigFile || process.env.AWS_CONFIG_FILE || path.join(home, '.aws', 'config'),
    config.sharedCredentialsFile || process.env.AWS_SHARED_CREDENTIALS_FILE || path.join(home, '.aws', 'credentials'),
  ];
}

/** Calls `onChange` when one of the AWS files is created, changed or deleted. */
export function watchAwsFiles(config: Config, onChange: () => void): vscode.Disposable {
  const watchers = awsFilePaths(config).map((file) =>
    vscode.workspace.createFileSystemWatcher(
      new vscode.RelativePattern(vscode.Uri.file(path.dirname(file)), path.basename(file)),
    ),
  );
  const subscriptions = watchers.flatMap((w) => [
    w.onDidChange(onChange),
    w.onDidCreate(onChange),
    w.onDidDelete(onChange),
  ]);
  return vscode.Disposable.from(...subscriptions, ...watchers);
}

/** Watches the AWS config files in effect, and the other ones after a settings change. */
export class AwsFilesFollower implements vscode.Disposable {
  private watcher: vscode.Disposable;

  constructor(
    config: Config,
    private readonly onChange: () => void,
  ) {
    this.watcher = watchAwsFiles(config, onChange);
  }

  follow(config: Config): void {
    this.watcher.dispose();
    this.watcher = watchAwsFiles(config, this.onChange);
  }

  dispose(): void {
    this.watcher.dispose();
  }
}
