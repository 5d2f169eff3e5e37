import * as assert from 'node:assert/strict';
import { startQuestion } from '../../../src/vscode/explorer/startReadiness';

const QUESTION = {
  message: 'Start web-1 (i-0abc) as dev?',
  detail: 'StartInstances through profile dev, region eu-west-1.',
};

describe('the Start confirmation after a launch prediction', () => {
  it('asks as before when the start will launch, is unknown, or could not be predicted', () => {
    for (const prediction of [
      { outcome: 'will-launch' as const, reason: 'Every key is usable.' },
      { outcome: 'unknown' as const, reason: 'The key policy could not be read.' },
      undefined,
    ]) {
      assert.deepEqual(startQuestion(QUESTION, prediction), { kind: 'start', ...QUESTION }, JSON.stringify(prediction));
    }
  });

  it('warns with the reason and offers Diagnose first when the start will fail', () => {
    const reason = 'arn:aws:iam::111122223333:user/dev may not create the grant EC2 needs on key 1234abcd.';
    const asked = startQuestion(QUESTION, { outcome: 'will-fail', reason, code: 'kms-create-grant-not-allowed' });
    assert.equal(asked.kind, 'diagnose-instead');
    if (asked.kind !== 'diagnose-instead') return;
    assert.equal(asked.message, `Prediction: this start will fail (kms-create-grant-not-allowed). ${QUESTION.message}`);
    assert.ok(asked.detail.startsWith(reason), asked.detail);
    assert.ok(asked.detail.endsWith(QUESTION.detail), 'still names the profile and region of the start');
    assert.equal(asked.diagnose, 'Diagnose');
    assert.equal(asked.startAnyway, 'Start Anyway');
  });
});
