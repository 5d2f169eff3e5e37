import * as assert from 'node:assert/strict';
import { EXIT, exitOf } from '../../../src/cli/diagnose';
import { diagnoseInstance } from '../../../src/core/diagnosis';
import { NOW, baseWorld, fakePorts } from './fakes';

describe('diagnose --instance on an instance that does not exist', () => {
  it('exits 2 with "not found", as for a usage error', async () => {
    const world = baseWorld();
    const report = await diagnoseInstance(
      { instanceId: 'i-0fffffffffffffff0', profile: 'dev', region: 'eu-west-1' },
      fakePorts(world),
      {
        now: () => NOW,
      },
    );
    const exit = exitOf(report, 'dev');
    assert.equal(exit.code, EXIT.usage);
    assert.match(exit.message ?? '', /^not found: Could not read instance i-0fffffffffffffff0 in eu-west-1\./);
  });

  it('keeps exit 0 for an instance that exists', async () => {
    const world = baseWorld();
    const report = await diagnoseInstance(
      { instanceId: world.instance.id, profile: 'dev', region: 'eu-west-1' },
      fakePorts(world),
      { now: () => NOW },
    );
    assert.notEqual(exitOf(report, 'dev').code, EXIT.usage);
  });
});
