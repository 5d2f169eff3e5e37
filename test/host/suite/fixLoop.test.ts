import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { DiagnosisReport, KeyPolicyFix } from '../../../src/core/diagnosis';
import type { InstanceSummary } from '../../../src/core/model';
import type { InstanceNode, ProfileNode, RegionNode } from '../../../src/vscode/explorer/nodes';
import { answeringConfirmations, answeringQuickPicks, callsOf, emulator, eventually, extensionApi } from './support';

const INSTANCE = 'i-00de0000000000004'; // app-1, stopped because role Operator (dev-operator) may not create the grant
const APP = { profile: 'dev-admin', region: 'eu-west-1', instanceId: INSTANCE };

function codeOf(d: vscode.Diagnostic): string | number | undefined {
  return typeof d.code === 'object' ? d.code.value : d.code;
}

/** app-1's node under a profile's eu-west-1, listing the profile first when needed. */
async function appNodeUnder(profileName: string): Promise<InstanceNode> {
  const api = await extensionApi();
  const profile = (await api.instances.getChildren()).find(
    (n): n is ProfileNode => n.type === 'profile' && n.profile.name === profileName,
  );
  assert.ok(profile, `no profile ${profileName}`);
  await api.instances.getChildren(profile);
  await api.instances.whenListed(profileName);
  const region = (await api.instances.getChildren(profile)).find(
    (n): n is RegionNode => n.type === 'region' && n.region === APP.region,
  );
  assert.ok(region, `no ${APP.region} under ${profileName}`);
  const node = region.instances.find((n) => n.instance.id === INSTANCE);
  assert.ok(node, `app-1 is not listed under ${profileName}`);
  return node;
}

const putKeyPolicyCalls = async () => Object.values(await callsOf('PutKeyPolicy')).reduce((a, b) => a + b, 0);

