import * as assert from 'node:assert/strict';
import type { ProfileNode, RegionNode } from '../../../src/vscode/explorer/nodes';
import { extensionApi } from './support';

describe('an active filter shows in the Instances view', () => {
  it('names the filter in the view description, and the region counts follow it', async () => {
    const api = await extensionApi();
    const profile = (await api.instances.getChildren()).find(
      (n): n is ProfileNode => n.type === 'profile' && n.profile.name === 'dev-admin',
    );
    assert.ok(profile);
    await api.instances.getChildren(profile);
    await api.instances.whenListed('dev-admin');
    try {
      api.instances.setFilter({ text: 'app-1' });
      assert.equal(api.view.description, 'Filter: "app-1"');
      const region = (await api.instances.getChildren(profile)).find(
        (n): n is RegionNode => n.type === 'region' && n.region === 'eu-west-1',
      );
      assert.ok(region);
      assert.match(String(api.instances.getTreeItem(region).description), /^1 of \d+ match · \d+ instances/);
    } finally {
      api.instances.setFilter({});
    }
    assert.equal(api.view.description, undefined);
  });
});

describe('the Diagnose pick reuses the tree', () => {
  it('gives the counts of the regions the tree listed', async () => {
    const api = await extensionApi();
    const profile = (await api.instances.getChildren()).find(
      (n): n is ProfileNode => n.type === 'profile' && n.profile.name === 'dev-admin',
    );
    assert.ok(profile);
    await api.instances.getChildren(profile);
    await api.instances.whenListed('dev-admin');
    assert.match(
      api.instances.regionCounts('dev-admin').get('eu-west-1') ?? '',
      /^\d+ instances, \d+ stopped at launch$/,
    );
    assert.equal(api.instances.regionCounts('never-listed').size, 0);
  });
});
