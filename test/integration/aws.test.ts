import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AwsSession,
  createDiagnosisPorts,
  describeInstancesById,
  getKeyPolicy,
  listInstances,
  listProfiles,
  listRegions,
  putKeyPolicy,
  startInstance,
} from '../../src/aws';
import type { InstanceSummary, Outcome } from '../../src/core/model';
import {
  adminPolicy,
  createGrantFixStatement,
  loadScenario,
  ScenarioBuilder,
  SSO_SESSION_NAME,
  startEmulator,
  writeAwsConfig,
  type AwsConfigFiles,
  type Emulator,
} from '../emulator';

/** Environment that would change where calls go or which files are read. */
const ISOLATED_ENV = [
  'HOME',
  'AWS_PROFILE',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_EC2',
  'AWS_ENDPOINT_URL_KMS',
  'AWS_ENDPOINT_URL_STS',
  'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
];

const REGION = 'eu-west-1';
const GRANT_STOPPED = 'i-00de0000000000004';
const GRANT_KEY = 'arn:aws:kms:eu-west-1:111111111111:key/1a2b3c4d-0001-4abc-8def-000000000001';
const OPERATOR_ROLE = 'arn:aws:iam::111111111111:role/Operator';

function value<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) assert.fail(`${outcome.error.kind}: ${outcome.error.message}`);
  return outcome.value;
}

/** Polls ONE DescribeInstances until the instance leaves pending/stopping (bounded). */
async function settle(session: AwsSession, profile: string, id: string): Promise<InstanceSummary> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const [instance] = value(await describeInstancesById(session, profile, REGION, [id]));
    assert.ok(instance, `instance ${id} disappeared`);
    if (instance.state !== 'pending' && instance.state !== 'stopping') return instance;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`instance ${id} did not settle`);
}

