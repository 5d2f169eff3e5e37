// Auto Scaling groups in the tree and their diagnosis, against an emulator of its own running the
// autoscaling scenario (a group whose launch template's key does not let the Auto Scaling
// service-linked role use it). The extension is pointed at that emulator's AWS config through
// its settings for this suite only.
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { GroupDiagnosisReport, KeyPolicyFix, LaunchPrediction } from '../../../src/core/diagnosis';
import type { GroupNode, GroupsFolderNode } from '../../../src/vscode/explorer/groupNodes';
import type { ExplorerNode, ProfileNode, RegionNode } from '../../../src/vscode/explorer/nodes';
import { answeringConfirmations, eventually, extensionApi } from './support';

const PROFILE = 'platform-admin';
const REGION = 'us-west-2';
const GROUP = 'eks-nodes-asg';
const ROLE = 'arn:aws:iam::333333333333:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling';

/** The compiled suite lives in dist-test/host: the repository is two levels up. */
const repoRoot = path.resolve(__dirname, '..', '..');

/** Starts the emulator with the autoscaling scenario; resolves once it listens. */
async function startAutoscalingEmulator(configDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(repoRoot, 'test', 'emulator', 'main.ts'),
      '--scenario',
      'autoscaling',
      '--config-dir',
      configDir,
      '--launch-delay',
      '0',
    ],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } },
  );
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the autoscaling emulator did not start within 30 s:\n${output}`)),
      30_000,
    );
    child.stdout?.on('data', (chunk) => {
      output += chunk;
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.stderr?.on('data', (chunk) => (output += chunk));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the autoscaling emulator exited (${code}):\n${output}`));
    });
  });
  return { child, url };
}

