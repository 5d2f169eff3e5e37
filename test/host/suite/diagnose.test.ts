import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { DiagnosisReport, KeyPolicyFix } from '../../../src/core/diagnosis';
import type { InstanceSummary } from '../../../src/core/model';
import { answeringConfirmations, emulator, eventually } from './support';

const INSTANCE = 'i-00de0000000000004'; // app-1: stopped because role Operator may not create the grant
const OPERATOR_ROLE = 'arn:aws:iam::111111111111:role/Operator';

function codeOf(d: vscode.Diagnostic): string | number | undefined {
  return typeof d.code === 'object' ? d.code.value : d.code;
}

describe('Diagnose Stopped Instance: the whole loop against the emulator', function () {
  this.timeout(120_000);

  before(async () => {
    await emulator('POST', 'reset');
    await emulator('POST', 'faults', { faults: [] });
  });

  it('diagnoses, fixes the key policy in the editor, saves it after confirmation and starts the instance', async () => {
    const report = await vscode.commands.executeCommand<DiagnosisReport>('ec2LaunchDoctor.diagnoseStoppedInstance', {
      profile: 'dev-admin',
      region: 'eu-west-1',
      instanceId: INSTANCE,
    });
    assert.ok(report, 'the command returns the report it shows');
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed', report.verdict.summary);
    assert.ok(report.calls.rounds <= 5, `rounds: ${report.calls.rounds}`);
    const fix = report.fixes.find((f): f is KeyPolicyFix => f.target === 'key-policy');
    assert.ok(fix, `fixes: ${JSON.stringify(report.fixes)}`);
    assert.equal(fix.principalArn, OPERATOR_ROLE);

    // The report's "Open key policy" link.
    const editor = await vscode.commands.executeCommand<vscode.TextEditor>('ec2LaunchDoctor.openKeyPolicy', {
      profile: report.profile,
      region: report.region,
      keyArn: fix.keyArn,
      principalArn: fix.principalArn,
    });
    assert.ok(editor, 'the key policy opens in an editor');
    const document = editor.document;
    assert.equal(document.uri.scheme, 'ec2-kms-policy');
    const before = (await emulator('GET', `keys/${encodeURIComponent(fix.keyArn)}`)).policyText;

    // The policy diagnostics check the diagnosed principal by name.
    const flagged = await eventually(() => {
      const found = vscode.languages
        .getDiagnostics(document.uri)
        .find((d) => codeOf(d) === 'principal-cannot-create-grant');
      return found;
    }, 'principal-cannot-create-grant on the live key policy');
    assert.match(flagged.message, /Operator/);

    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      document.uri,
      flagged.range,
      vscode.CodeActionKind.QuickFix.value,
    );
    const quickFix = actions.find((a) => a.edit && a.title.includes('Operator'));
    assert.ok(quickFix?.edit, `actions: ${actions.map((a) => a.title).join(' | ')}`);
    assert.ok(await vscode.workspace.applyEdit(quickFix.edit));
    await eventually(
      () =>
        vscode.languages.getDiagnostics(document.uri).some((d) => codeOf(d) === 'principal-cannot-create-grant')
          ? undefined
          : true,
      'the finding to go away after the quick fix',
    );

    // Declining the confirmation writes nothing and keeps the edit.
    const declined = await answeringConfirmations(undefined, () => document.save());
    assert.equal(declined, false);
    assert.equal((await emulator('GET', `keys/${encodeURIComponent(fix.keyArn)}`)).policyText, before);
    assert.ok(document.isDirty);

    const saved = await answeringConfirmations('Save to AWS', async (asked) => {
      const ok = await document.save();
      assert.equal(asked.length, 1);
      assert.match(asked[0], /Adds 1 statement/);
      return ok;
    });
    assert.equal(saved, true);
    const after = (await emulator('GET', `keys/${encodeURIComponent(fix.keyArn)}`)).policyText;
    assert.notEqual(after, before);
    assert.match(after, /kms:GrantIsForAWSResource/);

    // "Start instance again", as the principal that failed before.
    const final = await answeringConfirmations('Start', () =>
      vscode.commands.executeCommand<InstanceSummary>('ec2LaunchDoctor.startInstance', {
        profile: 'dev-operator',
        region: 'eu-west-1',
        instanceId: INSTANCE,
      }),
    );
    assert.equal(final?.state, 'running');
    assert.equal((await emulator('GET', `instances/${INSTANCE}`)).state, 'running');
  });

  it('enables a disabled key from the report, only after confirmation', async () => {
    const report = await vscode.commands.executeCommand<DiagnosisReport>('ec2LaunchDoctor.diagnoseStoppedInstance', {
      profile: 'dev-admin',
      region: 'eu-west-1',
      instanceId: 'i-00de0000000000005',
    });
    assert.equal(report?.verdict.code, 'kms-key-disabled');
    const fix = report.fixes.find((f) => f.target === 'key-state');
    assert.ok(fix && fix.target === 'key-state' && fix.action === 'enable-key', JSON.stringify(report.fixes));
    const args = { profile: report.profile, keyArn: fix.keyArn, action: fix.action };

    assert.equal(
      await answeringConfirmations(undefined, () =>
        vscode.commands.executeCommand('ec2LaunchDoctor.changeKeyState', args),
      ),
      false,
    );
    assert.equal((await emulator('GET', `keys/${encodeURIComponent(fix.keyArn)}`)).state, 'Disabled');

    assert.equal(
      await answeringConfirmations('Enable Key', () =>
        vscode.commands.executeCommand('ec2LaunchDoctor.changeKeyState', args),
      ),
      true,
    );
    assert.equal((await emulator('GET', `keys/${encodeURIComponent(fix.keyArn)}`)).state, 'Enabled');
  });
});
