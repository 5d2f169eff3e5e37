import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DiagnosisReport, KeyPolicyFix } from '../../../src/core/diagnosis';
import type { FixInCodeResult } from '../../../src/vscode/diagnose/fixInCode';
import { callsOf, emulator, extensionApi } from './support';

const INSTANCE = 'i-00de0000000000004'; // app-1: its key (alias/app-data) lets role Operator use it but not create the grant
const APP = { profile: 'dev-admin', region: 'eu-west-1', instanceId: INSTANCE };
const FILE = 'platform-key.template.yaml';

/** The demo key as a stack defines it: found by its alias, with the policy the key has live (demo.json). */
const TEMPLATE = `AWSTemplateFormatVersion: '2010-09-09'
Resources:
  PlatformKey:
    Type: AWS::KMS::Key
    Properties:
      Description: Application data volumes
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Sid: Allow access for Key Administrators
            Effect: Allow
            Principal:
              AWS: arn:aws:iam::111111111111:user/alice
            Action: 'kms:*'
            Resource: '*'
          - Sid: Allow use of the key
            Effect: Allow
            Principal:
              AWS: arn:aws:iam::111111111111:role/Operator
            Action:
              - kms:Encrypt
              - kms:Decrypt
              - kms:ReEncrypt*
              - kms:GenerateDataKey*
              - kms:DescribeKey
            Resource: '*'
  PlatformKeyAlias:
    Type: AWS::KMS::Alias
    Properties:
      AliasName: alias/app-data
      TargetKeyId: !Ref PlatformKey
`;

const putKeyPolicyCalls = async () => Object.values(await callsOf('PutKeyPolicy')).reduce((a, b) => a + b, 0);

describe('Fix in <file>: a key defined in the workspace is fixed in its code', function () {
  this.timeout(120_000);
  let uri: vscode.Uri;
  let report: DiagnosisReport;
  let fix: KeyPolicyFix;

  before(async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the host suite needs its workspace folder');
    uri = vscode.Uri.file(path.join(folder.uri.fsPath, FILE));
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(TEMPLATE));
    await emulator('POST', 'reset');
    await emulator('POST', 'faults', { faults: [] });
    const diagnosed = await vscode.commands.executeCommand<DiagnosisReport>(
      'ec2LaunchDoctor.diagnoseStoppedInstance',
      APP,
    );
    assert.ok(diagnosed);
    report = diagnosed;
    const found = report.fixes.find((f): f is KeyPolicyFix => f.target === 'key-policy');
    assert.ok(found, JSON.stringify(report.fixes));
    fix = found;
  });

  after(async () => {
    // The file is the test's own: other suites see the workspace as it was.
    for (const editor of vscode.window.visibleTextEditors)
      if (editor.document.uri.toString() === uri.toString()) {
        await vscode.window.showTextDocument(editor.document);
        await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
      }
    await vscode.workspace.fs.delete(uri);
  });

  it('offers Fix in <file> first in the report, and the live policy second, which drifts from the file', async () => {
    const { reports } = await extensionApi();
    const rendered = reports.latest(APP.profile, APP.region, APP.instanceId);
    assert.deepEqual(rendered?.definitions, [{ path: FILE }]);
  });

  it('opens the template at the key policy and applies the fix for the diagnosed principal there, without saving or calling AWS', async () => {
    const putsBefore = await putKeyPolicyCalls();
    const result = await vscode.commands.executeCommand<FixInCodeResult>('ec2LaunchDoctor.fixInCode', {
      keyArn: fix.keyArn,
      principalArn: fix.principalArn,
      path: FILE,
    });
    assert.equal(result?.outcome, 'fixed', JSON.stringify(result));
    const document = vscode.window.activeTextEditor?.document;
    assert.equal(document?.uri.toString(), uri.toString());
    assert.ok(document?.isDirty, 'the fix waits for the person to save it');
    const text = document.getText();
    assert.ok(text.includes('kms:CreateGrant'), text);
    assert.match(text, /AllowEC2GrantsForEncryptedVolumes[\s\S]*Operator/, 'the statement names the diagnosed role');
    assert.ok(text.includes('AliasName: alias/app-data'), 'the rest of the template is kept');
    assert.equal(await putKeyPolicyCalls(), putsBefore, 'nothing is written to AWS');
  });

  it('names no file for a key the workspace does not define', async () => {
    const result = await vscode.commands.executeCommand<FixInCodeResult>('ec2LaunchDoctor.fixInCode', {
      keyArn: 'arn:aws:kms:eu-west-1:111111111111:key/1a2b3c4d-0009-4abc-8def-000000000009',
    });
    assert.deepEqual(result, { outcome: 'no-definition' });
  });
});
