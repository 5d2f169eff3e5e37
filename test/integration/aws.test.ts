import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
  createGrantFailedEvent,
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
const CROSS_ACCOUNT_KEY = 'arn:aws:kms:eu-west-1:222222222222:key/2b3c4d5e-0001-4abc-8def-000000000001';
/** A role of the key's account that asks for an MFA code. */
const MFA_READER = 'mfa-reader';
/** A profile whose credential_process leaves a file behind when it runs. */
const MARKER_PROCESS = 'marker-process';
/** A profile whose credential_process fails with a token in its command line and stderr. */
const LEAKY_PROCESS = 'leaky-process';
const LEAKED_TOKEN = 'LEAKED-TOKEN-7f3a9c';

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
  let marker: string;

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'eld-aws-it-'));
    marker = join(home, 'process-ran');
    ISOLATED_ENV.forEach((name) => delete process.env[name]);
    // SSO tokens are read from $HOME/.aws/sso/cache: a private home keeps the person's own out.
    process.env.HOME = home;
    emulator = await startEmulator({ scenario: 'demo', launchDelayMs: 100 });
    files = writeAwsConfig(join(home, 'aws'), emulator, loadScenario('demo'));
    const secAdmin = loadScenario('demo').principals.find((p) => p.name === 'sec-admin')!;
    appendFileSync(
      files.configFile,
      `\n[profile via-services]\nregion = ${REGION}\nservices = emulated\n\n[services emulated]\nec2 =\n  endpoint_url = ${emulator.url}\n` +
        `\n[profile ci-web-identity]\nrole_arn = ${OPERATOR_ROLE}\nweb_identity_token_file = ${join(home, 'token')}\n` +
        `\n[profile ${MFA_READER}]\nregion = ${REGION}\nendpoint_url = ${emulator.url}\n` +
        `role_arn = arn:aws:iam::222222222222:role/KeyAdmin\nsource_profile = dev-admin\nmfa_serial = arn:aws:iam::111111111111:mfa/jane\n` +
        `\n[profile ${MARKER_PROCESS}]\nregion = ${REGION}\nendpoint_url = ${emulator.url}\n` +
        `credential_process = "${process.execPath}" -e "require('fs').writeFileSync('${marker}','ran')"\n` +
        `\n[profile ${LEAKY_PROCESS}]\nregion = ${REGION}\nendpoint_url = ${emulator.url}\n` +
        `credential_process = "${process.execPath}" -e "process.stderr.write('token=${LEAKED_TOKEN}');process.exit(3)"\n`,
    );
    appendFileSync(
      files.credentialsFile,
      `\n[via-services]\naws_access_key_id = ${secAdmin.accessKeyId}\naws_secret_access_key = ${secAdmin.secretAccessKey}\n`,
    );
    const cache = join(home, '.aws', 'sso', 'cache');
    mkdirSync(cache, { recursive: true });
    const expired = {
      accessToken: 'expired-token',
      expiresAt: '2020-01-01T00:00:00Z',
      region: REGION,
      startUrl: 'https://emulator-example.awsapps.com/start',
    };
    writeFileSync(
      join(cache, `${createHash('sha1').update(SSO_SESSION_NAME).digest('hex')}.json`),
      JSON.stringify(expired),
    );
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
    const profiles = await listProfiles({
      configFile: files.configFile,
      credentialsFile: files.credentialsFile,
      ignoreCache: true,
    });
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
    assert.deepEqual(value(await listRegions(session, 'sec-admin')), [
      'ap-southeast-2',
      'eu-central-1',
      'eu-west-1',
      'us-east-1',
    ]);
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
    assert.deepEqual(
      value(east)
        .map((i) => i.id)
        .sort(),
      ['i-00de0000000000014', 'i-00de0000000000015'],
    );
    assert.deepEqual(
      value(central).map((i) => i.id),
      ['i-00de0000000000016'],
    );
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
    assert.equal(
      emulator.callCount({ principal: '(unknown)' }),
      0,
      'no unsigned or unknown calls reached the emulator',
    );
  });

  it('follows a start that fails on the key policy, then succeeds after putKeyPolicy with the fix', async () => {
    const operator = 'dev-operator';
    const startedAt = new Date();
    const first = value(await startInstance(session, operator, REGION, GRANT_STOPPED));
    assert.equal(first.currentState, 'pending');
    const failed = await settle(session, operator, GRANT_STOPPED);
    assert.equal(failed.state, 'stopped');
    assert.deepEqual(failed.stateReason, {
      code: 'Client.InternalError',
      message: 'Client.InternalError: Client error on launch',
    });

    const ports = createDiagnosisPorts(session, operator, REGION);
    const volumes = value(await ports.describeVolumes(failed.blockDevices.map((d) => d.volumeId!)));
    assert.equal(volumes[0]!.kmsKeyId, GRANT_KEY);
    const events = value(
      await ports.lookupEvents({
        eventName: 'CreateGrant',
        startTime: new Date(startedAt.getTime() - 60_000),
        endTime: new Date(Date.now() + 60_000),
      }),
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
    const key = value(await ports.describeKey(CROSS_ACCOUNT_KEY));
    assert.equal(key.accountId, '222222222222');
    const read = value(await ports.getKeyPolicy(key));
    assert.equal(read.via, 'sec-admin');
    assert.ok(JSON.parse(read.policy).Statement);
  });

  it("looks for the key's account without asking for MFA codes or running other profiles' commands", async () => {
    const prompts: string[] = [];
    const asking = new AwsSession({
      ...files,
      maxAttempts: 2,
      mfaCodeProvider: async (profile) => {
        prompts.push(profile);
        return '123456';
      },
    });
    try {
      const ports = createDiagnosisPorts(asking, 'dev-operator', REGION);
      const key = value(await ports.describeKey(CROSS_ACCOUNT_KEY));
      assert.equal(
        value(await ports.getKeyPolicy(key)).via,
        'sec-admin',
        `not ${MFA_READER}, whose role asks for a code`,
      );
      const elsewhere = await ports.getKeyPolicy({
        ...key,
        accountId: '444444444444',
        arn: key.arn.replace('222222222222', '444444444444'),
      });
      assert.ok(!elsewhere.ok && elsewhere.error.kind === 'access-denied', JSON.stringify(elsewhere));
      assert.deepEqual(prompts, []);
      assert.equal(existsSync(marker), false, 'no credential_process of another profile ran');
      assert.equal(emulator.callCount({ service: 'sts', action: 'AssumeRole' }), 0);
    } finally {
      asking.dispose();
    }
  });

  it('reports a failing credential_process without its command line or output', async () => {
    const outcome = await listRegions(session, LEAKY_PROCESS);
    assert.ok(!outcome.ok);
    assert.equal(outcome.error.kind, 'no-credentials');
    const text = JSON.stringify(outcome.error);
    assert.ok(
      !text.includes(LEAKED_TOKEN) && !text.includes('Command failed') && !text.includes(process.execPath),
      text,
    );
    assert.match(outcome.error.message, new RegExp(`profile ${LEAKY_PROCESS} \\(credential_process\\)`));
  });

  it('cancels only the caller whose signal aborts while others share one GetCallerIdentity', async () => {
    emulator.setFaults([{ service: 'sts', action: 'GetCallerIdentity', latencyMs: 400 }]);
    const impatient = new AbortController();
    const started = Date.now();
    const first = session.callerIdentity('dev-admin', REGION, impatient.signal);
    const second = session.callerIdentity('dev-admin', REGION, new AbortController().signal);
    setTimeout(() => impatient.abort(), 50);
    const cancelled = await first;
    assert.ok(!cancelled.ok && cancelled.error.kind === 'cancelled', JSON.stringify(cancelled));
    assert.ok(Date.now() - started < 350, 'the cancelled caller stops waiting at once');
    assert.equal(value(await second).account, '111111111111');
    assert.equal(value(await session.callerIdentity('dev-admin', REGION)).account, '111111111111');
    assert.equal(emulator.callCount({ service: 'sts', action: 'GetCallerIdentity' }), 1);
  });

  it('still answers and keeps an identity whose only caller gave up', async () => {
    emulator.setFaults([{ service: 'sts', action: 'GetCallerIdentity', latencyMs: 200 }]);
    const gone = new AbortController();
    gone.abort();
    const early = await session.callerIdentity('dev-admin', REGION, gone.signal);
    assert.ok(!early.ok && early.error.kind === 'cancelled');
    assert.equal(emulator.callCount({ service: 'sts' }), 0, 'an already cancelled caller starts nothing');
    const impatient = new AbortController();
    const first = session.callerIdentity('dev-admin', REGION, impatient.signal);
    impatient.abort();
    assert.equal((await first).ok, false);
    assert.equal(value(await session.callerIdentity('dev-admin', REGION)).account, '111111111111');
    assert.equal(emulator.callCount({ service: 'sts', action: 'GetCallerIdentity' }), 1);
  });

  it('counts the AWS API requests made through the diagnosis ports', async () => {
    const ports = createDiagnosisPorts(session, 'dev-operator', REGION);
    assert.equal(ports.apiCallCount?.(), 0);
    const instance = value(await ports.describeInstance(GRANT_STOPPED));
    await ports.describeVolumes(instance.blockDevices.map((d) => d.volumeId!));
    assert.equal(ports.apiCallCount!(), 2);
    await ports.getEbsDefaults();
    assert.equal(ports.apiCallCount!(), 4, 'GetEbsDefaultKmsKeyId and GetEbsEncryptionByDefault');
    const key = value(await ports.describeKey(GRANT_KEY));
    assert.equal(ports.apiCallCount!(), 6, 'DescribeKey and ListAliases');
    await ports.getKeyPolicy(key);
    assert.equal(ports.apiCallCount!(), 8, 'GetCallerIdentity to tell the account, then GetKeyPolicy');
    value(await ports.getCallerIdentity());
    assert.equal(ports.apiCallCount!(), 8, 'a cached identity costs no request');
    await ports.lookupEvents({
      eventName: 'CreateGrant',
      startTime: new Date(Date.now() - 86_400_000),
      endTime: new Date(),
    });
    await ports.simulatePrincipalPolicy({
      policySourceArn: OPERATOR_ROLE,
      actionNames: ['kms:CreateGrant'],
      resourceArns: [GRANT_KEY],
      context: [],
    });
    assert.equal(ports.apiCallCount!(), 10);
    assert.equal(ports.apiCallCount!(), emulator.callCount(), 'the same number the endpoint saw');
    assert.equal(
      createDiagnosisPorts(session, 'dev-operator', REGION).apiCallCount!(),
      0,
      'each set of ports counts its own',
    );
  });

  it("counts each set of ports' requests to it, also when their calls queue behind each other's", async () => {
    const serial = new AwsSession({ ...files, maxConcurrentRequests: 1 });
    try {
      const first = createDiagnosisPorts(serial, 'dev-operator', REGION);
      const second = createDiagnosisPorts(serial, 'dev-admin', REGION);
      await Promise.all([
        first.describeInstance(GRANT_STOPPED),
        second.getEbsDefaults(),
        first.getEbsDefaults(),
        second.describeInstance(GRANT_STOPPED),
        second.describeInstance(GRANT_STOPPED),
      ]);
      assert.equal(first.apiCallCount!(), 3);
      assert.equal(second.apiCallCount!(), 4);
      assert.equal(emulator.callCount(), 7);
    } finally {
      serial.dispose();
    }
  });

  it('knows which profiles it holds live credentials of, until invalidate()', async () => {
    assert.equal(session.hasLiveCredentials('dev-admin'), false);
    value(await listRegions(session, 'dev-admin'));
    assert.equal(session.hasLiveCredentials('dev-admin'), true);
    assert.equal((await listRegions(session, LEAKY_PROCESS)).ok, false);
    assert.equal(session.hasLiveCredentials(LEAKY_PROCESS), false);
    session.invalidate();
    assert.equal(session.hasLiveCredentials('dev-admin'), false);
  });

  it('maps accounts to profiles from the config and answered identities, without calling AWS', async () => {
    const known = await session.profilesByAccount();
    assert.equal(emulator.callCount(), 0);
    assert.deepEqual(known, {
      '111111111111': ['ci-web-identity', 'emulator-assume-role', 'emulator-sso', 'emulator-sso-legacy'],
      '222222222222': [MFA_READER],
    });
    value(await session.callerIdentity('sec-admin', REGION));
    value(await session.callerIdentity('dev-admin', REGION));
    assert.equal((await session.callerIdentity('dev-expired', REGION)).ok, false);
    const calls = emulator.callCount();
    const after = await session.profilesByAccount();
    assert.equal(emulator.callCount(), calls);
    assert.deepEqual(after, {
      '111111111111': ['ci-web-identity', 'dev-admin', 'emulator-assume-role', 'emulator-sso', 'emulator-sso-legacy'],
      '222222222222': [MFA_READER, 'sec-admin'],
    });
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
    const bulk = builder.principal({
      name: 'bulk',
      account: '333333333333',
      region: REGION,
      policies: [adminPolicy()],
    });
    builder.instances(2500, { account: '333333333333', region: REGION });
    for (let i = 0; i < 60; i++) {
      builder.trailEvent(
        createGrantFailedEvent({
          principal: bulk,
          region: REGION,
          keyArn: 'arn:aws:kms:eu-west-1:333333333333:key/3c4d5e6f-0001-4abc-8def-000000000001',
          instanceId: `i-${String(i).padStart(17, '0')}`,
          volumeId: `vol-${String(i).padStart(17, '0')}`,
          eventTime: `now-${i + 1}m`,
        }),
      );
    }
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

  it('counts every LookupEvents page as an API request of the ports', async () => {
    emulator.resetCalls();
    const ports = createDiagnosisPorts(session, 'bulk', REGION);
    const events = value(
      await ports.lookupEvents({
        eventName: 'CreateGrant',
        startTime: new Date(Date.now() - 3_600_000 * 3),
        endTime: new Date(),
        maxResults: 60,
      }),
    );
    assert.equal(events.length, 60);
    assert.equal(emulator.callCount({ service: 'cloudtrail', action: 'LookupEvents' }), 2);
    assert.equal(ports.apiCallCount!(), 2);
  });

  it('stops paging LookupEvents once a page holds the event looked for', async () => {
    emulator.resetCalls();
    const ports = createDiagnosisPorts(session, 'bulk', REGION);
    const window = {
      eventName: 'CreateGrant',
      startTime: new Date(Date.now() - 3_600_000 * 3),
      endTime: new Date(),
      maxResults: 500,
    };
    const all = value(await ports.lookupEvents(window));
    assert.equal(all.length, 60);
    assert.equal(emulator.callCount({ service: 'cloudtrail', action: 'LookupEvents' }), 2);
    emulator.resetCalls();
    const wanted = all[10].eventId; // on the first page (newest first)
    const some = value(await ports.lookupEvents({ ...window, stopWhen: (e) => e.eventId === wanted }));
    assert.equal(emulator.callCount({ service: 'cloudtrail', action: 'LookupEvents' }), 1);
    assert.ok(some.some((e) => e.eventId === wanted));
  });
});
