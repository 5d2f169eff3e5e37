import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';

const SOURCE = 'EC2 Launch Doctor';

function workspaceFile(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the host suite needs its workspace folder');
  return vscode.Uri.file(path.join(folder.uri.fsPath, name));
}

function ours(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === SOURCE);
}

function codeOf(d: vscode.Diagnostic): string | number | undefined {
  return typeof d.code === 'object' ? d.code.value : d.code;
}

/** Waits until `predicate` holds for the document's diagnostics (they are debounced). */
async function diagnosticsWhere(
  uri: vscode.Uri,
  predicate: (d: vscode.Diagnostic[]) => boolean,
  timeoutMs = 10_000,
): Promise<vscode.Diagnostic[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = ours(uri);
    if (predicate(current)) return current;
    if (Date.now() > deadline) {
      throw new Error(`diagnostics never matched; last: ${JSON.stringify(current.map((d) => [codeOf(d), d.message]))}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('key policy diagnostics and quick fix', () => {
  it('flags a key policy missing the CreateGrant statement and fixes it in place', async () => {
    const uri = workspaceFile('key-policy-missing-grant.json');
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document);

    const [finding] = await diagnosticsWhere(uri, (d) => d.some((x) => codeOf(x) === 'missing-create-grant'));
    assert.equal(codeOf(finding), 'missing-create-grant');
    assert.equal(finding.severity, vscode.DiagnosticSeverity.Warning);
    assert.match(finding.message, /AppDeployer/);
    assert.ok(
      typeof finding.code === 'object' && finding.code.target.scheme === 'ec2-launch-doctor-help',
      'the code links to its explanation',
    );

    // The hover on the flagged statement explains the verdict for each principal.
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      uri,
      finding.range.start.translate(0, 2),
    );
    const hoverText = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.match(hoverText, /missing-create-grant/);
    assert.match(hoverText, /AppDeployer/);

    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      uri,
      finding.range,
      vscode.CodeActionKind.QuickFix.value,
    );
    // Other installed extensions may add their own actions; ours insert the scoped statement.
    const fix = actions.find((a) => a.title.includes('AllowEC2GrantsForEncryptedVolumes'));
    assert.ok(fix?.edit, `no quick fix offered; got ${actions.map((a) => a.title).join(', ')}`);
    assert.ok(await vscode.workspace.applyEdit(fix.edit));

    await diagnosticsWhere(uri, (d) => !d.some((x) => codeOf(x) === 'missing-create-grant'));
    const text = document.getText();
    assert.match(text, /\/\/ Key policy of the key that encrypts the app servers' volumes\./, 'the comment is kept');
    assert.match(text, /"kms:GrantIsForAWSResource": true/);
    assert.match(
      text,
      /\n {6}"Sid": "AllowEC2GrantsForEncryptedVolumes"/,
      'the new statement uses the file indentation',
    );
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('leaves JSON that is not a policy alone', async () => {
    const document = await vscode.workspace.openTextDocument({
      language: 'json',
      content: '{ "name": "my-app", "version": "1.0.0", "dependencies": { "left-pad": "^1.0.0" } }',
    });
    await vscode.window.showTextDocument(document);
    await new Promise((r) => setTimeout(r, 600));
    assert.deepEqual(ours(document.uri).map(codeOf), []);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });
});
