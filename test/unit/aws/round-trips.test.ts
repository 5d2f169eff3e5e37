/**
 * Ports that must not wait twice inside a diagnosis round: DescribeKey and ListAliases go
 * out together, and a CloudTrail lookup never waits for GetCallerIdentity to name its gate.
 * A fake session hands each SDK command to the test, which decides when it answers.
 */
import * as assert from 'node:assert/strict';
import { DescribeKeyCommand, ListAliasesCommand } from '@aws-sdk/client-kms';
import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { lookupEvents } from '../../../src/aws/cloudtrail';
import { createDiagnosisPorts } from '../../../src/aws/diagnosisPorts';
import type { SdkCommand, SessionPort } from '../../../src/aws/session';
import { isAliasReference } from '../../../src/core/arn';
import type { CallerIdentity, Outcome, ProfileSummary } from '../../../src/core/model';

const KEY_ID = '1a2b3c4d-0001-4abc-8def-000000000001';
const KEY_ARN = `arn:aws:kms:eu-west-1:111111111111:key/${KEY_ID}`;

interface Sent {
  name: string;
  input: object;
  answer: (value: unknown) => void;
  fail: (error: Error) => void;
}

/** What a test may replace of the fake session. */
type Overrides = Partial<Pick<SessionPort, 'profile' | 'knownAccountId' | 'callerIdentity'>>;

/** A session whose every SDK command waits until the test answers it. */
function fakeSession(overrides: Overrides = {}): { session: SessionPort; sent: Sent[]; gates: string[] } {
  const sent: Sent[] = [];
  const gates: string[] = [];
  const unknownIdentity: Outcome<CallerIdentity> = {
    ok: false,
    error: { kind: 'unknown', message: 'no', nextStep: '' },
  };
  const session: SessionPort = {
    send<Output>(
      _service: string,
      _profile: string,
      _region: string,
      command: SdkCommand<Output>,
    ): Promise<Outcome<Output>> {
      return new Promise((resolve) =>
        sent.push({
          name: command.constructor.name,
          input: command.input,
          // The test plays AWS: it answers with the shape the command's output has.
          answer: (value) => resolve({ ok: true, value: value as Output }),
          fail: (error) =>
            resolve({ ok: false, error: { kind: 'access-denied', message: String(error), nextStep: 'ask' } }),
        }),
      );
    },
    rateGate(key: string) {
      gates.push(key);
      return { wait: async () => {} };
    },
    profiles: async () => [],
    profile: overrides.profile ?? (async (name: string): Promise<ProfileSummary> => ({ name, signIn: 'static-keys' })),
    knownAccountId: overrides.knownAccountId ?? (async () => undefined),
    callerIdentity: overrides.callerIdentity ?? (async () => unknownIdentity),
    hasLiveCredentials: () => false,
    fixedRegions: () => undefined,
  };
  return { session, sent, gates };
}