describe('Auto Scaling groups in the tree', function () {
  this.timeout(120_000);

  let child: ChildProcess | undefined;
  let url = '';
  let tmp = '';
  const settings = () => vscode.workspace.getConfiguration('ec2LaunchDoctor');

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ec2ld-groups-'));
    ({ child, url } = await startAutoscalingEmulator(tmp));
    await settings().update('sharedConfigFile', path.join(tmp, 'config'), vscode.ConfigurationTarget.Global);
    await settings().update('sharedCredentialsFile', path.join(tmp, 'credentials'), vscode.ConfigurationTarget.Global);
  });

  after(async () => {
    await settings().update('sharedConfigFile', undefined, vscode.ConfigurationTarget.Global);
    await settings().update('sharedCredentialsFile', undefined, vscode.ConfigurationTarget.Global);
    (await extensionApi()).instances.refresh();
    child?.kill('SIGTERM');
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** The region's children once its profile is listed. */
  async function regionChildren(): Promise<ExplorerNode[]> {
    const api = await extensionApi();
    api.instances.refresh();
    const roots = await api.instances.getChildren();
    const profile = roots.find((n): n is ProfileNode => n.type === 'profile' && n.profile.name === PROFILE);
    assert.ok(profile, `profiles: ${roots.map((n) => (n.type === 'profile' ? n.profile.name : n.type)).join(', ')}`);
    await api.instances.getChildren(profile);
    await api.instances.whenListed(PROFILE);
    const regions = await api.instances.getChildren(profile);
    const region = regions.find((n): n is RegionNode => n.type === 'region' && n.region === REGION);
    assert.ok(region, `children of ${PROFILE}: ${regions.map((n) => n.type).join(', ')}`);
    return api.instances.getChildren(region);
  }

  /** Calls of one action this suite's emulator counted since its calls were reset. */
  async function callsOf(action: string): Promise<number> {
    const res = await fetch(`${url}/__emulator/calls`);
    const { calls } = (await res.json()) as { calls: { action: string; count: number }[] };
    return calls.filter((c) => c.action === action).reduce((sum, c) => sum + c.count, 0);
  }

  it('shows the failing group under its region, marked as failing to launch, with its message and template', async () => {
    const api = await extensionApi();
    await fetch(`${url}/__emulator/calls`, { method: 'DELETE' });
    const children = await regionChildren();
    // Expanding one region reads its groups once, and the activities of the one group short of capacity.
    assert.equal(await callsOf('DescribeAutoScalingGroups'), 1);
    assert.equal(await callsOf('DescribeScalingActivities'), 1);
    const folder = children[0];
    assert.equal(folder?.type, 'groups', `region children: ${children.map((n) => n.type).join(', ')}`);
    const groups = (await api.instances.getChildren(folder)) as GroupNode[];
    assert.deepEqual(
      groups.map((g) => g.failing.group.name),
      [GROUP],
    );
    const item = api.instances.getTreeItem(groups[0]);
    assert.equal(item.contextValue, 'autoScalingGroup.failing');
    assert.match(String(item.description), /failing to launch · 0\/1 in service/);
    assert.equal((item.iconPath as vscode.ThemeIcon).id, 'warning');
    const rows = await api.instances.getChildren(groups[0]);
    const labels = rows.map((r) => (r.type === 'message' ? r.label : r.type));
    assert.ok(
      labels.some((l) => /lt-0a1b2c3d4e5f60001 \(eks-nodes\) version \$Default/.test(l)),
      labels.join(' | '),
    );
    assert.ok(
      labels.some((l) => /Client\.InvalidKMSKey\.InvalidState/.test(l)),
      labels.join(' | '),
    );
    assert.ok(labels.includes('i-1234abcd1234abcd1'), labels.join(' | '));
    assert.equal((folder as GroupsFolderNode).groups.length, 1);
  });

  it('diagnoses the group from its node: the service-linked role may not create the grant', async () => {
    const api = await extensionApi();
    const children = await regionChildren();
    const [group] = (await api.instances.getChildren(children[0])) as GroupNode[];
    assert.ok(group, 'no failing group');
    const report = await vscode.commands.executeCommand<GroupDiagnosisReport | undefined>(
      'ec2LaunchDoctor.diagnoseAutoScalingGroup',
      group,
    );
    assert.ok(report, 'no report');
    assert.equal(report.subject, 'auto-scaling-group');
    assert.equal(report.groupName, GROUP);
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed', report.verdict.summary);
    assert.equal(report.principal?.policyArn ?? report.principal?.arn, ROLE);
    assert.ok(
      report.fixes.some((f) => f.target === 'key-policy'),
      `fixes: ${report.fixes.map((f) => f.target).join(', ')}`,
    );
    assert.equal(api.reports.latestGroup(PROFILE, REGION, GROUP), report, 'the report view holds the group report');
    // The tab model reaches the extension host a moment after the panel is created.
    await eventually(
      () =>
        vscode.window.tabGroups.all
          .flatMap((g) => g.tabs)
          .find((t) => t.label === `Diagnosis: Auto Scaling group ${GROUP}`),
      'the report tab to open',
    );
  });

  /** The failing group's node, as the tree shows it now. */
  async function groupNode(): Promise<GroupNode> {
    const api = await extensionApi();
    const children = await regionChildren();
    const [group] = (await api.instances.getChildren(children[0])) as GroupNode[];
    assert.ok(group, 'no failing group');
    return group;
  }

  /** Check Launch Readiness on the group's node, as its context menu runs it. */
  async function readinessFromTree(): Promise<LaunchPrediction> {
    const prediction = await vscode.commands.executeCommand<LaunchPrediction | undefined>(
      'ec2LaunchDoctor.checkLaunchReadiness',
      await groupNode(),
    );
    assert.ok(prediction, 'no prediction');
    assert.equal(prediction.kind, 'prediction');
    assert.deepEqual(prediction.subject, { kind: 'auto-scaling-group', groupName: GROUP });
    assert.equal(prediction.principal?.policyArn ?? prediction.principal?.arn, ROLE);
    assert.equal(prediction.calls.byAction['cloudtrail:LookupEvents'], undefined, 'a prediction reads no CloudTrail');
    const api = await extensionApi();
    assert.equal(
      api.reports.latestReadiness(PROFILE, REGION, prediction.subject)?.prediction,
      prediction,
      'the report view holds the prediction',
    );
    await eventually(
      () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.label === `Prediction: ${GROUP}`),
      'the prediction tab to open',
    );
    return prediction;
  }

  it('predicts from the group node, before the fix, that its launch will fail, with the key policy fix', async () => {
    const prediction = await readinessFromTree();
    assert.equal(prediction.outcome, 'will-fail', `${prediction.reason} ${prediction.unread.join(' ')}`);
    assert.equal(prediction.code, 'kms-create-grant-not-allowed');
    assert.ok(
      prediction.fixes.some((f) => f.target === 'key-policy'),
      `fixes: ${prediction.fixes.map((f) => f.target).join(', ')}`,
    );
    assert.ok(
      prediction.keys.length > 0 && prediction.keys.every((k) => k.state === 'Enabled'),
      JSON.stringify(prediction.keys),
    );
  });

  it('applies the fix through Open key policy: the next diagnosis finds the key policy lets the role launch', async () => {
    const api = await extensionApi();
    const report = api.reports.latestGroup(PROFILE, REGION, GROUP);
    assert.ok(report, 'the group was diagnosed before');
    const fixes = report.fixes.filter((f): f is KeyPolicyFix => f.target === 'key-policy');
    assert.ok(fixes.length > 0, `fixes: ${JSON.stringify(report.fixes)}`);
    const [first] = fixes;
    assert.equal(report.steps.find((s) => s.id === 'key-policy')?.status, 'fail');

    // The report's Open key policy link, then the fix's statements added in the editor.
    const editor = await vscode.commands.executeCommand<vscode.TextEditor>('ec2LaunchDoctor.openKeyPolicy', {
      profile: report.profile,
      region: report.region,
      keyArn: first.keyArn,
      principalArn: first.principalArn,
    });
    assert.ok(editor, 'the key policy opens in an editor');
    const document = editor.document;
    const policy = JSON.parse(document.getText()) as { Statement: unknown[] };
    policy.Statement.push(...fixes.filter((f) => f.keyArn === first.keyArn).map((f) => f.statement));
    const edit = new vscode.WorkspaceEdit();
    edit.replace(
      document.uri,
      new vscode.Range(document.positionAt(0), document.positionAt(document.getText().length)),
      JSON.stringify(policy, null, 2),
    );
    assert.ok(await vscode.workspace.applyEdit(edit));
    const saved = await answeringConfirmations('Save to AWS', () => document.save());
    assert.equal(saved, true, 'the policy is saved to AWS after confirming');
    // The group's report and the prediction made before keep what changed, their verdicts marked as from before.
    await eventually(
      () => api.reports.groupChanges(PROFILE, REGION, GROUP).find((c) => c.text.includes(first.keyArn)),
      "the save to reach the group's report",
    );
    assert.ok(
      api.reports
        .latestReadiness(PROFILE, REGION, { kind: 'auto-scaling-group', groupName: GROUP })
        ?.changes.some((c) => c.text.includes(first.keyArn)),
      'the prediction made before the fix says what changed',
    );

    const again = await vscode.commands.executeCommand<GroupDiagnosisReport | undefined>(
      'ec2LaunchDoctor.diagnoseAutoScalingGroup',
      {
        profile: PROFILE,
        region: REGION,
        groupName: GROUP,
      },
    );
    assert.ok(again, 'no report after the fix');
    const step = again.steps.find((s) => s.id === 'key-policy');
    assert.equal(step?.status, 'pass', JSON.stringify(step));
    assert.ok(
      !again.fixes.some((f) => f.target === 'key-policy' && f.keyArn === first.keyArn),
      `fixes: ${JSON.stringify(again.fixes)}`,
    );
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('predicts from the group node, after the key policy fix, that its launch will succeed', async () => {
    const prediction = await readinessFromTree();
    assert.equal(prediction.outcome, 'will-launch', `${prediction.reason} ${prediction.unread.join(' ')}`);
    assert.equal(prediction.code, undefined);
    assert.deepEqual(prediction.fixes, []);
    assert.deepEqual(prediction.unread, []);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
