import * as path from 'node:path';
import * as vscode from 'vscode';
import { parseKeyArn } from '../../core/arn';
import type { OpenKeyPolicyArgs } from '../../core/diagnosis';
import type { AwsFacade } from '../awsBridge';
import type { Logger } from '../log';
import { plainMessage } from '../markdown';
import { backupFolderName, saveKeyPolicy, writeRefusal, type SaveTrigger } from './keyPolicySave';

/** Scheme of live key policies opened as editable documents. */
export const KEY_POLICY_SCHEME = 'ec2-kms-policy';

/** What an open key policy document knows about where it came from. */
interface OpenPolicy {
  /** The profile the person works with; reads and writes may go through `via`. */
  profile: string;
  keyArn: string;
  principalArn?: string;
  /** The profile that could read the policy (one in the key's account). */
  via?: string;
  /** The policy exactly as KMS returned it when the document was read: the base of a save. */
  live?: string;
  /** The size of the document as last read or written here (its stat). */
  size?: number;
}

/** The document URI of a key's policy, as seen through a profile. */
export function keyPolicyUri(profile: string, keyArn: string): vscode.Uri {
  return vscode.Uri.from({
    scheme: KEY_POLICY_SCHEME,
    path: `/${profile}/key-policy.json`,
    query: new URLSearchParams({ arn: keyArn }).toString(),
  });
}

/**
 * Live KMS key policies as documents. Reading calls GetKeyPolicy (through a profile of the
 * key's account when needed). Saving (see saveKeyPolicy) asks for confirmation with a summary
 * of the change and the profile that will write, re-reads the live policy through that
 * profile and refuses when it changed meanwhile, keeps the previous policy as a backup, then
 * calls PutKeyPolicy through that same profile with the lockout safety check on.
 */
export class KeyPolicyFileSystem implements vscode.FileSystemProvider, vscode.Disposable {
  private readonly open = new Map<string, OpenPolicy>();
  /**
   * Why each key policy document is being saved, recorded in onWillSaveTextDocument: a file
   * system provider's writeFile cannot see the reason, and only an explicit save may write.
   */
  private readonly saveTriggers = new Map<string, SaveTrigger>();
  private readonly willSave: vscode.Disposable;
  private readonly changed = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.changed.event;

  /** Called after a successful save, e.g. to offer "Start instance again". */
  onSaved?: (uri: vscode.Uri, state: { keyArn: string; profile: string }) => void;

  constructor(
    private readonly aws: AwsFacade,
    private readonly backupDir: vscode.Uri,
    private readonly log: Logger,
    /** False in an untrusted workspace: key policies are then neither read nor written. */
    private readonly trusted: () => boolean = () => true,
  ) {
    this.willSave = vscode.workspace.onWillSaveTextDocument((event) => {
      if (event.document.uri.scheme !== KEY_POLICY_SCHEME) return;
      this.saveTriggers.set(event.document.uri.toString(), saveTrigger(event.reason));
    });
  }

  /** Opens the policy of the key in an editor; `principalArn` is what its diagnostics check. */
  async openPolicy(args: OpenKeyPolicyArgs): Promise<vscode.TextEditor> {
    const uri = keyPolicyUri(args.profile, args.keyArn);
    const previous = this.open.get(uri.toString());
    this.open.set(uri.toString(), {
      ...previous,
      profile: args.profile,
      keyArn: args.keyArn,
      principalArn: args.principalArn ?? previous?.principalArn,
    });
    const document = await vscode.workspace.openTextDocument(uri);
    if (document.languageId !== 'json') await vscode.languages.setTextDocumentLanguage(document, 'json');
    return vscode.window.showTextDocument(document, { preview: false });
  }

  /** The principal a key policy document's diagnostics check for, if it was opened from a diagnosis. */
  principalFor(uri: vscode.Uri): string | undefined {
    return this.open.get(uri.toString())?.principalArn;
  }

  /**
   * The key's own region and account, from its ARN: a live key policy is checked for EC2 in
   * the key's region (kms:ViaService) and account, not in a default one.
   */
  keyContextFor(uri: vscode.Uri): { region?: string; keyAccount?: string } {
    const keyArn = this.open.get(uri.toString())?.keyArn ?? new URLSearchParams(uri.query).get('arn') ?? '';
    const key = parseKeyArn(keyArn);
    return key ? { region: key.region, keyAccount: key.account } : {};
  }

  watch(): vscode.Disposable {
    return new vscode.Disposable(() => undefined);
  }

  /**
   * A constant time: VS Code refuses a save as "modified since" when the stat's time is newer
   * than the one it read the document with and the size differs, and its first stat comes
   * before the first read. Whether the policy changed in AWS meanwhile is what saveKeyPolicy
   * checks, against the policy as read.
   */
  stat(uri: vscode.Uri): vscode.FileStat {
    const state = this.state(uri);
    return { type: vscode.FileType.File, ctime: 0, mtime: 0, size: state.size ?? 0 };
  }

  readDirectory(): [string, vscode.FileType][] {
    return [];
  }

  createDirectory(): void {
    throw vscode.FileSystemError.NoPermissions('Key policies have no folders.');
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    this.requireTrust();
    const state = this.state(uri);
    const { policy, via } = await this.readLive(state);
    state.live = policy;
    state.via = via;
    const content = Buffer.from(readable(policy));
    state.size = content.byteLength;
    return content;
  }

