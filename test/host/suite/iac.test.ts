import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';

const SOURCE = 'EC2 Launch Doctor';

function workspaceFile(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the host suite needs its workspace folder');
  return vscode.Uri.file(path.join(folder.uri.fsPath, name));
}

function codeOf(d: vscode.Diagnostic): string | number | undefined {
  return typeof d.code === 'object' ? d.code.value : d.code;
}

/** Waits until `predicate` holds for the document's diagnostics of this extension (they are debounced). */
async function diagnosticsWhere(
  uri: vscode.Uri,
  predicate: (d: vscode.Diagnostic[]) => boolean,
  timeoutMs = 15_000,
): Promise<vscode.Diagnostic[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = vscode.languages.getDiagnostics(uri).filter((d) => d.source === SOURCE);
    if (predicate(current)) return current;
    if (Date.now() > deadline)
      throw new Error(`diagnostics never matched; last: ${JSON.stringify(current.map((d) => [codeOf(d), d.message]))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Opens a file, waits for the missing-grant finding, applies the quick fix and waits for the finding to go. */
async function fixMissingGrant(name: string): Promise<vscode.TextDocument> {
  const uri = workspaceFile(name);
  const document = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(document);
  const [finding] = await diagnosticsWhere(uri, (d) => d.some((x) => codeOf(x) === 'missing-create-grant'));
  assert.equal(finding.severity, vscode.DiagnosticSeverity.Warning);
  const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
    'vscode.executeCodeActionProvider',
    uri,
    finding.range,
    vscode.CodeActionKind.QuickFix.value,
  );
  const fix = actions.find((a) => a.title.includes('AllowEC2GrantsForEncryptedVolumes'));
  assert.ok(fix?.edit, `no quick fix offered; got ${actions.map((a) => a.title).join(', ')}`);
  assert.ok(await vscode.workspace.applyEdit(fix.edit));
  await diagnosticsWhere(uri, (d) => !d.some((x) => codeOf(x) === 'missing-create-grant'));
  return document;
}

describe('policies in infrastructure code', () => {
  it('a CloudFormation YAML template shows the finding, and its quick fix writes YAML', async () => {
    const document = await fixMissingGrant('volume-key.template.yaml');
    assert.equal(document.languageId, 'yaml');
    const text = document.getText();
    assert.match(text, /# Account root: IAM policies of the account can use the key\./, 'the comment is kept');
    assert.match(text, /\n {10}- Sid: AllowEC2GrantsForEncryptedVolumes\n {12}Effect: Allow\n/);
    assert.match(text, /\n {16}kms:GrantIsForAWSResource: true\n/);
  });

  it('a Terraform file (no language of its own in VS Code) shows the finding once the parser loads, and its quick fix writes HCL', async () => {
    const document = await fixMissingGrant('volume-key.tf');
    const text = document.getText();
    assert.match(text, /# The key that encrypts the app servers' volumes\./, 'the comment is kept');
    assert.match(text, /\n {8}Sid {7}= "AllowEC2GrantsForEncryptedVolumes"\n/);
    assert.match(text, /"kms:GrantIsForAWSResource" = true/);
  });
});
