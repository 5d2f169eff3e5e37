import * as assert from 'node:assert/strict';
import { profilesActingAs, quietProfiles, startChoices, startConfirmation } from '../../../src/vscode/diagnose/startAs';

const JANE = 'arn:aws:sts::111111111111:assumed-role/Operator/jane';

describe('Start again as the principal that failed', () => {
  it('matches profiles by account and role (any session) or user', () => {
    const identities = [
      { profile: 'dev-admin', arn: 'arn:aws:iam::111111111111:user/alice' },
      { profile: 'dev-operator', arn: 'arn:aws:sts::111111111111:assumed-role/Operator/botocore-session-1' },
      { profile: 'other-account', arn: 'arn:aws:sts::222222222222:assumed-role/Operator/jane' },
      { profile: 'other-role', arn: 'arn:aws:sts::111111111111:assumed-role/Admin/jane' },
      { profile: 'unknown' },
    ];
    assert.deepEqual(profilesActingAs({ arn: JANE }, identities), ['dev-operator']);
    assert.deepEqual(profilesActingAs({ arn: 'arn:aws:iam::111111111111:user/alice' }, identities), ['dev-admin']);
    // The role itself (with a path) and its sessions are the same principal.
    assert.deepEqual(profilesActingAs({ arn: 'arn:aws:iam::111111111111:role/ops/Operator' }, identities), [
      'dev-operator',
    ]);
  });

  it('matches nothing for a principal that names no user or role', () => {
    const identities = [{ profile: 'p', arn: 'arn:aws:sts::111111111111:federated-user/bob' }];
    assert.deepEqual(profilesActingAs({ arn: 'arn:aws:sts::111111111111:federated-user/bob' }, identities), []);
    assert.deepEqual(profilesActingAs({ arn: 'not an arn' }, [{ profile: 'p', arn: 'not an arn' }]), []);
  });

  it('asks only profiles that sign in without a prompt', () => {
    const profiles = [
      { name: 'a', signIn: 'static' as const },
      { name: 'mfa', signIn: 'assume-role' as const, needsMfa: true },
      { name: 'process', signIn: 'process' as const, runsProcess: true },
    ];
    assert.deepEqual(quietProfiles(profiles as never), ['a']);
  });

  it('offers the principal first, then Check the fix, then the report profile with its warning', () => {
    const choices = startChoices('dev-admin', JANE, ['dev-operator']);
    assert.deepEqual(
      choices.map((c) => c.label),
      ['Start as dev-operator', 'Check the fix', 'Start as dev-admin'],
    );
    assert.match(
      choices[2].detail,
      /not arn:aws:sts::111111111111:assumed-role\/Operator\/jane: a success proves nothing/,
    );
  });

  it('offers Check the fix first when no profile is the principal', () => {
    const choices = startChoices('dev-admin', JANE, []);
    assert.deepEqual(
      choices.map((c) => c.kind),
      ['check', 'start'],
    );
    assert.match(choices[0].detail, /live key policy and the IAM side again/);
    assert.match(choices[1].detail, /proves nothing/);
  });

  it('does not offer the report profile twice when it is the principal', () => {
    const choices = startChoices('dev-operator', JANE, ['dev-operator']);
    assert.deepEqual(
      choices.map((c) => c.label),
      ['Start as dev-operator', 'Check the fix'],
    );
  });

  it('names the identity that will start the instance in the confirmation', () => {
    const asked = startConfirmation('app-1 (i-1)', 'eu-west-1', 'dev-operator', JANE, true);
    assert.equal(asked.message, 'Start app-1 (i-1) as dev-operator?');
    assert.match(
      asked.detail,
      /through profile dev-operator \(arn:aws:sts::111111111111:assumed-role\/Operator\/jane\), region eu-west-1/,
    );
    assert.match(asked.detail, /the fix works/);
    assert.match(startConfirmation('x', 'r', 'dev-admin', undefined, false).detail, /proves nothing/);
    assert.doesNotMatch(startConfirmation('x', 'r', 'dev-admin', undefined, undefined).detail, /proves|fix works/);
  });
});
