import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { eventually } from './support';

const allTabs = () => vscode.window.tabGroups.all.flatMap((group) => group.tabs);

describe('explanation pages of diagnostics', () => {
  it('open rendered beside the policy editor, which stays open', async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder);
    const policy = vscode.Uri.file(path.join(folder.uri.fsPath, 'key-policy-missing-grant.json'));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(policy), { preview: false });
    // What a diagnostic's code link opens: the target the diagnostic itself carries.
    const help = await eventually(() => {
      const code = vscode.languages.getDiagnostics(policy).find((d) => typeof d.code === 'object')?.code;
      return typeof code === 'object' ? code.target : undefined;
    }, 'a diagnostic with an explanation link');
    assert.equal(help.scheme, 'ec2-launch-doctor-help');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(help));
    await eventually(
      () =>
        allTabs().some((t) => t.input instanceof vscode.TabInputWebview && /markdown\.preview/.test(t.input.viewType))
          ? true
          : undefined,
      'the rendered explanation',
    );
    await eventually(
      () =>
        allTabs().some((t) => t.input instanceof vscode.TabInputText && t.input.uri.scheme === help.scheme)
          ? undefined
          : true,
      'the source tab of the explanation to close',
    );
    assert.ok(
      allTabs().some((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === policy.toString()),
      'the policy editor is still open',
    );
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
