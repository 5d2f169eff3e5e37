import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveEndpoint } from '../../../src/aws/endpoints';
import { AwsSession } from '../../../src/aws/session';

const CONFIG = `
[profile direct]
region = eu-west-1
endpoint_url = http://127.0.0.1:4001

[profile per-service]
region = eu-west-1
endpoint_url = http://127.0.0.1:4002
services = local

[services local]
ec2 =
  endpoint_url = http://127.0.0.1:4003
cloudtrail =
  endpoint_url = http://127.0.0.1:4004
auto_scaling =
  endpoint_url = http://127.0.0.1:4006

[profile ignoring]
endpoint_url = http://127.0.0.1:4005
ignore_configured_endpoint_urls = true

[profile public]
region = eu-west-1
`;

const CREDENTIALS = `
[direct]
aws_access_key_id = AKIDDIRECTEXAMPLE
aws_secret_access_key = not-a-real-secret
`;

const ENV_NAMES = [
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_EC2',
  'AWS_ENDPOINT_URL_KMS',
  'AWS_ENDPOINT_URL_AUTO_SCALING',
  'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS',
  'AWS_PROFILE',
];

describe('resolveEndpoint', () => {
  let dir: string;
  let files: { configFile: string; credentialsFile: string };
  const saved = new Map(ENV_NAMES.map((name) => [name, process.env[name]]));

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'eld-endpoints-'));
    files = { configFile: join(dir, 'config'), credentialsFile: join(dir, 'credentials') };
    writeFileSync(files.configFile, CONFIG);
    writeFileSync(files.credentialsFile, CREDENTIALS);
  });
  beforeEach(() => ENV_NAMES.forEach((name) => delete process.env[name]));
  afterEach(() => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("uses the profile's own endpoint_url", async () => {
    assert.equal(await resolveEndpoint('direct', 'EC2', files), 'http://127.0.0.1:4001');
    assert.equal(await resolveEndpoint('direct', 'KMS', files), 'http://127.0.0.1:4001');
  });

  it("prefers the service's entry of the profile's services section", async () => {
    assert.equal(await resolveEndpoint('per-service', 'EC2', files), 'http://127.0.0.1:4003');
    assert.equal(await resolveEndpoint('per-service', 'CloudTrail', files), 'http://127.0.0.1:4004');
    assert.equal(await resolveEndpoint('per-service', 'KMS', files), 'http://127.0.0.1:4002');
  });

  it('names Auto Scaling as the SDK does: auto_scaling in a services section, AWS_ENDPOINT_URL_AUTO_SCALING', async () => {
    assert.equal(await resolveEndpoint('per-service', 'Auto Scaling', files), 'http://127.0.0.1:4006');
    assert.equal(await resolveEndpoint('direct', 'Auto Scaling', files), 'http://127.0.0.1:4001');
    process.env.AWS_ENDPOINT_URL_AUTO_SCALING = 'http://127.0.0.1:5006';
    assert.equal(await resolveEndpoint('per-service', 'Auto Scaling', files), 'http://127.0.0.1:5006');
  });

  it('returns nothing for a profile without an endpoint (the public endpoint)', async () => {
    assert.equal(await resolveEndpoint('public', 'EC2', files), undefined);
  });

  it('lets AWS_ENDPOINT_URL_<SERVICE> and then AWS_ENDPOINT_URL win, as the SDK does', async () => {
    process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:5000';
    process.env.AWS_ENDPOINT_URL_EC2 = 'http://127.0.0.1:5001';
    assert.equal(await resolveEndpoint('direct', 'EC2', files), 'http://127.0.0.1:5001');
    assert.equal(await resolveEndpoint('direct', 'KMS', files), 'http://127.0.0.1:5000');
    assert.equal(await resolveEndpoint('public', 'STS', files), 'http://127.0.0.1:5000');
  });

  it('honours ignore_configured_endpoint_urls in the profile and in the environment', async () => {
    assert.equal(await resolveEndpoint('ignoring', 'EC2', files), undefined);
    process.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS = 'true';
    process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:5000';
    assert.equal(await resolveEndpoint('direct', 'EC2', files), undefined);
  });

  it('gives every profile its own endpoint whatever AWS_PROFILE says', async () => {
    process.env.AWS_PROFILE = 'direct';
    assert.equal(await resolveEndpoint('per-service', 'EC2', files), 'http://127.0.0.1:4003');
    assert.equal(await resolveEndpoint('public', 'EC2', files), undefined);
  });
});

