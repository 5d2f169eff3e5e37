import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

const EXTENSION_ID = 'ec2-launch-doctor.ec2-launch-doctor';

describe('extension host', () => {
  it('runs inside a real VS Code', () => {
    console.log(`VS Code ${vscode.version} (${vscode.env.appName}, ${vscode.env.appHost})`);
    assert.match(vscode.version, /^\d+\.\d+\.\d+/);
  });

  it('activates the extension without error', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is not installed in this host`);
    await extension.activate();
    assert.equal(extension.isActive, true);
  });

  it('registers its commands', async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['ec2LaunchDoctor.diagnoseStoppedInstance', 'ec2LaunchDoctor.refresh']) {
      assert.ok(commands.includes(id), `command ${id} is not registered`);
    }
  });

  it('contributes the Instances view in its own container', async () => {
    const manifest = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON;
    const views = manifest.contributes.views.ec2LaunchDoctor as { id: string }[];
    assert.ok(views.some((v) => v.id === 'ec2LaunchDoctor.instances'));
    // Focusing the view only works when the workbench really knows it.
    await vscode.commands.executeCommand('ec2LaunchDoctor.instances.focus');
  });
});
