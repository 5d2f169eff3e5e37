import * as assert from 'node:assert/strict';
import { COMMAND_IDS, type CommandName } from '../../../src/core/commandIds';
import { NEEDS_WORKSPACE_TRUST, trustGuarded } from '../../../src/vscode/workspaceTrust';

describe('commands in an untrusted workspace', () => {
  const names = Object.keys(COMMAND_IDS) as CommandName[];

  it('do nothing but explain when they call AWS, and run as usual otherwise', () => {
    for (const name of names) {
      const ran: unknown[][] = [];
      let refused = 0;
      const handler = trustGuarded(
        name,
        (...args: unknown[]) => ran.push(args),
        () => false,
        () => refused++,
      );
      handler('arg');
      if (NEEDS_WORKSPACE_TRUST.has(name)) {
        assert.deepEqual([ran.length, refused], [0, 1], name);
      } else {
        assert.deepEqual([ran, refused], [[['arg']], 0], name);
      }
    }
  });

  it('all run, with their arguments and result, once the workspace is trusted', () => {
    for (const name of names) {
      const handler = trustGuarded(
        name,
        (a: unknown, b: unknown) => [a, b],
        () => true,
        assert.fail,
      );
      assert.deepEqual(handler(1, 2), [1, 2], name);
    }
  });

  it('are each decided: those that read from or write to AWS wait, the others do not', () => {
    const callsAws: CommandName[] = [
      'diagnoseStoppedInstance',
      'diagnoseAutoScalingGroup',
      // Reads key states, key policies and the IAM simulation.
      'checkLaunchReadiness',
      'refresh',
      'startInstance',
      'stopInstance',
      'rebootInstance',
      'ssoLogin',
      'openKeyPolicy',
      'saveKeyPolicy',
      'restoreKeyPolicy',
      // KMS CreateGrant, after the person confirms.
      'createGrant',
      'changeKeyState',
    ];
    const showsOnly: CommandName[] = [
      'filter',
      'clearFilter',
      'copyInstanceId',
      'openInConsole',
      'copyStatement',
      'copyReport',
      // Reads workspace files and edits an editor; nothing goes to AWS.
      'fixInCode',
      'showLog',
    ];
    // A new command must be put in one of the two lists.
    assert.deepEqual([...callsAws, ...showsOnly].sort(), [...names].sort());
    assert.deepEqual([...NEEDS_WORKSPACE_TRUST].sort(), [...callsAws].sort());
  });
});
