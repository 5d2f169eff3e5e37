/**
 * A group whose launch template uses a key of another account (EC2 Auto Scaling User Guide,
 * "Required AWS KMS key policy for use with encrypted volumes", cross-account): the key's owner
 * opens the key to the group's account, and the service-linked role needs a grant created from
 * the group's account. The diagnosis's fixes, applied in that order (the key policy through a
 * profile of the key's account, the grant through the AWS layer's createGrant from the group's
 * account), make the next scale-out launch; the emulator counts the grant as KMS does.
 */
import * as assert from 'node:assert/strict';
import { createDiagnosisPorts, createGrant } from '../../src/aws';
import { diagnoseAutoScalingGroup, type GrantFix, type KeyPolicyFix } from '../../src/core/diagnosis';
import { loadScenario, startEmulator, type Scenario } from '../emulator';
import { scaleOutGroup } from '../emulator/services/ec2Run';
import {
  ACCOUNT,
  ADMIN,
  GROUP,
  REGION,
  SLR_ARN,
  applyKeyPolicyFixes,
  ownAccountKeyPolicy,
  useLaunchWorld,
  value,
} from './support/launchWorld';

const KEY_ACCOUNT = '444444444444';
/** A profile of the key's account: only its principals may change the key policy. */
const KEY_ADMIN = 'security-admin';
const KEY_ID = '5c466b7d-0044-4abc-8def-000000000044';
const KEY_ARN = `arn:aws:kms:${REGION}:${KEY_ACCOUNT}:key/${KEY_ID}`;

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
    accounts: [...base.accounts, { id: KEY_ACCOUNT, alias: 'acme-security' }],
    keys: [
      ...base.keys,
      {
        ...key,
        id: KEY_ID,
        account: KEY_ACCOUNT,
        aliases: ['alias/shared-ebs'],
        description: 'Shared EBS key',
        // Before the fix the key is open to its own account only.
        policy: ownAccountKeyPolicy(KEY_ACCOUNT),
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
  const world = useLaunchWorld('grants', scenario);

  it("the diagnosis's grant for the service-linked role, created from the group's account, makes the next launch succeed", async () => {
    const [failed] = await scaleOutGroup(world.emulator.state, GROUP, ACCOUNT, REGION);
    assert.ok(failed && failed.state !== 'running', 'the launch fails before the grant');

    const ports = createDiagnosisPorts(world.session, ADMIN, REGION);
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
    await applyKeyPolicyFixes(world.session, KEY_ADMIN, KEY_ARN, keyPolicy);
    const [between] = await scaleOutGroup(world.emulator.state, GROUP, ACCOUNT, REGION);
    assert.ok(between && between.state !== 'running', 'the key policy alone does not let the role launch');

    const created = value(
      await createGrant(world.session, grant.args.profile, grant.args.region, {
        keyArn: grant.args.keyArn,
        granteePrincipal: grant.args.granteePrincipal,
        operations: grant.args.operations,
        name: 'auto-scaling-shared-ebs',
      }),
    );
    assert.match(created.grantId, /^[0-9a-f]{64}$/);
    assert.equal(world.emulator.state.grants.of(KEY_ARN).length, 1);

    const [next] = await scaleOutGroup(world.emulator.state, GROUP, ACCOUNT, REGION);
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