describe('AWS layer against the emulator (real SDK over HTTP)', function () {
  this.timeout(30_000);
  const savedEnv = new Map(ISOLATED_ENV.map((name) => [name, process.env[name]]));
  let home: string;
  let emulator: Emulator;
  let files: AwsConfigFiles;
  let session: AwsSession;

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'eld-aws-it-'));
    ISOLATED_ENV.forEach((name) => delete process.env[name]);
    // SSO tokens are read from $HOME/.aws/sso/cache: a private home keeps the person's own out.
    process.env.HOME = home;
    emulator = await startEmulator({ scenario: 'demo', launchDelayMs: 100 });
    files = writeAwsConfig(join(home, 'aws'), emulator, loadScenario('demo'));
    const secAdmin = loadScenario('demo').principals.find((p) => p.name === 'sec-admin')!;
    appendFileSync(
      files.configFile,
      `\n[profile via-services]\nregion = ${REGION}\nservices = emulated\n\n[services emulated]\nec2 =\n  endpoint_url = ${emulator.url}\n` +
        `\n[profile ci-web-identity]\nrole_arn = ${OPERATOR_ROLE}\nweb_identity_token_file = ${join(home, 'token')}\n`,
    );
    appendFileSync(
      files.credentialsFile,
      `\n[via-services]\naws_access_key_id = ${secAdmin.accessKeyId}\naws_secret_access_key = ${secAdmin.secretAccessKey}\n`,
    );
    const cache = join(home, '.aws', 'sso', 'cache');
    mkdirSync(cache, { recursive: true });
    const expired = { accessToken: 'expired-token', expiresAt: '2020-01-01T00:00:00Z', region: REGION, startUrl: 'https://emulator-example.awsapps.com/start' };
    writeFileSync(join(cache, `${createHash('sha1').update(SSO_SESSION_NAME).digest('hex')}.json`), JSON.stringify(expired));
  });

  beforeEach(() => {
    emulator.reset();
    session = new AwsSession({ configFile: files.configFile, credentialsFile: files.credentialsFile, maxAttempts: 4 });
  });
  afterEach(() => session.dispose());

  after(async () => {
    await emulator?.close();
    for (const [name, saved] of savedEnv) {
      if (saved === undefined) delete process.env[name];
      else process.env[name] = saved;
    }
    rmSync(home, { recursive: true, force: true });
  });

  it('lists profiles of every sign-in kind from the temp config', async () => {
    const profiles = await listProfiles({ configFile: files.configFile, credentialsFile: files.credentialsFile, ignoreCache: true });
    const kinds = new Map(profiles.map((p) => [p.name, p.signIn]));
    assert.equal(kinds.get('dev-admin'), 'static-keys');
    assert.equal(kinds.get('emulator-process'), 'credential-process');
    assert.equal(kinds.get('emulator-assume-role'), 'assume-role');
    assert.equal(kinds.get('emulator-sso'), 'sso');
    assert.equal(kinds.get('emulator-sso-legacy'), 'sso-legacy');
    assert.equal(kinds.get('ci-web-identity'), 'web-identity');
    for (const name of files.profiles) assert.ok(kinds.has(name), `profile ${name} listed`);
  });

  it("routes each profile's calls to its endpoint_url (profile key and services section)", async () => {
    assert.deepEqual(value(await listRegions(session, 'sec-admin')), ['ap-southeast-2', 'eu-central-1', 'eu-west-1', 'us-east-1']);
    assert.equal(emulator.callCount({ service: 'ec2', action: 'DescribeRegions', principal: 'sec-admin' }), 1);
    value(await listRegions(session, 'via-services'));
    assert.equal(emulator.callCount({ service: 'ec2', action: 'DescribeRegions', principal: 'sec-admin' }), 2);
    // Process and role profiles sign in for real: the role is assumed through the emulator's STS.
    value(await listRegions(session, 'emulator-process'));
    value(await listRegions(session, 'emulator-assume-role'));
    assert.equal(emulator.callCount({ service: 'sts', action: 'AssumeRole' }), 1);
  });

  it('lists enabled regions only: an opt-in region the account has not enabled is skipped', async () => {
    const regions = value(await listRegions(session, 'dev-admin'));
    assert.ok(regions.includes('ap-east-1'), 'enabled opt-in region listed');
    assert.ok(!regions.includes('af-south-1'), 'disabled opt-in region skipped');
  });

  it('recovers throttled and dropped calls through retries', async () => {
    emulator.setFaults([
      { service: 'ec2', region: 'us-east-1', action: 'DescribeInstances', throttleRate: 1, times: 2 },
      { service: 'ec2', region: 'eu-central-1', action: 'DescribeInstances', dropRate: 1, times: 1 },
    ]);
    const [east, central] = await Promise.all([
      listInstances(session, 'dev-admin', 'us-east-1'),
      listInstances(session, 'dev-admin', 'eu-central-1'),
    ]);
    assert.deepEqual(value(east).map((i) => i.id).sort(), ['i-00de0000000000014', 'i-00de0000000000015']);
    assert.deepEqual(value(central).map((i) => i.id), ['i-00de0000000000016']);
    assert.equal(emulator.callCount({ action: 'DescribeInstances', region: 'us-east-1' }), 3);
    assert.equal(emulator.callCount({ action: 'DescribeInstances', region: 'eu-central-1' }), 2);
  });

  it('reports throttling that outlasts the retries as throttled', async () => {
    emulator.setFaults([{ service: 'ec2', region: 'us-east-1', action: 'DescribeInstances', throttleRate: 1 }]);
    const quick = new AwsSession({ ...files, maxAttempts: 2 });
    try {
      const outcome = await listInstances(quick, 'dev-admin', 'us-east-1');
      assert.equal(outcome.ok, false);
      if (!outcome.ok) assert.equal(outcome.error.kind, 'throttled');
    } finally {
      quick.dispose();
    }
  });

  it('isolates an access-denied region and a disabled opt-in region while the others list', async () => {
    const fixed = new AwsSession({ ...files, regions: ['us-east-1', 'eu-central-1', 'af-south-1', REGION] });
    try {
      const regions = value(await listRegions(fixed, 'dev-auditor'));
      assert.equal(emulator.callCount({ action: 'DescribeRegions' }), 0, 'a fixed list replaces DescribeRegions');
      const outcomes = await Promise.all(regions.map((region) => listInstances(fixed, 'dev-auditor', region)));
      const byRegion = new Map(regions.map((region, index) => [region, outcomes[index]!]));
      assert.equal(value(byRegion.get('us-east-1')!).length, 2);
      assert.equal(value(byRegion.get(REGION)!).length, 13);
      const denied = byRegion.get('eu-central-1')!;
      assert.ok(!denied.ok && denied.error.kind === 'access-denied' && denied.error.action === 'ec2:DescribeInstances');
      const disabled = byRegion.get('af-south-1')!;
      assert.ok(!disabled.ok && disabled.error.kind === 'region-disabled', JSON.stringify(disabled));
    } finally {
      fixed.dispose();
    }
  });

  it('holds one concurrency limit across profiles and regions', async () => {
    emulator.setFaults([{ service: 'ec2', action: 'DescribeInstances', latencyMs: 150 }]);
    const serial = new AwsSession({ ...files, maxConcurrentRequests: 1 });
    try {
      const started = Date.now();
      const outcomes = await Promise.all([
        listInstances(serial, 'dev-admin', 'us-east-1'),
        listInstances(serial, 'dev-operator', REGION),
        listInstances(serial, 'sec-admin', REGION),
      ]);
      outcomes.forEach(value);
      assert.ok(Date.now() - started >= 430, 'three 150 ms calls ran one after another');
    } finally {
      serial.dispose();
    }
  });

  it('cancels a call in flight through its AbortSignal', async () => {
    emulator.setFaults([{ service: 'ec2', action: 'DescribeInstances', latencyMs: 5000 }]);
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 100);
    const outcome = await listInstances(session, 'dev-admin', REGION, { signal: controller.signal });
    assert.ok(!outcome.ok && outcome.error.kind === 'cancelled', JSON.stringify(outcome));
    assert.ok(Date.now() - started < 2000);
  });

  it('classifies an expired SSO session with its next step, and expired keys', async () => {
    const sso = await listInstances(session, 'emulator-sso', REGION);
    assert.ok(!sso.ok);
    assert.equal(sso.error.kind, 'expired-credentials');
    assert.equal(sso.error.nextStep, 'Run: aws sso login --profile emulator-sso');
    const legacy = await listRegions(session, 'emulator-sso-legacy');
    assert.ok(!legacy.ok && legacy.error.kind === 'expired-credentials');
    const expired = await listInstances(session, 'dev-expired', REGION);
    assert.ok(!expired.ok && expired.error.kind === 'expired-credentials', JSON.stringify(expired));
    assert.equal(emulator.callCount({ principal: '(unknown)' }), 0, 'no unsigned or unknown calls reached the emulator');
  });

  it('follows a start that fails on the key policy, then succeeds after putKeyPolicy with the fix', async () => {
    const operator = 'dev-operator';
    const startedAt = new Date();
    const first = value(await startInstance(session, operator, REGION, GRANT_STOPPED));
    assert.equal(first.currentState, 'pending');
    const failed = await settle(session, operator, GRANT_STOPPED);
    assert.equal(failed.state, 'stopped');
    assert.deepEqual(failed.stateReason, { code: 'Client.InternalError', message: 'Client.InternalError: Client error on launch' });

    const ports = createDiagnosisPorts(session, operator, REGION);
    const volumes = value(await ports.describeVolumes(failed.blockDevices.map((d) => d.volumeId!)));
    assert.equal(volumes[0]!.kmsKeyId, GRANT_KEY);
    const events = value(
      await ports.lookupEvents({ eventName: 'CreateGrant', startTime: new Date(startedAt.getTime() - 60_000), endTime: new Date(Date.now() + 60_000) }),
    );
    const denied = events.find((e) => e.keyId === GRANT_KEY && e.errorCode?.startsWith('AccessDenied'));
    assert.ok(denied, 'a denied CreateGrant event for the key');
    assert.equal(denied.userArn, 'arn:aws:sts::111111111111:assumed-role/Operator/jane');
    assert.match(denied.errorMessage ?? '', /is not authorized to perform: kms:CreateGrant on resource/);

    const current = value(await getKeyPolicy(session, 'dev-admin', REGION, GRANT_KEY));
    const policy = JSON.parse(current) as { Statement: unknown[] };
    policy.Statement.push(createGrantFixStatement(OPERATOR_ROLE));
    value(await putKeyPolicy(session, 'dev-admin', REGION, GRANT_KEY, JSON.stringify(policy, null, 2)));
    assert.equal(emulator.callCount({ service: 'kms', action: 'PutKeyPolicy', principal: 'dev-admin' }), 1);

    value(await startInstance(session, operator, REGION, GRANT_STOPPED));
    const started = await settle(session, operator, GRANT_STOPPED);
    assert.equal(started.state, 'running');
  });

  it('reads a cross-account key policy through a profile of the key account', async () => {
    const ports = createDiagnosisPorts(session, 'dev-operator', REGION);
    const key = value(await ports.describeKey('arn:aws:kms:eu-west-1:222222222222:key/2b3c4d5e-0001-4abc-8def-000000000001'));
    assert.equal(key.accountId, '222222222222');
    const read = value(await ports.getKeyPolicy(key));
    assert.equal(read.via, 'sec-admin');
    assert.ok(JSON.parse(read.policy).Statement);
  });
});

describe('AWS layer paging against a 2,500-instance region', function () {
  this.timeout(30_000);
  let home: string;
  let emulator: Emulator;
  let session: AwsSession;

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'eld-aws-paging-'));
    const builder = new ScenarioBuilder('paging', 0).account('333333333333').region(REGION);
    builder.principal({ name: 'bulk', account: '333333333333', region: REGION, policies: [adminPolicy()] });
    builder.instances(2500, { account: '333333333333', region: REGION });
    const scenario = builder.build();
    emulator = await startEmulator({ scenario });
    const files = writeAwsConfig(home, emulator, scenario);
    session = new AwsSession({ configFile: files.configFile, credentialsFile: files.credentialsFile });
  });

  after(async () => {
    session?.dispose();
    await emulator?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('lists every instance in three DescribeInstances pages of at most 1,000', async () => {
    const instances = value(await listInstances(session, 'bulk', REGION));
    assert.equal(instances.length, 2500);
    assert.equal(new Set(instances.map((i) => i.id)).size, 2500);
    assert.equal(emulator.callCount({ service: 'ec2', action: 'DescribeInstances' }), 3);
    assert.ok(instances.every((i) => i.state === 'running' && i.blockDevices.length === 1));
  });
});
