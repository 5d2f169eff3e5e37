/**
 * A group whose launch template uses a key of another account: the key's owner has opened the
 * key to the group's account, but the service-linked role still needs a grant (EC2 Auto Scaling
 * User Guide, "Required AWS KMS key policy for use with encrypted volumes", cross-account).
 * The diagnosis's grant fix, created from the group's account through the AWS layer's
 * createGrant, makes the next scale-out launch; the emulator counts the grant as KMS does.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AwsSession, createDiagnosisPorts, createGrant } from '../../src/aws';
import { diagnoseAutoScalingGroup, type GrantFix } from '../../src/core/diagnosis';
import type { Outcome } from '../../src/core/model';
import { loadScenario, startEmulator, writeAwsConfig, type Emulator, type Scenario } from '../emulator';
import { scaleOutGroup } from '../emulator/services/ec2Run';

const REGION = 'us-west-2';
const ACCOUNT = '333333333333';
const KEY_ACCOUNT = '444444444444';
const ADMIN = 'platform-admin';
const GROUP = 'eks-nodes-asg';
const KEY_ID = '5c466b7d-0044-4abc-8def-000000000044';
const KEY_ARN = `arn:aws:kms:${REGION}:${KEY_ACCOUNT}:key/${KEY_ID}`;
const SLR_ARN = `arn:aws:iam::${ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;

function value<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) assert.fail(`${outcome.error.kind}: ${outcome.error.message}`);
  return outcome.value;
}

/**
 * The key policy in the key's account as the Auto Scaling guide writes it for another account:
 * its root may use the key and create grants on it, with no condition on who the grant is for.
 */
function keyPolicy(): unknown {
  const external = `arn:aws:iam::${ACCOUNT}:root`;
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${KEY_ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' },
      {
        Sid: `Allow external account ${ACCOUNT} use of the customer managed key`,
        Effect: 'Allow',
        Principal: { AWS: external },
        Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
        Resource: '*',
      },
      { Sid: `Allow attachment of persistent resources in external account ${ACCOUNT}`, Effect: 'Allow', Principal: { AWS: external }, Action: 'kms:CreateGrant', Resource: '*' },
    ],
  };
}

/** The autoscaling scenario with the template's default version on the other account's key. */
function scenario(): Scenario {
  const base = loadScenario('autoscaling');
  const [key] = base.keys;
  const [group] = base.autoScalingGroups ?? [];
  assert.ok(key && group);
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
    keys: [...base.keys, { ...key, id: KEY_ID, account: KEY_ACCOUNT, aliases: ['alias/shared-ebs'], description: 'Shared EBS key', policy: keyPolicy() }],
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
      other.state.grants.add({ grantId: 'g-other', keyArn: KEY_ARN, granteePrincipal: `arn:aws:iam::${ACCOUNT}:user/dana`, operations: ['CreateGrant', 'GenerateDataKeyWithoutPlaintext'], issuingAccount: ACCOUNT });
      const [launched] = await scaleOutGroup(other.state, GROUP, ACCOUNT, REGION);
      assert.ok(launched && launched.state !== 'running', 'still fails without a grant for the role');
    } finally {
      await other.close();
    }
  });
});
