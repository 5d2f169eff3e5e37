import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { interactiveSignIn, listProfiles, signInKind, summariseProfiles } from '../../../src/aws/profiles';

const CONFIG = `
[default]
region = eu-west-1

[profile keys]
region = us-east-2

[profile admin]
role_arn = arn:aws:iam::222233334444:role/Admin
source_profile = keys
mfa_serial = arn:aws:iam::111122223333:mfa/me

[profile ec2-role]
role_arn = arn:aws:iam::222233334444:role/Ops
credential_source = Ec2InstanceMetadata

[profile vault]
credential_process = /usr/local/bin/vault-aws --account prod

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1

[profile corp-dev]
sso_session = corp
sso_account_id = 555566667777
sso_role_name = Developer
region = eu-central-1

[profile old-sso]
sso_start_url = https://old.awsapps.com/start
sso_region = us-east-1
sso_account_id = 888899990000
sso_role_name = ReadOnly

[profile ci]
role_arn = arn:aws:iam::121212121212:role/CI
web_identity_token_file = /var/run/token

[profile endpoints]
services = local

[services local]
ec2 =
  endpoint_url = http://127.0.0.1:4000
`;

const CREDENTIALS = `
[default]
aws_access_key_id = AKIDEFAULTEXAMPLE
aws_secret_access_key = not-a-real-secret

[keys]
aws_access_key_id = AKIDKEYSEXAMPLE
aws_secret_access_key = not-a-real-secret

[only-in-credentials]
aws_access_key_id = AKIDOTHEREXAMPLE
aws_secret_access_key = not-a-real-secret
`;

describe('listProfiles', () => {
  let dir: string;
  const saved = { config: process.env.AWS_CONFIG_FILE, credentials: process.env.AWS_SHARED_CREDENTIALS_FILE };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'eld-profiles-'));
    writeFileSync(join(dir, 'config'), CONFIG);
    writeFileSync(join(dir, 'credentials'), CREDENTIALS);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => {
    restore('AWS_CONFIG_FILE', saved.config);
    restore('AWS_SHARED_CREDENTIALS_FILE', saved.credentials);
  });

  it('lists profiles of every sign-in kind from both files, default first', async () => {
    const profiles = await listProfiles({
      configFile: join(dir, 'config'),
      credentialsFile: join(dir, 'credentials'),
      ignoreCache: true,
    });
    const byName = Object.fromEntries(profiles.map((p) => [p.name, p]));
    assert.equal(profiles[0]!.name, 'default');
    assert.deepEqual(profiles.map((p) => p.name).slice(1), [
      'admin',
      'ci',
      'corp-dev',
      'ec2-role',
      'endpoints',
      'keys',
      'old-sso',
      'only-in-credentials',
      'vault',
    ]);
    assert.deepEqual(byName.default, { name: 'default', signIn: 'static-keys', region: 'eu-west-1' });
    assert.deepEqual(byName.keys, { name: 'keys', signIn: 'static-keys', region: 'us-east-2' });
    assert.deepEqual(byName.admin, { name: 'admin', signIn: 'assume-role', accountId: '222233334444', needsMfa: true });
    assert.equal(byName['ec2-role']!.signIn, 'assume-role');
    assert.equal(byName.vault!.signIn, 'credential-process');
    assert.equal(byName.vault!.runsProcess, true);
    assert.deepEqual(byName['corp-dev'], {
      name: 'corp-dev',
      signIn: 'sso',
      region: 'eu-central-1',
      accountId: '555566667777',
    });
    assert.deepEqual(byName['old-sso'], { name: 'old-sso', signIn: 'sso-legacy', accountId: '888899990000' });
    assert.deepEqual(byName.ci, { name: 'ci', signIn: 'web-identity', accountId: '121212121212' });
    assert.equal(byName.endpoints!.signIn, 'unknown');
    assert.equal(byName['only-in-credentials']!.signIn, 'static-keys');
    assert.ok(!profiles.some((p) => p.name.startsWith('sso-session') || p.name.startsWith('services')));
  });

  it('honours AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE when no file is given', async () => {
    const other = join(dir, 'other-config');
    writeFileSync(other, '[profile from-env]\nregion = ap-south-1\n');
    process.env.AWS_CONFIG_FILE = other;
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'missing-credentials');
    const profiles = await listProfiles({ ignoreCache: true });
    assert.deepEqual(profiles, [{ name: 'from-env', signIn: 'unknown', region: 'ap-south-1' }]);
  });

  it('sees a changed file only when asked to ignore the cache', async () => {
    const file = join(dir, 'changing');
    writeFileSync(file, '[profile first]\nregion = eu-west-1\n');
    const options = { configFile: file, credentialsFile: join(dir, 'none') };
    assert.deepEqual(
      (await listProfiles({ ...options, ignoreCache: true })).map((p) => p.name),
      ['first'],
    );
    writeFileSync(file, '[profile second]\nregion = eu-west-1\n');
    assert.deepEqual(
      (await listProfiles(options)).map((p) => p.name),
      ['first'],
    );
    assert.deepEqual(
      (await listProfiles({ ...options, ignoreCache: true })).map((p) => p.name),
      ['second'],
    );
  });

  it('lists 5,000 profiles from one config file', async function () {
    const sections: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const kind = i % 4;
      if (kind === 0)
        sections.push(`[profile p${i}]\nregion = eu-west-1\naws_access_key_id = AKID${i}\naws_secret_access_key = x\n`);
      if (kind === 1)
        sections.push(
          `[profile p${i}]\nrole_arn = arn:aws:iam::${String(100000000000 + i)}:role/R\nsource_profile = p0\n`,
        );
      if (kind === 2)
        sections.push(
          `[profile p${i}]\nsso_session = s\nsso_account_id = ${String(200000000000 + i)}\nsso_role_name = R\n`,
        );
      if (kind === 3) sections.push(`[profile p${i}]\ncredential_process = /bin/echo ${i}\n`);
    }
    sections.push('[sso-session s]\nsso_start_url = https://x.awsapps.com/start\nsso_region = eu-west-1\n');
    const file = join(dir, 'big-config');
    writeFileSync(file, sections.join('\n'));
    const started = process.hrtime.bigint();
    const profiles = await listProfiles({ configFile: file, credentialsFile: join(dir, 'none'), ignoreCache: true });
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    this.test!.title += ` (${elapsedMs.toFixed(0)} ms)`;
    assert.equal(profiles.length, 5000);
    assert.equal(profiles.filter((p) => p.signIn === 'sso').length, 1250);
    assert.equal(profiles.find((p) => p.name === 'p4999')!.signIn, 'credential-process');
    assert.equal(profiles.find((p) => p.name === 'p1')!.accountId, '100000000001');
  });
});