/** Lets pending promise callbacks run, a bounded number of times. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

const metadata = { KeyId: KEY_ID, Arn: KEY_ARN, KeyState: 'Enabled', KeyManager: 'CUSTOMER', Enabled: true };

describe('describeKey port: DescribeKey and ListAliases in one round trip', () => {
  it('sends both at once for a key ARN, ListAliases with the ARN as given', async () => {
    const { session, sent } = fakeSession();
    const result = createDiagnosisPorts(session, 'dev', 'eu-west-1').describeKey(KEY_ARN);
    await settle();
    assert.deepEqual(
      sent.map((s) => s.name),
      [DescribeKeyCommand.name, ListAliasesCommand.name],
    );
    assert.equal((sent[1].input as { KeyId?: string }).KeyId, KEY_ARN);
    sent[1].answer({ Aliases: [{ AliasName: 'alias/app' }] });
    sent[0].answer({ KeyMetadata: metadata });
    const key = await result;
    assert.ok(key.ok);
    assert.equal(key.value.keyId, KEY_ID);
    assert.deepEqual(key.value.aliases, ['alias/app']);
  });

  it('a key that cannot be described is a failure, whatever ListAliases says', async () => {
    const { session, sent } = fakeSession();
    const result = createDiagnosisPorts(session, 'dev', 'eu-west-1').describeKey(KEY_ID);
    await settle();
    assert.equal(sent.length, 2);
    sent[0].fail(new Error('AccessDenied'));
    sent[1].answer({ Aliases: [{ AliasName: 'alias/app' }] });
    const key = await result;
    assert.equal(key.ok, false);
  });

  it('a key whose aliases cannot be listed is still a key', async () => {
    const { session, sent } = fakeSession();
    const result = createDiagnosisPorts(session, 'dev', 'eu-west-1').describeKey(KEY_ARN);
    await settle();
    sent[0].answer({ KeyMetadata: metadata });
    sent[1].fail(new Error('AccessDenied'));
    const key = await result;
    assert.ok(key.ok);
    assert.equal(key.value.aliases, undefined);
  });

  it('resolves an alias first, then lists the aliases of the key it names', async () => {
    const { session, sent } = fakeSession();
    const result = createDiagnosisPorts(session, 'dev', 'eu-west-1').describeKey('alias/app');
    await settle();
    assert.deepEqual(
      sent.map((s) => s.name),
      [DescribeKeyCommand.name],
    );
    sent[0].answer({ KeyMetadata: metadata });
    await settle();
    assert.equal(sent.length, 2);
    assert.equal(sent[1].name, ListAliasesCommand.name);
    assert.equal((sent[1].input as { KeyId?: string }).KeyId, KEY_ID);
    sent[1].answer({ Aliases: [{ AliasName: 'alias/app' }, { AliasName: 'alias/other' }] });
    const key = await result;
    assert.ok(key.ok);
    assert.deepEqual(key.value.aliases, ['alias/app', 'alias/other']);
  });

  it('recognizes alias names and alias ARNs, not key ids or key ARNs', () => {
    assert.equal(isAliasReference('alias/aws/ebs'), true);
    assert.equal(isAliasReference('arn:aws:kms:eu-west-1:111111111111:alias/app'), true);
    assert.equal(isAliasReference(KEY_ID), false);
    assert.equal(isAliasReference(KEY_ARN), false);
    assert.equal(isAliasReference('mrk-1234abcd12ab34cd56ef1234567890ab'), false);
  });
});

describe('lookupEvents: the rate gate never waits for GetCallerIdentity', () => {
  const query = {
    eventName: 'CreateGrant',
    startTime: new Date('2024-05-01T00:00:00Z'),
    endTime: new Date('2024-05-02T00:00:00Z'),
  };
  const never = (): Promise<never> => new Promise<never>(() => {});

  it('sends LookupEvents while the identity is still unknown, gated by profile and region', async () => {
    const { session, sent, gates } = fakeSession({ knownAccountId: never, callerIdentity: never });
    const result = lookupEvents(session, 'dev', 'eu-west-1', query);
    await settle();
    assert.deepEqual(
      sent.map((s) => s.name),
      [LookupEventsCommand.name],
    );
    sent[0].answer({ Events: [] });
    assert.deepEqual(await result, { ok: true, value: [] });
    assert.deepEqual(gates, ['cloudtrail\u0000profile:dev\u0000eu-west-1']);
  });

  it('shares the gate of an account the config names, across its profiles', async () => {
    const { session, sent, gates } = fakeSession({
      profile: async (name) => ({ name, signIn: 'static-keys', accountId: '111111111111' }),
      knownAccountId: never,
    });
    const first = lookupEvents(session, 'dev', 'eu-west-1', query);
    const second = lookupEvents(session, 'ops', 'eu-west-1', query);
    await settle();
    sent.forEach((s) => s.answer({ Events: [] }));
    await Promise.all([first, second]);
    assert.deepEqual(gates, [
      'cloudtrail\u0000111111111111\u0000eu-west-1',
      'cloudtrail\u0000111111111111\u0000eu-west-1',
    ]);
  });
});
