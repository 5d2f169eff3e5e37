/**
 * "Fix in <file>": a key managed as code is fixed in the code. Finds the workspace's
 * definition of the diagnosed key (src/core/policy/keyDefinitions.ts), opens the file at its
 * policy and applies there the quick fix the policy analysis prefers for the diagnosed
 * principal. Nothing is saved and nothing goes to AWS: the person reviews, saves and deploys.
 */
import * as vscode from 'vscode';
import { keyToken, parseKeyArn } from '../../core/arn';
import type { FixInCodeArgs } from '../../core/diagnosis/commandArgs';
import type { DiagnosisReport } from '../../core/diagnosis/types';
import type { KeyDefinition, KeyIdentity, SourceFile } from '../../core/policy/keyDefinitions';
import type { CommandContext } from '../commandContext';
import { escapeIcons, plainMessage } from '../markdown';
import { loadFormats } from '../policy/formatsBridge';
import { DIAGNOSTIC_SOURCE } from '../policy/policyDocuments';
import { keyPolicyEditOf, type KeyDefinitionLink } from './reportActions';

/** The files that can define a key: templates, Terraform, its state and plans. */
const CANDIDATES = '**/*.{json,yaml,yml,template,tf,tfstate}';
const EXCLUDED = '**/{node_modules,.git,.terraform,dist,out}/**';
/** Bounds on one scan of the workspace: it runs each time a report with a key policy fix is shown. */
const MAX_FILES = 1000;
const MAX_FILE_BYTES = 1_000_000;
/** A file without either word cannot hold a key definition: it is not parsed. */
const MENTIONS_KEY = /AWS::KMS::(?:Replica)?Key|aws_kms_(?:replica_)?key/;
/** How long the fix waits for the policy diagnostics of the opened file (Terraform's parser loads once). */
const DIAGNOSTICS_WAIT_MS = 10_000;
/** The findings about one named principal; their preferred quick fix is the diagnosis's fix. */
const PRINCIPAL_CODES: ReadonlySet<string> = new Set(['principal-cannot-create-grant', 'principal-relies-on-iam']);

/** A definition in the workspace, with the file's URI and the name to show. */
export interface WorkspaceDefinition extends KeyDefinition {
  uri: vscode.Uri;
  /** Workspace-relative path. */
  label: string;
}

/**
 * Who the policy diagnostics of a workspace file check for, once "Fix in <file>" opened it
 * for a diagnosis: the editor adds this principal to the configured ones for that file.
 */
class DiagnosedFiles {
  private readonly principals = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  principalFor(uri: vscode.Uri): string | undefined {
    return this.principals.get(uri.toString());
  }

  set(uri: vscode.Uri, principal: string): void {
    if (this.principals.get(uri.toString()) === principal) return;
    this.principals.set(uri.toString(), principal);
    this.changed.fire();
  }
}

export const diagnosedFiles = new DiagnosedFiles();

/** The key as the report knows it: its id from the ARN, its aliases from the report's keys. */
export function keyIdentityOf(keyArn: string, report?: Pick<DiagnosisReport, 'keys'>): KeyIdentity {
  const known = (report?.keys ?? []).find((k) => k.arn === keyArn);
  return {
    keyId: parseKeyArn(keyArn)?.keyId ?? keyToken(keyArn),
    arn: keyArn,
    ...(known?.aliases ? { aliases: known.aliases } : {}),
  };
}

async function readCandidate(uri: vscode.Uri): Promise<SourceFile | undefined> {
  // An open document may hold edits not yet saved: its offsets are the ones to use.
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open) return { path: uri.toString(), text: open.getText() };
  try {
    const stat = await vscode.workspace.fs.stat(uri);
    if (stat.size > MAX_FILE_BYTES) return undefined;
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    return { path: uri.toString(), text };
  } catch {
    // A file deleted or unreadable since the search defines nothing.
    return undefined;
  }
}

/** The definitions of the key in the workspace, strongest match first; none without a folder. */
export async function workspaceKeyDefinitions(key: KeyIdentity): Promise<WorkspaceDefinition[]> {
  if (!vscode.workspace.workspaceFolders?.length) return [];
  const uris = await vscode.workspace.findFiles(CANDIDATES, EXCLUDED, MAX_FILES);
  const files: SourceFile[] = [];
  for (const uri of uris) {
    const file = await readCandidate(uri);
    if (file && MENTIONS_KEY.test(file.text)) files.push(file);
  }
  // The matcher reads YAML with the formats bundle's parser: only a workspace holding a key definition loads it.
  if (files.length === 0) return [];
  return loadFormats()
    .findKeyDefinitions(files, key)
    .map((d) => {
      const uri = vscode.Uri.parse(d.path);
      return { ...d, uri, label: vscode.workspace.asRelativePath(uri, false) };
    });
}

/** Fix in <file> links shown in the report: no more than this many files. */
const MAX_LINKED_FILES = 3;

/**
 * The files defining the key of a report's key policy fix, for its Fix in <file> links: one
 * link per file (the command offers the definitions of one file to pick from).
 */
export async function reportDefinitionLinks(report: DiagnosisReport): Promise<KeyDefinitionLink[]> {
  const edit = keyPolicyEditOf(report);
  if (!edit) return [];
  const found = await workspaceKeyDefinitions(keyIdentityOf(edit.keyArn, report));
  return [...new Set(found.map((d) => d.label))].slice(0, MAX_LINKED_FILES).map((path) => ({ path }));
}