describe('signInKind', () => {
  it('prefers what the SDK resolves first when a profile mixes settings', () => {
    assert.equal(
      signInKind({
        role_arn: 'arn:aws:iam::1:role/x',
        source_profile: 'a',
        aws_access_key_id: 'A',
        aws_secret_access_key: 'B',
      }),
      'assume-role',
    );
    assert.equal(
      signInKind({ aws_access_key_id: 'A', aws_secret_access_key: 'B', credential_process: 'x' }),
      'static-keys',
    );
    assert.equal(signInKind({ credential_process: 'x', sso_session: 's' }), 'credential-process');
    assert.equal(signInKind({ sso_session: 's', sso_start_url: 'u' }), 'sso');
    assert.equal(signInKind({}), 'unknown');
  });
});

describe('profiles whose sign-in could prompt or run a command', () => {
  const config = {
    keys: { aws_access_key_id: 'AKIDEXAMPLE', aws_secret_access_key: 'x' },
    'keys-with-serial': {
      aws_access_key_id: 'AKIDEXAMPLE',
      aws_secret_access_key: 'x',
      mfa_serial: 'arn:aws:iam::111122223333:mfa/me',
    },
    vault: { credential_process: '/usr/local/bin/vault-aws' },
    'keys-and-process': {
      aws_access_key_id: 'AKIDEXAMPLE',
      aws_secret_access_key: 'x',
      credential_process: '/bin/false',
    },
    'mfa-role': {
      role_arn: 'arn:aws:iam::222233334444:role/Admin',
      source_profile: 'keys',
      mfa_serial: 'arn:aws:iam::111122223333:mfa/me',
    },
    'over-mfa': { role_arn: 'arn:aws:iam::333344445555:role/Ops', source_profile: 'mfa-role' },
    'over-vault': { role_arn: 'arn:aws:iam::333344445555:role/Ops', source_profile: 'vault' },
    // A source profile with keys ends the chain even when it names a role itself.
    'over-keyed-role': { role_arn: 'arn:aws:iam::333344445555:role/Ops', source_profile: 'keyed-role' },
    'keyed-role': {
      aws_access_key_id: 'AKIDEXAMPLE',
      aws_secret_access_key: 'x',
      role_arn: 'arn:aws:iam::1:role/R',
      source_profile: 'vault',
    },
    'from-metadata': {
      role_arn: 'arn:aws:iam::333344445555:role/Ops',
      credential_source: 'Ec2InstanceMetadata',
      mfa_serial: 'arn:aws:iam::1:mfa/x',
    },
    'loop-a': { role_arn: 'arn:aws:iam::333344445555:role/A', source_profile: 'loop-b' },
    'loop-b': { role_arn: 'arn:aws:iam::333344445555:role/B', source_profile: 'loop-a' },
    sso: { sso_session: 'corp', sso_account_id: '555566667777', sso_role_name: 'Dev' },
  };

  it('marks roles with mfa_serial and credential_process profiles, also through source_profile', () => {
    const byName = Object.fromEntries(summariseProfiles(config, {}).map((p) => [p.name, p]));
    const flags = (name: string) => ({
      needsMfa: byName[name]!.needsMfa ?? false,
      runsProcess: byName[name]!.runsProcess ?? false,
    });
    assert.deepEqual(flags('mfa-role'), { needsMfa: true, runsProcess: false });
    assert.deepEqual(flags('over-mfa'), { needsMfa: true, runsProcess: false });
    assert.deepEqual(flags('vault'), { needsMfa: false, runsProcess: true });
    assert.deepEqual(flags('over-vault'), { needsMfa: false, runsProcess: true });
    assert.deepEqual(flags('from-metadata'), { needsMfa: true, runsProcess: false });
    for (const quiet of ['keys', 'keys-with-serial', 'keys-and-process', 'over-keyed-role', 'loop-a', 'sso']) {
      assert.deepEqual(flags(quiet), { needsMfa: false, runsProcess: false }, quiet);
      assert.ok(!('needsMfa' in byName[quiet]!) && !('runsProcess' in byName[quiet]!), `${quiet} carries no flags`);
    }
  });

  it('follows source_profile to a process profile and stops at a missing one', () => {
    const sections = new Map(
      Object.entries({
        role: { role_arn: 'arn:aws:iam::1:role/R', source_profile: 'base' },
        base: { credential_process: 'x' },
      }),
    );
    assert.deepEqual(interactiveSignIn('role', sections), { needsMfa: false, runsProcess: true });
    assert.deepEqual(interactiveSignIn('missing', sections), { needsMfa: false, runsProcess: false });
  });
});

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
