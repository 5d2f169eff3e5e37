import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Config } from '../../../src/vscode/config';
import { SETTING_EFFECTS, settingEffects } from '../../../src/vscode/settingEffects';

const base: Config = {
  principals: [],
  keyAccount: '',
  sharedConfigFile: '',
  sharedCredentialsFile: '',
  profiles: [],
  regions: [],
  showEmptyRegions: false,
  maxConcurrentRequests: 8,
};

describe('what a settings change sets off', () => {
  it('re-analyzes policies only when the principals change', () => {
    assert.deepEqual(settingEffects(base, { ...base, principals: ['arn:aws:iam::111122223333:role/App'] }), [
      'reanalyzePolicies',
    ]);
  });

  it('lists again, with a reconfigured session and new watchers, when a file setting changes', () => {
    assert.deepEqual(settingEffects(base, { ...base, sharedConfigFile: '/etc/aws/config' }), [
      'reconfigureSession',
      'watchOtherFiles',
      'listAgain',
    ]);
    assert.deepEqual(settingEffects(base, { ...base, sharedCredentialsFile: 'c' }), [
      'reconfigureSession',
      'watchOtherFiles',
      'listAgain',
    ]);
  });

  it('lists again when the regions change, without watching other files', () => {
    assert.deepEqual(settingEffects(base, { ...base, regions: ['eu-west-1'] }), ['reconfigureSession', 'listAgain']);
  });

  it('only renders again when a display setting changes: no AWS call', () => {
    assert.deepEqual(settingEffects(base, { ...base, profiles: ['dev'] }), ['rerender']);
    assert.deepEqual(settingEffects(base, { ...base, showEmptyRegions: true }), ['rerender']);
  });

  it('does not render separately when it lists again anyway', () => {
    assert.deepEqual(settingEffects(base, { ...base, showEmptyRegions: true, regions: ['us-east-1'] }), [
      'reconfigureSession',
      'listAgain',
    ]);
  });

  it('reconfigures the session alone for the concurrency limit, and nothing for no change', () => {
    assert.deepEqual(settingEffects(base, { ...base, maxConcurrentRequests: 2 }), ['reconfigureSession']);
    assert.deepEqual(settingEffects(base, { ...base, regions: [] }), []);
  });

  it('has an entry for every setting of package.json', () => {
    const manifest = JSON.parse(readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8'));
    const settings = Object.keys(manifest.contributes.configuration.properties).map((k) =>
      k.replace(/^ec2LaunchDoctor\./, ''),
    );
    assert.deepEqual(settings.sort(), Object.keys(SETTING_EFFECTS).sort());
  });
});