describe('AwsSession clients', () => {
  let dir: string;
  let session: AwsSession;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'eld-session-'));
    writeFileSync(join(dir, 'config'), CONFIG);
    writeFileSync(join(dir, 'credentials'), CREDENTIALS);
  });
  beforeEach(() => {
    ENV_NAMES.forEach((name) => delete process.env[name]);
    session = new AwsSession({ configFile: join(dir, 'config'), credentialsFile: join(dir, 'credentials') });
  });
  afterEach(() => session.dispose());
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('creates one client per (service, profile, region) and reuses it', async () => {
    const a = await session.client('EC2', 'direct', 'eu-west-1');
    const b = await session.client('EC2', 'direct', 'eu-west-1');
    const c = await session.client('EC2', 'direct', 'us-east-1');
    const d = await session.client('KMS', 'direct', 'eu-west-1');
    assert.equal(a, b);
    assert.notEqual(a, c);
    assert.notEqual(a as unknown, d as unknown);
    assert.equal(await a.config.region(), 'eu-west-1');
    assert.equal(await c.config.region(), 'us-east-1');
  });

  it("points each client at its profile's endpoint and at no endpoint for public profiles", async () => {
    const routed = await session.client('EC2', 'per-service', 'eu-west-1');
    const endpoint = await routed.config.endpoint!();
    assert.equal(`${endpoint.protocol}//${endpoint.hostname}:${endpoint.port}`, 'http://127.0.0.1:4003');
    const publicClient = await session.client('EC2', 'public', 'eu-west-1');
    assert.equal(publicClient.config.isCustomEndpoint, false);
  });

  it('drops clients on invalidate() and sees changed files afterwards', async () => {
    const before = await session.client('EC2', 'direct', 'eu-west-1');
    assert.deepEqual(
      (await session.profiles()).map((p) => p.name),
      ['direct', 'ignoring', 'per-service', 'public'],
    );
    const file = join(dir, 'config');
    writeFileSync(
      file,
      CONFIG.replace('http://127.0.0.1:4001', 'http://127.0.0.1:4999') + '\n[profile added]\nregion = eu-west-1\n',
    );
    try {
      session.invalidate();
      const after = await session.client('EC2', 'direct', 'eu-west-1');
      assert.notEqual(before, after);
      assert.equal((await after.config.endpoint!()).port, 4999);
      assert.ok((await session.profiles()).some((p) => p.name === 'added'));
    } finally {
      writeFileSync(file, CONFIG);
      session.invalidate();
    }
  });

  it('classifies a call that cannot sign in instead of throwing', async () => {
    const outcome = await session.call('EC2', 'no-such-profile', 'eu-west-1', async (ec2) => ec2.config.region(), {
      action: 'ec2:DescribeRegions',
    });
    // The task never sends, so only building the client is exercised: it must succeed.
    assert.equal(outcome.ok, true);
    const failing = await session.call('EC2', 'public', 'eu-west-1', async (ec2) => ec2.config.credentials(), {
      action: 'ec2:DescribeRegions',
    });
    assert.equal(failing.ok, false);
    if (!failing.ok) assert.equal(failing.error.kind, 'no-credentials');
  });

  it('refuses work after dispose()', async () => {
    session.dispose();
    const outcome = await session.call('EC2', 'direct', 'eu-west-1', async () => 1);
    assert.equal(outcome.ok, false);
  });
});
