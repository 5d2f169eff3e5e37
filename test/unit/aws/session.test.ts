/**
 * The session's error boundary, without any endpoint: a call that never ends is ended at its
 * deadline and frees its slot, and no failure carries the credentials the session signed with.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AwsSession } from '../../../src/aws/session';

const KEY_ID = 'AKIDSESSIONTEST';
const SECRET = 'session-test-secret-not-real';
const TOKEN = 'session-test-token-not-real-0123456789';

describe('AwsSession error boundary', () => {
  let dir: string;
  let session: AwsSession;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'eld-session-'));
    writeFileSync(join(dir, 'config'), '[profile p]\nregion = eu-west-1\n');
    writeFileSync(
      join(dir, 'credentials'),
      `[p]\naws_access_key_id = ${KEY_ID}\naws_secret_access_key = ${SECRET}\naws_session_token = ${TOKEN}\n`,
    );
  });
  beforeEach(() => {
    session = new AwsSession({
      configFile: join(dir, 'config'),
      credentialsFile: join(dir, 'credentials'),
      maxConcurrentRequests: 1,
      callTimeoutMs: 100,
    });
  });
  afterEach(() => session.dispose());
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('ends a task that never settles at the deadline as a timeout, and runs the next task in its slot', async () => {
    const never = new Promise<never>(() => {});
    const started = Date.now();
    const [stalled, next] = await Promise.all([
      session.call('EC2', 'p', 'eu-west-1', () => never, { action: 'ec2:DescribeInstances' }),
      session.call('EC2', 'p', 'eu-west-1', async () => 'answered'),
    ]);
    assert.ok(!stalled.ok && stalled.error.kind === 'timeout', JSON.stringify(stalled));
    assert.equal(stalled.error.action, 'ec2:DescribeInstances');
    assert.deepEqual(next, { ok: true, value: 'answered' });
    assert.ok(Date.now() - started < 1000);
  });

  it('hands the task a signal that aborts at the deadline', async () => {
    let seen: AbortSignal | undefined;
    await session.call('EC2', 'p', 'eu-west-1', (_client, signal) => {
      seen = signal;
      return new Promise<never>(() => {});
    });
    assert.equal(seen?.aborted, true);
  });

  it('keeps the key id, secret and session token it signed with out of every failure', async () => {
    const outcome = await session.call('KMS', 'p', 'eu-west-1', async (kms) => {
      const credentials = await kms.config.credentials();
      throw Object.assign(
        new Error(`echoed ${credentials.accessKeyId} ${credentials.secretAccessKey} ${credentials.sessionToken ?? ''}`),
        {
          name: 'AccessDeniedException',
        },
      );
    });
    assert.ok(!outcome.ok);
    const text = JSON.stringify(outcome.error);
    for (const secret of [KEY_ID, SECRET, TOKEN]) assert.ok(!text.includes(secret), text);
    assert.match(outcome.error.nextStep + outcome.error.message, /\[redacted\]/);
  });
});
