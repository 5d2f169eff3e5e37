/**
 * A group whose launch template uses a key of another account (EC2 Auto Scaling User Guide,
 * "Required AWS KMS key policy for use with encrypted volumes", cross-account): the key's owner
 * opens the key to the group's account, and the service-linked role needs a grant created from
 * the group's account. The diagnosis's fixes, applied in that order (the key policy through a
 * profile of the key's account, the grant through the AWS layer's createGrant from the group's
 * account), make the next scale-out launch; the emulator counts the grant as KMS does.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetKeyPolicyCommand, PutKeyPolicyCommand } from '@aws-sdk/client-kms';
import { AwsSession, createDiagnosisPorts, createGrant } from '../../src/aws';
import { diagnoseAutoScalingGroup, type GrantFix, type KeyPolicyFix } from '../../src/core/diagnosis';
import type { Outcome } from '../../src/core/model';
import { loadScenario, startEmulator, writeAwsConfig, type Emulator, type Scenario } from '../emulator';
import { scaleOutGroup } from '../emulator/services/ec2Run';

const REGION = 'us-west-2';
const ACCOUNT = '333333333333';
const KEY_ACCOUNT = '444444444444';
const ADMIN = 'platform-admin';
/** A profile of the key's account: only its principals may change the key policy. */
const KEY_ADMIN = 'security-admin';
const GROUP = 'eks-nodes-asg';
const KEY_ID = '5c466b7d-0044-4abc-8def-000000000044';
const KEY_ARN = `arn:aws:kms:${REGION}:${KEY_ACCOUNT}:key/${KEY_ID}`;
const SLR_ARN = `arn:aws:iam::${ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;

function value<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) assert.fail(`${outcome.error.kind}: ${outcome.error.message}`);
  return outcome.value;
}

/** The key's policy before the fix: only its own account. */
const KEY_POLICY = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'Enable IAM User Permissions',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${KEY_ACCOUNT}:root` },
      Action: 'kms:*',
      Resource: '*',
    },
  ],
};

/** The autoscaling scenario with the template's default version on the other account's key. */
function scenario(): Scenario {
  const base = loadScenario('autoscaling');
  const [key] = base.keys;
  const [group] = base.autoScalingGroups ?? [];
  const [admin] = base.principals;
  assert.ok(key && group && admin);
  const templates = (base.launchTemplates ?? []).map((t) => ({
    ...t,
    versions: t.versions.map((v) => ({
      ...v,
      blockDevices: (v.blockDevices ?? []).map((d) => (d.kmsKeyId ? { ...d, kmsKeyId: KEY_ARN } : d)),
    })),
  }));
  return {
    ...base,
    launchDelayMs: 0,
    accounts: [...base.accounts, { id: KEY_ACCOUNT, alias: 'acme-security' }],
    keys: [
      ...base.keys,
      {
        ...key,
        id: KEY_ID,
        account: KEY_ACCOUNT,
        aliases: ['alias/shared-ebs'],
        description: 'Shared EBS key',
        policy: KEY_POLICY,
      },
    ],
    principals: [
      ...base.principals,
      {
        ...admin,
        name: KEY_ADMIN,
        account: KEY_ACCOUNT,
        arn: `arn:aws:iam::${KEY_ACCOUNT}:user/sam`,
        accessKeyId: 'AKIASECURITYADMIN001',
      },
    ],
    launchTemplates: templates,
    autoScalingGroups: [{ ...group, activities: [] }],
  } as Scenario;
}

describe("an Auto Scaling group on another account's key, fixed with a grant (real SDK over HTTP)", function () {
  this.timeout(60_000);
  let home: string;
  let emulator: Emulator;
  let session: AwsSession;

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'eld-grants-'));
    const world = scenario();
    emulator = await startEmulator({ scenario: world, launchDelayMs: 0 });
    const files = writeAwsConfig(home, emulator, world);
    session = new AwsSession({ configFile: files.configFile, credentialsFile: files.credentialsFile });
  });

  after(async () => {
    session?.dispose();
    await emulator?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it("the diagnosis's grant for the service-linked role, created from the group's account, makes the next launch succeed", async () => {
    const [failed] = await scaleOutGroup(emulator.state, GROUP, ACCOUNT, REGION);
    assert.ok(failed && failed.state !== 'running', 'the launch fails before the grant');

    const ports = createDiagnosisPorts(session, ADMIN, REGION);
    const report = await diagnoseAutoScalingGroup({ groupName: GROUP, profile: ADMIN, region: REGION }, ports);
    assert.equal(report.verdict.keyArn, KEY_ARN, report.verdict.summary);
    const grant = report.fixes.find((f): f is GrantFix => f.target === 'grant');
    assert.ok(grant, JSON.stringify(report.fixes));
    assert.equal(grant.args.granteePrincipal, SLR_ARN);
    assert.equal(grant.args.keyArn, KEY_ARN);
    assert.equal(grant.account, ACCOUNT);
    const keyPolicy = report.fixes.filter((f): f is KeyPolicyFix => f.target === 'key-policy');
    assert.equal(keyPolicy.length, 2, JSON.stringify(report.fixes));

    // In the key's account first: the key policy opens the key to the group's account.
    const current = value(
      await session.send(
        'KMS',
        KEY_ADMIN,
        REGION,
        new GetKeyPolicyCommand({ KeyId: KEY_ARN, PolicyName: 'default' }),
        'kms:GetKeyPolicy',
      ),
    );
    const policy = JSON.parse(current.Policy ?? '{}') as { Statement: unknown[] };
    policy.Statement.push(...keyPolicy.map((f) => f.statement));
    value(
      await session.send(
        'KMS',
        KEY_ADMIN,
        REGION,
        new PutKeyPolicyCommand({ KeyId: KEY_ARN, PolicyName: 'default', Policy: JSON.stringify(policy) }),
        'kms:PutKeyPolicy',
      ),
    );
    const [between] = await scaleOutGroup(emulator.state, GROUP, ACCOUNT, REGION);
    assert.ok(between && between.state !== 'running', 'the key policy alone does not let the role launch');

    const created = value(
      await createGrant(session, grant.args.profile, grant.args.region, {
        keyArn: grant.args.keyArn,
        granteePrincipal: grant.args.granteePrincipal,
        operations: grant.args.operations,
        name: 'auto-scaling-shared-ebs',
      }),
    );
    assert.match(created.grantId, /^[0-9a-f]{64}$/);
    assert.equal(emulator.state.grants.of(KEY_ARN).length, 1);

    const [next] = await scaleOutGroup(emulator.state, GROUP, ACCOUNT, REGION);
    assert.equal(next?.state, 'running', `the next launch succeeds: ${next?.stateReason?.message ?? ''}`);
  });

  it('a grant for another principal does not let the role launch', async () => {
    // The first test's grant stays; a fresh world shows a grant only counts for its grantee.
    const other = await startEmulator({ scenario: scenario(), launchDelayMs: 0 });
    try {
      other.state.grants.add({
        grantId: 'g-other',
        keyArn: KEY_ARN,
        granteePrincipal: `arn:aws:iam::${ACCOUNT}:user/dana`,
        operations: ['CreateGrant', 'GenerateDataKeyWithoutPlaintext'],
        issuingAccount: ACCOUNT,
      });
      const [launched] = await scaleOutGroup(other.state, GROUP, ACCOUNT, REGION);
      assert.ok(launched && launched.state !== 'running', 'still fails without a grant for the role');
    } finally {
      await other.close();
    }
  });
});