  async writeFile(uri: vscode.Uri, content: Uint8Array): Promise<void> {
    this.requireTrust();
    const trigger = this.saveTriggers.get(uri.toString()) ?? 'unknown';
    this.saveTriggers.delete(uri.toString());
    // Thrown, the refusal keeps the document dirty; VS Code then stops auto saving it until an explicit save.
    const refusal = writeRefusal(trigger);
    if (refusal) {
      this.log.info(`Key policy of ${this.state(uri).keyArn}: ${refusal}`);
      throw vscode.FileSystemError.NoPermissions(refusal);
    }
    const state = this.state(uri);
    const text = Buffer.from(content).toString('utf8');
    const result = await saveKeyPolicy(
      this.aws,
      { keyArn: state.keyArn, profile: state.profile, via: state.via, live: state.live, text },
      {
        confirm: async ({ message, detail }) =>
          (await vscode.window.showWarningMessage(message, { modal: true, detail }, 'Save to AWS')) === 'Save to AWS',
        backup: async (policy) => (await this.backup(state, policy)).fsPath,
      },
    );
    if (!result.saved) {
      // Shown as well as thrown: the save error alone may end up only in the log.
      void vscode.window.showWarningMessage(plainMessage(`${result.reason}`));
      throw vscode.FileSystemError.Unavailable(result.reason);
    }
    this.log.info(
      `Key policy of ${state.keyArn} replaced through ${result.via}; previous policy backed up to ${result.backup}`,
    );
    state.live = text;
    state.size = Buffer.byteLength(text);
    this.changed.fire([{ type: vscode.FileChangeType.Changed, uri }]);
    this.onSaved?.(uri, { keyArn: state.keyArn, profile: state.profile });
  }

  delete(): void {
    throw vscode.FileSystemError.NoPermissions('Key policies cannot be deleted.');
  }

  rename(): void {
    throw vscode.FileSystemError.NoPermissions('Key policies cannot be renamed.');
  }

  /** Backups of a key's policy, newest first. */
  async backups(keyArn: string): Promise<vscode.Uri[]> {
    const dir = this.backupFolder(keyArn);
    try {
      const entries = await vscode.workspace.fs.readDirectory(dir);
      return entries
        .filter(([name]) => name.endsWith('.json'))
        .map(([name]) => vscode.Uri.joinPath(dir, name))
        .sort((a, b) => b.path.localeCompare(a.path));
    } catch {
      return [];
    }
  }

  /** Writes a backup's text into the open document, for the person to review and save. */
  async restoreInto(uri: vscode.Uri, backup: vscode.Uri): Promise<void> {
    const text = Buffer.from(await vscode.workspace.fs.readFile(backup)).toString('utf8');
    const document = await vscode.workspace.openTextDocument(uri);
    const edit = new vscode.WorkspaceEdit();
    edit.replace(uri, new vscode.Range(document.positionAt(0), document.positionAt(document.getText().length)), text);
    await vscode.workspace.applyEdit(edit);
    await vscode.window.showTextDocument(document);
  }

  private async readLive(state: OpenPolicy): Promise<{ policy: string; via: string }> {
    if (!parseKeyArn(state.keyArn)) throw vscode.FileSystemError.FileNotFound(`Not a KMS key ARN: ${state.keyArn}`);
    const result = await this.aws.readKeyPolicy(state.profile, state.keyArn);
    if (!result.ok) throw vscode.FileSystemError.Unavailable(`${result.error.message} ${result.error.nextStep}`);
    return result.value;
  }

  private backupFolder(keyArn: string): vscode.Uri {
    return vscode.Uri.joinPath(this.backupDir, backupFolderName(keyArn));
  }

  private async backup(state: OpenPolicy, policy: string): Promise<vscode.Uri> {
    const dir = this.backupFolder(state.keyArn);
    await vscode.workspace.fs.createDirectory(dir);
    const file = vscode.Uri.joinPath(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    await vscode.workspace.fs.writeFile(file, Buffer.from(policy));
    return file;
  }

  private requireTrust(): void {
    if (!this.trusted()) {
      throw vscode.FileSystemError.NoPermissions('Key policies are read from AWS only in a trusted workspace.');
    }
  }

  private state(uri: vscode.Uri): OpenPolicy {
    let state = this.open.get(uri.toString());
    if (!state) {
      // A document restored after a reload: its URI carries everything needed to read it again.
      const keyArn = new URLSearchParams(uri.query).get('arn');
      const profile = path.posix.dirname(uri.path).replace(/^\//, '');
      if (!keyArn || !profile) throw vscode.FileSystemError.FileNotFound(uri);
      state = { profile, keyArn };
      this.open.set(uri.toString(), state);
    }
    return state;
  }

  dispose(): void {
    this.willSave.dispose();
    this.changed.dispose();
  }
}

/**
 * The trigger of a save by its reason. A save asked through the API (TextDocument.save) may
 * come without a reason: it is someone's explicit request and still needs the confirmation.
 */
function saveTrigger(reason: vscode.TextDocumentSaveReason | undefined): SaveTrigger {
  return reason === vscode.TextDocumentSaveReason.AfterDelay || reason === vscode.TextDocumentSaveReason.FocusOut
    ? 'auto'
    : 'explicit';
}

/** KMS may return a policy on one line; show it indented so that it can be edited. */
function readable(policy: string): string {
  if (policy.includes('\n')) return policy;
  try {
    return JSON.stringify(JSON.parse(policy), null, 2) + '\n';
  } catch {
    return policy;
  }
}