/** The principal's findings in the range, once the file's analysis has published them (or after a wait). */
async function principalDiagnostics(
  uri: vscode.Uri,
  range: vscode.Range,
  principal: string,
): Promise<vscode.Diagnostic[]> {
  const matching = () =>
    vscode.languages.getDiagnostics(uri).filter((d) => {
      const code = typeof d.code === 'object' ? d.code.value : d.code;
      return (
        d.source === DIAGNOSTIC_SOURCE &&
        PRINCIPAL_CODES.has(String(code)) &&
        d.message.includes(principal) &&
        d.range.intersection(range) !== undefined
      );
    });
  const now = matching();
  if (now.length > 0) return now;
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish([]), DIAGNOSTICS_WAIT_MS);
    const listener = vscode.languages.onDidChangeDiagnostics((event) => {
      if (!event.uris.some((u) => u.toString() === uri.toString())) return;
      const found = matching();
      if (found.length > 0) finish(found);
    });
    function finish(found: vscode.Diagnostic[]): void {
      clearTimeout(timer);
      listener.dispose();
      resolve(found);
    }
  });
}

/**
 * The quick fix the analysis offers for the principal's findings, the preferred one first.
 * Asked at each finding's own range, and matched by the principal the fix names: the actions
 * `vscode.executeCodeActionProvider` returns do not carry their diagnostics back.
 */
async function preferredFix(
  uri: vscode.Uri,
  findings: vscode.Diagnostic[],
  principal: string,
): Promise<vscode.CodeAction | undefined> {
  for (const finding of findings) {
    const actions =
      (await vscode.commands.executeCommand<vscode.CodeAction[] | undefined>(
        'vscode.executeCodeActionProvider',
        uri,
        finding.range,
        vscode.CodeActionKind.QuickFix.value,
      )) ?? [];
    const forPrincipal = actions.filter((a) => a.edit && a.title.includes(principal));
    const chosen = forPrincipal.find((a) => a.isPreferred) ?? forPrincipal[0];
    if (chosen) return chosen;
  }
  return undefined;
}

/** What the command did, for tests and callers. */
export type FixInCodeResult =
  | { outcome: 'no-definition' }
  | { outcome: 'cancelled' }
  | { outcome: 'revealed'; uri: vscode.Uri }
  | { outcome: 'fixed'; uri: vscode.Uri; title: string };

/** The definition to open: the one in `path` when given, the only one, or the one the person picks. */
async function chooseDefinition(
  definitions: WorkspaceDefinition[],
  path?: string,
): Promise<WorkspaceDefinition | undefined> {
  const named = path === undefined ? definitions : definitions.filter((d) => d.label === path);
  if (named.length <= 1) return named[0];
  const pick = await vscode.window.showQuickPick(
    named.map((d) => ({
      label: escapeIcons(d.label),
      description: escapeIcons(`${d.resource} (by ${d.matchedBy})`),
      definition: d,
    })),
    { title: 'Fix the key policy in which file?' },
  );
  return pick?.definition;
}

/** "Fix in <file>": see the module comment. */
export function fixInCode(ctx: CommandContext) {
  return async (args?: FixInCodeArgs): Promise<FixInCodeResult | undefined> => {
    if (!args?.keyArn) return undefined;
    const definitions = await workspaceKeyDefinitions(
      keyIdentityOf(args.keyArn, ctx.reports.latestForKey(args.keyArn)),
    );
    const definition = await chooseDefinition(definitions, args.path);
    if (!definition) {
      if (definitions.length > 0) return { outcome: 'cancelled' };
      void vscode.window.showInformationMessage(plainMessage(`No definition of key ${args.keyArn} in this workspace.`));
      return { outcome: 'no-definition' };
    }
    const { uri } = definition;
    if (args.principalArn) diagnosedFiles.set(uri, args.principalArn);
    const document = await vscode.workspace.openTextDocument(uri);
    const range = new vscode.Range(
      document.positionAt(definition.offset),
      document.positionAt(definition.offset + definition.length),
    );
    const editor = await vscode.window.showTextDocument(document, {
      preview: false,
      selection: new vscode.Selection(range.start, range.start),
    });
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    if (!args.principalArn || !definition.hasPolicy) return { outcome: 'revealed', uri };
    const findings = await principalDiagnostics(uri, range, args.principalArn);
    const fix = findings.length > 0 ? await preferredFix(uri, findings, args.principalArn) : undefined;
    if (!fix?.edit || !(await vscode.workspace.applyEdit(fix.edit))) {
      void vscode.window.showInformationMessage(
        plainMessage(`No fix for ${args.principalArn} in ${definition.label}: the policy is shown as written.`),
      );
      return { outcome: 'revealed', uri };
    }
    ctx.log.info(`Fix in ${definition.label} (${definition.resource}): ${fix.title}`);
    void vscode.window.showInformationMessage(
      plainMessage(
        `${fix.title} in ${definition.label}. Review and save it, then deploy: the live key policy changes with the next deployment.`,
      ),
    );
    return { outcome: 'fixed', uri, title: fix.title };
  };
}
