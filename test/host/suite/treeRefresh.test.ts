import * as assert from 'node:assert/strict';
import type { ProfileNode, RegionNode } from '../../../src/vscode/explorer/nodes';
import { eventually, extensionApi } from './support';

async function profileNode(name: string): Promise<ProfileNode> {
  const api = await extensionApi();
  const node = (await api.instances.getChildren()).find(
    (n): n is ProfileNode => n.type === 'profile' && n.profile.name === name,
  );
  assert.ok(node, `no profile ${name}`);
  return node;
}

describe('the tree after a Refresh, and regions with failures', () => {
  it('keeps showing the account id a profile revealed', async () => {
    const api = await extensionApi();
    const listed = await profileNode('dev-admin');
    await api.instances.getChildren(listed);
    await eventually(() => listed.accountId, 'the account id of dev-admin');
    api.instances.refresh();
    const again = await profileNode('dev-admin');
    assert.notEqual(again, listed, 'a new node after the refresh');
    assert.equal(again.accountId, '111111111111');
    assert.match(String(api.instances.getTreeItem(again).description), /111111111111/);
  });

  it('lists the regions with instances stopped at launch first, marked with a warning', async () => {
    const api = await extensionApi();
    const node = await profileNode('dev-admin');
    await api.instances.getChildren(node);
    await api.instances.whenListed('dev-admin');
    const regions = (await api.instances.getChildren(node)).filter((n): n is RegionNode => n.type === 'region');
    const failing = regions.map((r) => /stopped at launch/.test(r.counts));
    assert.ok(failing[0], `regions: ${regions.map((r) => `${r.region} (${r.counts})`).join(' | ')}`);
    assert.deepEqual(
      failing,
      [...failing].sort((a, b) => Number(b) - Number(a)),
      'failing regions come first',
    );
    const icon = api.instances.getTreeItem(regions[0]).iconPath as { id?: string };
    assert.equal(icon.id, 'warning');
    const quiet = regions.find((r) => !/stopped at launch/.test(r.counts));
    if (quiet) assert.equal((api.instances.getTreeItem(quiet).iconPath as { id?: string }).id, 'globe');
  });

  it('marks a profile whose regions hold instances stopped at launch, and lists it before the quiet ones', async () => {
    const api = await extensionApi();
    const failing = await profileNode('dev-admin');
    await api.instances.getChildren(failing);
    await api.instances.whenListed('dev-admin');
    const quiet = await profileNode('emulator-process');
    await api.instances.getChildren(quiet);
    await api.instances.whenListed('emulator-process').catch(() => undefined);
    const roots = await eventually(async () => {
      const all = (await api.instances.getChildren()).filter((n): n is ProfileNode => n.type === 'profile');
      return (all.find((n) => n.profile.name === 'dev-admin')?.stoppedAtLaunch ?? 0) > 0 ? all : undefined;
    }, 'dev-admin to count its instances stopped at launch');
    const admin = roots.find((n) => n.profile.name === 'dev-admin');
    assert.ok(admin);
    assert.match(String(api.instances.getTreeItem(admin).description), /\d+ stopped at launch/);
    assert.equal((api.instances.getTreeItem(admin).iconPath as { id?: string }).id, 'warning');
    const names = roots.map((n) => n.profile.name);
    const firstQuiet = roots.findIndex((n) => !(n.stoppedAtLaunch ?? 0));
    const lastFailing = roots.map((n) => (n.stoppedAtLaunch ?? 0) > 0).lastIndexOf(true);
    assert.ok(firstQuiet === -1 || lastFailing < firstQuiet, `profiles in order: ${names.join(', ')}`);
  });
});
