import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { answeringConfirmations, callsOf, emulator } from './support';

const WEB = { profile: 'dev-admin', region: 'eu-west-1', instanceId: 'i-00de0000000000001', name: 'web-1' };
const reboots = async () => Object.values(await callsOf('RebootInstances')).reduce((a, b) => a + b, 0);

describe('Reboot Instance beside Start and Stop', () => {
  before(() => emulator('POST', 'reset'));

  it('reboots a running instance only after confirmation, and it stays running', async () => {
    const before = await reboots();
    assert.equal(
      await answeringConfirmations(undefined, () =>
        vscode.commands.executeCommand('ec2LaunchDoctor.rebootInstance', WEB),
      ),
      false,
    );
    assert.equal(await reboots(), before, 'declined: nothing is called');
    const done = await answeringConfirmations('Reboot', async (asked) => {
      const ok = await vscode.commands.executeCommand('ec2LaunchDoctor.rebootInstance', WEB);
      assert.match(
        asked[0] ?? '',
        /^Reboot web-1 \(i-00de0000000000001\)\?\nRebootInstances through profile dev-admin, region eu-west-1/,
      );
      return ok;
    });
    assert.equal(done, true);
    assert.equal(await reboots(), before + 1);
    assert.equal((await emulator('GET', `instances/${WEB.instanceId}`)).state, 'running');
  });
});
