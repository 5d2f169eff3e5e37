/**
 * CloudTrail search in a busy account, through the real SDK against the emulator: the denial
 * of an instance's grant lies behind hundreds of newer successful grants of other instances.
 * Looked up by the instance and the key as resources it is found in two requests; by event name alone it is
 * past the ten-page cap. The emulator enforces LookupEvents' 2 requests/second.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AwsSession, createDiagnosisPorts } from '../../src/aws';
import type { Outcome } from '../../src/core/model';
import {
  adminPolicy,
  createGrantFailedEvent,
  LOOKUP_EVENTS_PER_SECOND,
  ScenarioBuilder,
  startEmulator,
  writeAwsConfig,
  type Emulator,
} from '../emulator';

const ACCOUNT = '555566667777';
const REGION = 'eu-west-1';
const INSTANCE = 'i-0c9d812c0cfa2790f';
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/55487ec5-4c6b-4c87-80e5-3cfa8bcfc271`;
const BUSY_KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/6a7b8c9d-0001-4abc-8def-000000000001`;
/** More newer grants than the 500 events ten pages can hold. */
const NEWER_GRANTS = 600;

function value<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) assert.fail(`${outcome.error.kind}: ${outcome.error.message}`);
  return outcome.value;
}

describe('CloudTrail search in a busy account (real SDK over HTTP)', function () {
  this.timeout(60_000);
  let home: string;
  let emulator: Emulator;
  let session: AwsSession;

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'eld-aws-trail-'));
    const builder = new ScenarioBuilder('busy-trail', 0).account(ACCOUNT).region(REGION);
    const operator = builder.principal({
      name: 'operator',
      account: ACCOUNT,
      region: REGION,
      policies: [adminPolicy()],
    });
    builder.trailEvent(
      createGrantFailedEvent({
        principal: operator,
        region: REGION,
        keyArn: KEY_ARN,
        instanceId: INSTANCE,
        volumeId: 'vol-0894f908458cca170',
        eventTime: 'now-130m',
      }),
    );
    for (let i = 0; i < NEWER_GRANTS; i++) {
      // EC2's successful grants for the node group's instances: same record, no error, a grant id.
      const {
        errorCode: _code,
        errorMessage: _message,
        ...grant
      } = createGrantFailedEvent({
        principal: operator,
        region: REGION,
        keyArn: BUSY_KEY_ARN,
        instanceId: `i-${String(i).padStart(17, '0')}`,
        volumeId: `vol-${String(i).padStart(17, '0')}`,
        eventTime: `now-${120 - Math.floor(i / 6)}m`,
      });
      builder.trailEvent({ ...grant, responseElements: { grantId: `g-${i}`, keyId: BUSY_KEY_ARN } });
    }
    const scenario = builder.build();
    emulator = await startEmulator({ scenario, lookupEventsPerSecond: LOOKUP_EVENTS_PER_SECOND });
    const files = writeAwsConfig(home, emulator, scenario);
    session = new AwsSession({ configFile: files.configFile, credentialsFile: files.credentialsFile });
  });

  after(async () => {
    session?.dispose();
    await emulator?.close();
    rmSync(home, { recursive: true, force: true });
  });

  const window = (): { startTime: Date; endTime: Date } => ({
    startTime: new Date(Date.now() - 3 * 3_600_000),
    endTime: new Date(),
  });
  const deniedForInstance = (e: { errorCode?: string; instanceIds?: string[] }): boolean =>
    !!e.errorCode && e.instanceIds?.includes(INSTANCE) === true;

  it('finds the denial by the key as a resource in two requests, and stops there', async () => {
    emulator.resetCalls();
    const ports = createDiagnosisPorts(session, 'operator', REGION);
    const events = value(
      await ports.lookupEvents({
        eventName: 'CreateGrant',
        ...window(),
        maxResults: 500,
        stopWhen: deniedForInstance,
        resourceNames: [KEY_ARN, INSTANCE],
      }),
    );
    const denial = events.find(deniedForInstance);
    assert.ok(denial, 'the denial is found');
    assert.equal(denial.keyId, KEY_ARN);
    assert.equal(denial.eventSource, 'kms.amazonaws.com');
    assert.deepEqual(
      denial.resources?.map((r) => r.name),
      [KEY_ARN],
    );
    // The instance is not a resource of a grant record: its lookup finds nothing, the key's finds the denial.
    assert.equal(emulator.callCount({ service: 'cloudtrail', action: 'LookupEvents' }), 2);
    assert.equal(ports.apiCallCount?.(), 2);
  });

  it('by event name alone, the ten-page cap ends before the denial', async () => {
    emulator.resetCalls();
    const ports = createDiagnosisPorts(session, 'operator', REGION);
    const started = Date.now();
    const events = value(
      await ports.lookupEvents({ eventName: 'CreateGrant', ...window(), maxResults: 500, stopWhen: deniedForInstance }),
    );
    assert.equal(events.length, 500);
    assert.ok(!events.some(deniedForInstance), 'buried under the newer grants');
    // Ten pages; the emulator may count a few more when it throttled one and the SDK retried it.
    assert.equal(ports.apiCallCount?.(), 10);
    assert.ok(emulator.callCount({ service: 'cloudtrail', action: 'LookupEvents' }) >= 10);
    // Ten requests at two a second take at least four and a half seconds.
    assert.ok(Date.now() - started >= 4_000, `took ${Date.now() - started} ms`);
  });
});
