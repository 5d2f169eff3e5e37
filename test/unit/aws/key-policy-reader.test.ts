/**
 * Which profile reads a key policy. GetKeyPolicy works only from the key's account, so the
 * port may look for another profile; it must never sign in with one that would ask for an
 * MFA code or run a credential_process command, and it must not call a key foreign when
 * the diagnosed profile's own account is simply unknown.
 */
import * as assert from 'node:assert/strict';
import { GetKeyPolicyCommand } from '@aws-sdk/client-kms';
import { createDiagnosisPorts } from '../../../src/aws/diagnosisPorts';
import type { SdkCommand, SessionPort } from '../../../src/aws/session';
import type { CallerIdentity, KeyInfo, Outcome, ProfileSummary } from '../../../src/core/model';

const HOME = '111111111111';
const KEY_ACCOUNT = '222222222222';
const KEY: KeyInfo = {
  keyId: '2b3c4d5e-0001-4abc-8def-000000000001',
  arn: `arn:aws:kms:eu-west-1:${KEY_ACCOUNT}:key/2b3c4d5e-0001-4abc-8def-000000000001`,
  accountId: KEY_ACCOUNT,
  state: 'Enabled',
  manager: 'CUSTOMER',
};

interface Recorded {
  /** Profiles asked GetCallerIdentity. */
  asked: string[];
  /** Profiles that sent GetKeyPolicy. */
  readers: string[];
}

/**
 * A session over fixed profiles: `identities` answers GetCallerIdentity per profile (absent:
 * the call fails), `signedIn` lists profiles whose credentials the session already holds.
 */
function keySession(
  profiles: ProfileSummary[],
  identities: Record<string, string>,
  signedIn: string[] = [],
): { session: SessionPort; recorded: Recorded } {
  const recorded: Recorded = { asked: [], readers: [] };
  const session: SessionPort = {
    profiles: async () => profiles,
    profile: async (name: string) => profiles.find((p) => p.name === name),
    knownAccountId: async (name: string) => profiles.find((p) => p.name === name)?.accountId,
    hasLiveCredentials: (name: string) => signedIn.includes(name),
    async callerIdentity(name: string): Promise<Outcome<CallerIdentity>> {
      recorded.asked.push(name);
      const account = identities[name];
      if (!account) return { ok: false, error: { kind: 'network', message: 'STS unreachable', nextStep: 'retry' } };
      return { ok: true, value: { account, arn: `arn:aws:iam::${account}:user/${name}`, userId: 'AIDEXAMPLE' } };
    },
    async send<Output>(
      _service: string,
      profile: string,
      _region: string,
      command: SdkCommand<Output>,
    ): Promise<Outcome<Output>> {
      assert.ok(command instanceof GetKeyPolicyCommand);
      recorded.readers.push(profile);
      // GetKeyPolicy's output shape, for the command the assertion above checked.
      const output = { Policy: JSON.stringify({ Version: '2012-10-17', Statement: [] }), $metadata: {} };
      return { ok: true, value: output as Output };
    },
    rateGate: () => ({ wait: async () => {} }),
    fixedRegions: () => undefined,
  };
  return { session, recorded };
}

