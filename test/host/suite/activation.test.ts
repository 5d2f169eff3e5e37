import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { COMMAND_IDS } from '../../../src/core/commandIds';

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

  it('registers every command it contributes', async () => {
    const commands = await vscode.commands.getCommands(true);
    const ids = Object.values(COMMAND_IDS);
    assert.ok(ids.length >= 15, `only ${ids.length} command ids`);
    for (const id of ids) assert.ok(commands.includes(id), `command ${id} is not registered`);
    const manifest = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON;
    for (const { command } of manifest.contributes.commands as { command: string }[]) {
      assert.ok(commands.includes(command), `contributed command ${command} is not registered`);
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