describe('The fix loop: start as the principal that failed, save only on purpose', function () {
  this.timeout(180_000);
  let report: DiagnosisReport;
  let fix: KeyPolicyFix;
  let document: vscode.TextDocument;

  before(async () => {
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
    await vscode.workspace.getConfiguration('files').update('autoSave', undefined, vscode.ConfigurationTarget.Global);
    await vscode.workspace
      .getConfiguration('files')
      .update('autoSaveDelay', undefined, vscode.ConfigurationTarget.Global);
  });

  it('asks who starts it, offers dev-operator (the failed principal) first, and a start as it fails before the fix', async () => {
    const { reports } = await extensionApi();
    const final = await answeringQuickPicks(
      (label) => label === 'Start as dev-operator',
      (offered) =>
        answeringConfirmations('Start', async (asked) => {
          const result = await vscode.commands.executeCommand<InstanceSummary>('ec2LaunchDoctor.startInstance', APP);
          // Every quiet profile signed in as role Operator comes first (emulator-assume-role assumes it too).
          assert.equal(offered[0][0], 'Start as dev-operator', offered[0].join(' | '));
          assert.deepEqual(offered[0].slice(-2), ['Check the fix', 'Start as dev-admin']);
          assert.ok(!offered[0].includes('Start as dev-expired'), 'a profile whose sign-in fails is not offered');
          assert.equal(asked.length, 1);
          assert.match(asked[0], /^Start app-1 \(i-00de0000000000004\) as dev-operator\?/);
          assert.match(asked[0], /assumed-role\/Operator\//);
          assert.match(asked[0], /This is the principal that failed/);
          return result;
        }),
    );
    assert.equal(final?.state, 'stopped', 'the key policy still refuses the grant to Operator');
    const rendered = reports.latest(APP.profile, APP.region, APP.instanceId);
    assert.ok(
      rendered?.changes.some((c) => /stopped again .* after a start as dev-operator/.test(c.text)),
      JSON.stringify(rendered?.changes),
    );
  });

  it('checks the live key policy in the key region: a grant pinned to another region is still flagged', async () => {
    const editor = await vscode.commands.executeCommand<vscode.TextEditor>('ec2LaunchDoctor.openKeyPolicy', {
      profile: report.profile,
      region: report.region,
      keyArn: fix.keyArn,
      principalArn: fix.principalArn,
    });
    assert.ok(editor);
    document = editor.document;
    // An earlier suite may have left this document open: read the live policy again.
    await vscode.commands.executeCommand('workbench.action.files.revert', document.uri);
    await eventually(
      () => vscode.languages.getDiagnostics(document.uri).find((d) => codeOf(d) === 'principal-cannot-create-grant'),
      'the missing grant is flagged',
    );
    const pinned = JSON.parse(document.getText()) as { Statement: unknown[] };
    pinned.Statement.push({
      Sid: 'GrantsViaUsEast1Only',
      Effect: 'Allow',
      Principal: { AWS: fix.principalArn },
      Action: 'kms:CreateGrant',
      Resource: '*',
      Condition: {
        Bool: { 'kms:GrantIsForAWSResource': true },
        StringEquals: { 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' },
      },
    });
    const original = document.getText();
    const edit = new vscode.WorkspaceEdit();
    edit.replace(
      document.uri,
      new vscode.Range(document.positionAt(0), document.positionAt(original.length)),
      JSON.stringify(pinned, null, 2),
    );
    assert.ok(await vscode.workspace.applyEdit(edit));
    // Give the debounced analysis time to run on the new text, then check it still flags.
    await new Promise((r) => setTimeout(r, 1500));
    const flagged = vscode.languages
      .getDiagnostics(document.uri)
      .find((d) => codeOf(d) === 'principal-cannot-create-grant');
    assert.ok(
      flagged,
      'a eu-west-1 key is used via ec2.eu-west-1.amazonaws.com: the us-east-1 statement does not help',
    );
    const back = new vscode.WorkspaceEdit();
    back.replace(
      document.uri,
      new vscode.Range(document.positionAt(0), document.positionAt(document.getText().length)),
      original,
    );
    assert.ok(await vscode.workspace.applyEdit(back));
  });

  it('with files.autoSave afterDelay, a quick fix is never written nor confirmed until the explicit save', async () => {
    await vscode.workspace
      .getConfiguration('files')
      .update('autoSave', 'afterDelay', vscode.ConfigurationTarget.Global);
    await vscode.workspace.getConfiguration('files').update('autoSaveDelay', 300, vscode.ConfigurationTarget.Global);
    const putsBefore = await putKeyPolicyCalls();
    const before = (await emulator('GET', `keys/${encodeURIComponent(fix.keyArn)}`)).policyText;
    await answeringConfirmations('Save to AWS', async (asked) => {
      // The diagnostic can outlive the analysis it came from while the document is analyzed
      // again (the provider answers only for the current version): wait for the fix itself.
      const quickFix = await eventually(async () => {
        const flagged = vscode.languages
          .getDiagnostics(document.uri)
          .find((d) => codeOf(d) === 'principal-cannot-create-grant');
        if (!flagged) return undefined;
        const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
          'vscode.executeCodeActionProvider',
          document.uri,
          flagged.range,
          vscode.CodeActionKind.QuickFix.value,
        );
        return actions.find((a) => a.edit && a.title.includes('Operator'));
      }, 'the missing grant flagged, with its quick fix');
      assert.ok(quickFix.edit);
      assert.ok(await vscode.workspace.applyEdit(quickFix.edit));
      // Several auto save delays pass: nothing is asked, nothing is written, nothing is lost.
      await new Promise((r) => setTimeout(r, 2500));
      assert.equal(asked.length, 0, `asked: ${asked.join(' | ')}`);
      assert.equal(await putKeyPolicyCalls(), putsBefore);
      assert.equal((await emulator('GET', `keys/${encodeURIComponent(fix.keyArn)}`)).policyText, before);
      assert.ok(document.isDirty, 'the edit is still in the editor');
      assert.match(document.getText(), /AllowEC2GrantsForEncryptedVolumes/);

      // The explicit save asks, then writes.
      assert.equal(await vscode.commands.executeCommand('ec2LaunchDoctor.saveKeyPolicy', document.uri), true);
      assert.equal(asked.length, 1);
      assert.match(asked[0], /^Replace the key policy of /);
    });
    assert.equal(await putKeyPolicyCalls(), putsBefore + 1);
    assert.match(
      (await emulator('GET', `keys/${encodeURIComponent(fix.keyArn)}`)).policyText,
      /kms:GrantIsForAWSResource/,
    );
    const { reports } = await extensionApi();
    const rendered = reports.latest(APP.profile, APP.region, APP.instanceId);
    assert.ok(rendered?.stale, 'the report says its verdict is from before the save');
    assert.ok(rendered.changes.some((c) => /Key policy of .* saved/.test(c.text)));
  });

  it('Check the fix diagnoses again and says how the verdict changed', async () => {
    const { reports } = await extensionApi();
    await answeringQuickPicks(
      (label) => label === 'Check the fix',
      () => vscode.commands.executeCommand('ec2LaunchDoctor.startInstance', APP),
    );
    const rendered = await eventually(() => {
      const latest = reports.latest(APP.profile, APP.region, APP.instanceId);
      return latest && latest.report !== report ? latest : undefined;
    }, 'a new report');
    // The key policy now lets Operator have the grant; the verdict may still cite the older CloudTrail denial.
    assert.equal(rendered.report.steps.find((step) => step.id === 'key-policy')?.status, 'pass');
    assert.match(rendered.changes[0]?.text ?? '', /^Diagnosed again: .*Key policy: fail before, pass now\./);
    assert.equal((await emulator('GET', `instances/${INSTANCE}`)).state, 'stopped', 'Check the fix starts nothing');
  });

  it('after the fix, the start as dev-operator reaches running and the report says the fix works', async () => {
    const { reports } = await extensionApi();
    // Both profiles of account 111111111111 list the instance: both must follow the start.
    const before = await Promise.all(['dev-admin', 'dev-operator'].map((p) => appNodeUnder(p)));
    assert.deepEqual(
      before.map((n) => n.instance.state),
      ['stopped', 'stopped'],
    );
    const final = await answeringQuickPicks(
      (label) => label === 'Start as dev-operator',
      () =>
        answeringConfirmations('Start', () =>
          vscode.commands.executeCommand<InstanceSummary>('ec2LaunchDoctor.startInstance', APP),
        ),
    );
    assert.equal(final?.state, 'running');
    const rendered = reports.latest(APP.profile, APP.region, APP.instanceId);
    assert.ok(rendered);
    assert.ok(
      rendered.changes.some((c) => /running, started as dev-operator\. .*the fix works/.test(c.text)),
      JSON.stringify(rendered.changes),
    );
    assert.ok(rendered.stale);
    // Without a refresh, the tree shows it running under both profiles of the account.
    const after = await Promise.all(['dev-admin', 'dev-operator'].map((p) => appNodeUnder(p)));
    assert.deepEqual(
      after.map((n) => n.instance.state),
      ['running', 'running'],
    );
  });
});
