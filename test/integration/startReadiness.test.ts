/**
 * Launch readiness before Start, as the editor asks for it: a prediction for the stopped
 * instance as the profile that starts it, through the real SDK against the emulator's demo
 * scenario, worded into the Start confirmation. A start the emulator would refuse is
 * predicted to fail and offers Diagnose; the prediction reads no CloudTrail and starts nothing.
 */
import * as assert from 'node:assert/strict';
import { createDiagnosisPorts } from '../../src/aws';
import { predictLaunch } from '../../src/core/diagnosis';
import { startQuestion } from '../../src/vscode/explorer/startReadiness';
import { loadScenario } from '../emulator';
import { useLaunchWorld } from './support/launchWorld';

const REGION = 'eu-west-1';
const PROFILE = 'dev-admin';
const DISABLED_KEY_INSTANCE = 'i-00de0000000000005';
const QUESTION = {
  message: `Start ${DISABLED_KEY_INSTANCE} as ${PROFILE}?`,
  detail: `StartInstances through profile ${PROFILE}, region ${REGION}.`,
};

describe('launch readiness before Start (real SDK over HTTP)', function () {
  this.timeout(60_000);
  const world = useLaunchWorld('readiness', () => loadScenario('demo'));

  it('predicts that starting an instance on a disabled key fails, and the confirmation offers Diagnose with the reason', async () => {
    const ports = createDiagnosisPorts(world.session, PROFILE, REGION);
    const prediction = await predictLaunch(
      { subject: { kind: 'stopped-instance', instanceId: DISABLED_KEY_INSTANCE }, profile: PROFILE, region: REGION },
      ports,
    );
    assert.equal(prediction.kind, 'prediction');
    assert.equal(prediction.outcome, 'will-fail', `${prediction.reason} ${prediction.unread.join(' ')}`);
    assert.equal(prediction.code, 'kms-key-disabled');
    assert.equal(prediction.calls.byAction['cloudtrail:LookupEvents'], undefined, 'a prediction reads no CloudTrail');
    assert.equal(world.emulator.state.instances.get(DISABLED_KEY_INSTANCE)?.state, 'stopped', 'nothing was started');

    const asked = startQuestion(QUESTION, prediction);
    assert.equal(asked.kind, 'diagnose-instead');
    assert.ok(asked.detail.includes(prediction.reason), asked.detail);
  });
});
