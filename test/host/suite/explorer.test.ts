import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type {
  ErrorNode,
  ExplorerNode,
  InstanceNode,
  ProfileNode,
  RegionNode,
} from '../../../src/vscode/explorer/nodes';
import { answeringConfirmations, callsOf, emulator, eventually, extensionApi } from './support';

/** Expands a profile whose listing fails and returns its error node with the TreeItem. */
async function onlyErrorOf(profileName: string): Promise<{ node: ErrorNode; item: vscode.TreeItem }> {
  const api = await extensionApi();
  const profile = (await api.instances.getChildren()).find(
    (n): n is ProfileNode => n.type === 'profile' && n.profile.name === profileName,
  );
  assert.ok(profile, `no profile ${profileName}`);
  await api.instances.getChildren(profile);
  await api.instances.whenListed(profileName);
  const [node] = await api.instances.getChildren(profile);
  assert.ok(node?.type === 'error', `children of ${profileName}: ${node?.type}`);
  return { node, item: api.instances.getTreeItem(node) };
}

describe('Instances tree against the emulator', function () {
  this.timeout(90_000);

  let profile: ProfileNode;
  let children: ExplorerNode[];

  before(async () => {
    const api = await extensionApi();
    await emulator('POST', 'reset');
    await emulator('DELETE', 'calls');
    // One region of the profile refuses to list: the others must list all the same.
    await emulator('POST', 'faults', {
      faults: [{ service: 'ec2', region: 'ap-southeast-2', action: 'DescribeInstances', error: 'AccessDenied' }],
    });
    api.instances.refresh();
    const roots = await api.instances.getChildren();
    const found = roots.find((n): n is ProfileNode => n.type === 'profile' && n.profile.name === 'dev-admin');
    assert.ok(
      found,
      `profiles listed: ${roots.map((n) => (n.type === 'profile' ? n.profile.name : n.type)).join(', ')}`,
    );
    profile = found;
    // Expanding starts the listing; once every region is done the children are final.
    await api.instances.getChildren(profile);
    await api.instances.whenListed('dev-admin');
    children = await api.instances.getChildren(profile);
  });

  after(async () => {
    await emulator('POST', 'faults', { faults: [] });
  });

  it('lists every profile of the shared config, with its sign-in kind', async () => {
    const api = await extensionApi();
    const roots = (await api.instances.getChildren()).filter((n): n is ProfileNode => n.type === 'profile');
    const names = roots.map((n) => n.profile.name);
    for (const name of ['dev-admin', 'dev-operator', 'sec-admin', 'emulator-sso', 'emulator-process'])
      assert.ok(names.includes(name), `${name} missing from ${names}`);
    const sso = roots.find((n) => n.profile.name === 'emulator-sso')!;
    assert.match(String(api.instances.getTreeItem(sso).description), /SSO/);
  });

  it('shows only the profiles of the ec2LaunchDoctor.profiles setting, without listing again', async () => {
    const api = await extensionApi();
    const listedBefore = await callsOf('DescribeInstances');
    const settings = vscode.workspace.getConfiguration('ec2LaunchDoctor');
    await settings.update('profiles', ['dev-admin', 'sec-admin'], vscode.ConfigurationTarget.Global);
    try {
      const names = await eventually(async () => {
        const roots = (await api.instances.getChildren()).map((n) => (n.type === 'profile' ? n.profile.name : n.type));
        return roots.length === 2 ? roots : undefined;
      }, 'the tree to follow the setting');
      assert.deepEqual(names, ['dev-admin', 'sec-admin']);
      assert.deepEqual(await callsOf('DescribeInstances'), listedBefore, 'a display setting does not call AWS');
    } finally {
      await settings.update('profiles', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('shows regions with counts, hides empty ones and skips opt-in regions that are not enabled', () => {
    const regions = children.filter((n): n is RegionNode => n.type === 'region');
    const names = regions.map((r) => r.region).sort();
    // ap-east-1 is an opt-in region this account enabled; af-south-1 is not enabled and
    // ap-southeast-2 failed (its error node is checked below).
    assert.deepEqual(names, ['ap-east-1', 'eu-central-1', 'eu-west-1', 'us-east-1']);
    const euWest = regions.find((r) => r.region === 'eu-west-1')!;
    assert.match(euWest.counts, /^\d+ instances, [1-9]\d* stopped at launch$/);
  });

  it('shows the failing region as an error node with its next step', async () => {
    const api = await extensionApi();
    const error = children.find((n) => n.type === 'error' && n.region === 'ap-southeast-2');
    assert.ok(error && error.type === 'error', `children: ${children.map((c) => c.type).join(', ')}`);
    assert.equal(error.failure.kind, 'access-denied');
    const item = api.instances.getTreeItem(error);
    assert.match(String(item.label), /Access denied/);
    assert.ok(String(item.description).length > 0, 'the error node says what to do next');
  });

  it('shows an SSO profile without a valid token as "Session expired", with the sign-in action', async () => {
    const { node, item } = await onlyErrorOf('emulator-sso');
    assert.equal(node.failure.kind, 'expired-credentials');
    assert.equal(item.label, 'Session expired');
    assert.equal(item.contextValue, 'error.expiredSession');
    assert.equal(item.command?.command, 'ec2LaunchDoctor.ssoLogin');
    assert.match(String(item.description), /aws sso login --profile emulator-sso/);
  });

  it('shows expired access keys as "Credentials expired", pointing at the log rather than SSO', async () => {
    const { node, item } = await onlyErrorOf('dev-expired');
    assert.equal(node.failure.kind, 'expired-credentials');
    assert.equal(item.label, 'Credentials expired');
    assert.equal(item.contextValue, 'error');
    assert.equal(item.command?.command, 'ec2LaunchDoctor.showLog');
  });

  it('marks the instance stopped at launch and puts it first', async () => {
    const api = await extensionApi();
    const euWest = children.find((n): n is RegionNode => n.type === 'region' && n.region === 'eu-west-1')!;
    const instances = (await api.instances.getChildren(euWest)) as InstanceNode[];
    const first = api.instances.getTreeItem(instances[0]);
    assert.equal(first.contextValue, 'instance.stopped.atLaunch');
    const app = instances.find((n) => n.instance.name === 'app-1')!;
    const item = api.instances.getTreeItem(app);
    assert.equal(item.contextValue, 'instance.stopped.atLaunch');
    assert.equal((item.iconPath as vscode.ThemeIcon).id, 'warning');
    assert.match(String(item.description), /Client\.InternalError/);
    const userStop = instances.find((n) => n.instance.name === 'worker-1')!;
    assert.equal(api.instances.getTreeItem(userStop).contextValue, 'instance.stopped');
    const tooltip = (item.tooltip as vscode.MarkdownString).value;
    for (const expected of ['i-00de0000000000004', 't3.medium', 'eu-west-1a', 'Client error on launch', 'vol-'])
      assert.ok(tooltip.includes(expected), `tooltip lacks ${expected}`);
  });

  it('made one DescribeRegions for the profile and one DescribeInstances page per region', async () => {
    const regions = await callsOf('DescribeRegions', 'dev-admin');
    assert.equal(
      Object.values(regions).reduce((a, b) => a + b, 0),
      1,
      JSON.stringify(regions),
    );
    const pages = await callsOf('DescribeInstances', 'dev-admin');
    // ap-southeast-2 answered AccessDenied, which the SDK does not retry.
    assert.deepEqual(pages, { 'ap-east-1': 1, 'ap-southeast-2': 1, 'eu-central-1': 1, 'eu-west-1': 1, 'us-east-1': 1 });
  });

  it('starts a stopped instance only after confirmation and follows it to running', async () => {
    const api = await extensionApi();
    const usEast = children.find((n): n is RegionNode => n.type === 'region' && n.region === 'us-east-1')!;
    const node = usEast.instances.find((n) => n.instance.name === 'api-2')!;
    assert.equal(node.instance.state, 'stopped');

    const declined = await answeringConfirmations(undefined, () =>
      vscode.commands.executeCommand('ec2LaunchDoctor.startInstance', node),
    );
    assert.equal(declined, undefined);
    assert.equal(
      (await emulator('GET', `instances/${node.instance.id}`)).state,
      'stopped',
      'nothing happens without confirmation',
    );

    // The tree replaces an instance's node when it learns more, and renders its region again.
    const seen: string[] = [];
    const listener = api.instances.onDidChangeTreeData((changed) => {
      if (changed?.type !== 'region' || changed.region !== 'us-east-1' || changed.profile !== 'dev-admin') return;
      const state = changed.instances.find((n) => n.instance.id === node.instance.id)?.instance.state;
      if (state && seen[seen.length - 1] !== state) seen.push(state);
    });
    const shown = async () =>
      (await api.instances.findInstance('dev-admin', 'us-east-1', node.instance.id))?.instance.state;
    try {
      await answeringConfirmations('Start', async (asked) => {
        await vscode.commands.executeCommand('ec2LaunchDoctor.startInstance', node);
        assert.equal(asked.length, 1);
        assert.match(asked[0], /Start api-2/);
      });
      await eventually(
        async () => ((await shown()) === 'running' ? true : undefined),
        'the tree to show api-2 running',
      );
    } finally {
      listener.dispose();
    }
    assert.equal(seen[0], 'pending');
    assert.equal(seen[seen.length - 1], 'running');
    assert.equal(node.instance.state, 'stopped', 'the node the command was given is not changed under it');
    assert.equal((await emulator('GET', `instances/${node.instance.id}`)).state, 'running');
    const current = await api.instances.findInstance('dev-admin', 'us-east-1', node.instance.id);
    assert.ok(current);
    assert.equal(api.instances.getTreeItem(current).contextValue, 'instance.running');
  });

  it('shows the regions that answered while one region is still listing', async () => {
    const api = await extensionApi();
    await emulator('POST', 'faults', {
      faults: [{ service: 'ec2', region: 'eu-central-1', action: 'DescribeInstances', latencyMs: 8_000 }],
    });
    api.instances.refresh();
    const roots = await api.instances.getChildren();
    const devAdmin = roots.find((n): n is ProfileNode => n.type === 'profile' && n.profile.name === 'dev-admin');
    assert.ok(devAdmin);
    const started = Date.now();
    const early = await api.instances.getChildren(devAdmin);
    assert.ok(Date.now() - started < 6_000, `the profile waited ${Date.now() - started} ms for its slowest region`);
    const regions = early.filter((n): n is RegionNode => n.type === 'region').map((r) => r.region);
    assert.ok(regions.includes('eu-west-1'), `listed early: ${regions.join(', ')}`);
    const pending = early.find((n) => n.type === 'message' && n.label === 'eu-central-1');
    assert.ok(pending, `children: ${early.map((n) => (n.type === 'region' ? n.region : n.type)).join(', ')}`);
    assert.equal((api.instances.getTreeItem(pending).iconPath as vscode.ThemeIcon).id, 'loading~spin');
    await api.instances.whenListed('dev-admin');
    const late = await api.instances.getChildren(devAdmin);
    assert.ok(
      late.some((n) => n.type === 'region' && n.region === 'eu-central-1'),
      'the slow region appears when done',
    );
  });
});