describe('getKeyPolicy port: which profile reads the policy', () => {
  it('reads with the diagnosed profile itself when its own account cannot be told', async () => {
    const { session, recorded } = keySession(
      [
        { name: 'dev', signIn: 'static-keys' },
        { name: 'other', signIn: 'static-keys' },
      ],
      { other: KEY_ACCOUNT },
    );
    const read = await createDiagnosisPorts(session, 'dev', 'eu-west-1').getKeyPolicy(KEY);
    assert.ok(read.ok, JSON.stringify(read));
    assert.equal(read.value.via, 'dev');
    assert.deepEqual(recorded.readers, ['dev']);
    assert.deepEqual(recorded.asked, ['dev'], 'no other profile is asked who it is');
  });

  it('never asks or uses a profile that would prompt for MFA or run a command', async () => {
    const { session, recorded } = keySession(
      [
        { name: 'dev', signIn: 'static-keys', accountId: HOME },
        { name: 'admin-mfa', signIn: 'assume-role', accountId: KEY_ACCOUNT, needsMfa: true },
        { name: 'chained', signIn: 'assume-role', runsProcess: true },
        { name: 'vault', signIn: 'credential-process', runsProcess: true },
        { name: 'plain', signIn: 'static-keys' },
      ],
      { vault: KEY_ACCOUNT, chained: KEY_ACCOUNT, plain: KEY_ACCOUNT },
    );
    const read = await createDiagnosisPorts(session, 'dev', 'eu-west-1').getKeyPolicy(KEY);
    assert.ok(read.ok, JSON.stringify(read));
    assert.equal(read.value.via, 'plain');
    assert.deepEqual(recorded.asked, ['plain']);
    assert.deepEqual(recorded.readers, ['plain']);
  });

  it('uses a profile that would prompt once the session already holds its credentials', async () => {
    const { session, recorded } = keySession(
      [
        { name: 'dev', signIn: 'static-keys', accountId: HOME },
        { name: 'admin-mfa', signIn: 'assume-role', accountId: KEY_ACCOUNT, needsMfa: true },
      ],
      {},
      ['admin-mfa'],
    );
    const read = await createDiagnosisPorts(session, 'dev', 'eu-west-1').getKeyPolicy(KEY);
    assert.ok(read.ok, JSON.stringify(read));
    assert.equal(read.value.via, 'admin-mfa');
    assert.deepEqual(recorded.asked, []);
  });

  it('names the profiles it passed over when only they belong to the key account', async () => {
    const { session, recorded } = keySession(
      [
        { name: 'dev', signIn: 'static-keys', accountId: HOME },
        { name: 'admin-mfa', signIn: 'assume-role', accountId: KEY_ACCOUNT, needsMfa: true },
        { name: 'vault', signIn: 'credential-process', runsProcess: true },
      ],
      { vault: KEY_ACCOUNT },
    );
    const read = await createDiagnosisPorts(session, 'dev', 'eu-west-1').getKeyPolicy(KEY);
    assert.ok(!read.ok);
    assert.equal(read.error.kind, 'access-denied');
    assert.equal(read.error.action, 'kms:GetKeyPolicy');
    assert.match(read.error.message, new RegExp(`in account ${KEY_ACCOUNT}, not in ${HOME} of profile dev`));
    assert.match(read.error.message, /admin-mfa/);
    assert.match(read.error.nextStep, /Sign in once with profile admin-mfa/);
    assert.deepEqual(recorded.asked, []);
    assert.deepEqual(recorded.readers, []);
  });

  it('asks at most ten other profiles of unknown account', async () => {
    const others: ProfileSummary[] = Array.from({ length: 15 }, (_, i) => ({
      name: `p${String(i).padStart(2, '0')}`,
      signIn: 'static-keys',
    }));
    const identities = Object.fromEntries(others.map((p) => [p.name, '333333333333']));
    const { session, recorded } = keySession(
      [{ name: 'dev', signIn: 'static-keys', accountId: HOME }, ...others],
      identities,
    );
    const read = await createDiagnosisPorts(session, 'dev', 'eu-west-1').getKeyPolicy(KEY);
    assert.ok(!read.ok);
    assert.equal(recorded.asked.length, 10);
    assert.match(read.error.nextStep, /Add a profile with kms:GetKeyPolicy access in account 222222222222/);
  });

  it('reads a same-account key with the profile, asking nobody else', async () => {
    const { session, recorded } = keySession(
      [
        { name: 'dev', signIn: 'static-keys' },
        { name: 'plain', signIn: 'static-keys' },
      ],
      { dev: KEY_ACCOUNT, plain: KEY_ACCOUNT },
    );
    const read = await createDiagnosisPorts(session, 'dev', 'eu-west-1').getKeyPolicy(KEY);
    assert.ok(read.ok);
    assert.equal(read.value.via, 'dev');
    assert.deepEqual(recorded.asked, ['dev']);
  });
});
