import * as assert from 'node:assert/strict';
import {
  diagnoseInstance,
  type DiagnosisReport,
  type IdentityPolicyFix,
  type KeyPolicyFix,
  type KeyStateFix,
} from '../../../src/core/diagnosis';
import { identityPolicyGrantStatement, keyPolicyGrantStatement } from '../../../src/core/policy';
import {
  ACCOUNT,
  DELEGATING_POLICY,
  DENYING_POLICY,
  INSTANCE_ID,
  KEY_ARN,
  NOW,
  OTHER_ACCOUNT,
  REGION,
  USER_ARN,
  allowingPolicy,
  baseWorld,
  deniedGrant,
  diagnose,
  fakePorts,
  key,
  startEvent,
  type World,
} from './fakes';

function step(report: DiagnosisReport, id: string) {
  const found = report.steps.find((s) => s.id === id);
  assert.ok(found, `step ${id} missing`);
  return found;
}

describe('diagnoseInstance verdicts', () => {
  it('kms-create-grant-not-allowed: the key policy names nobody for CreateGrant; fix goes into the key policy', async () => {
    const report = await diagnose(baseWorld());
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed');
    assert.equal(report.verdict.confidence, 'high');
    assert.equal(report.verdict.keyArn, KEY_ARN);
    assert.equal(report.verdict.principalArn, USER_ARN);
    assert.deepEqual(report.verdict.caveats, []);
    const fix = report.fixes[0] as KeyPolicyFix;
    assert.equal(fix.target, 'key-policy');
    assert.equal(fix.keyArn, KEY_ARN);
    assert.equal(fix.role, 'required');
    assert.deepEqual(fix.statement, keyPolicyGrantStatement([USER_ARN]));
    assert.deepEqual(
      report.steps.map((s) => [s.id, s.status]),
      [
        ['instance-state', 'fail'],
        ['volumes', 'pass'],
        ['kms-keys', 'pass'],
        ['principal', 'fail'],
        ['key-policy', 'fail'],
        ['iam-policy', 'pass'],
      ],
    );
    assert.equal(report.principal?.source, 'cloudtrail-create-grant');
  });

  it('kms-create-grant-not-allowed: key policy delegates to IAM and IAM does not allow; fix goes into the IAM policy', async () => {
    const report = await diagnose(baseWorld({ keyPolicies: { [KEY_ARN]: DELEGATING_POLICY }, events: [startEvent()] }));
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed');
    assert.equal(report.verdict.confidence, 'high');
    const [first, second] = report.fixes as [IdentityPolicyFix, KeyPolicyFix];
    assert.equal(first.target, 'identity-policy');
    assert.equal(first.role, 'required');
    assert.equal(first.principalArn, USER_ARN);
    assert.deepEqual(first.statement, identityPolicyGrantStatement([KEY_ARN]));
    assert.equal(second.target, 'key-policy');
    assert.equal(second.role, 'alternative');
    assert.equal(step(report, 'iam-policy').status, 'fail');
    assert.equal(step(report, 'key-policy').status, 'pass');
    assert.equal(report.principal?.source, 'cloudtrail-start-instances');
  });

  it('an assumed-role session is tested as its role; the unknown role path is stated in the evidence and the fix', async () => {
    const session = `arn:aws:sts::${ACCOUNT}:assumed-role/Deployer/alice`;
    const report = await diagnose(baseWorld({ events: [deniedGrant({ userArn: session, errorMessage: undefined })] }));
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed');
    assert.equal(report.principal?.policyArn, `arn:aws:iam::${ACCOUNT}:role/Deployer`);
    assert.equal(report.principal?.policyArnCertain, false);
    const fix = report.fixes[0] as KeyPolicyFix;
    assert.equal(fix.principalArn, `arn:aws:iam::${ACCOUNT}:role/Deployer`);
    assert.match(fix.note ?? '', /path/);
    assert.ok(
      step(report, 'principal').evidence.some((e) => e.label === 'Role path' && /omits the role's path/.test(e.value)),
    );
  });

  it("uses CloudTrail's session issuer for the role's full ARN when it is given", async () => {
    const session = `arn:aws:sts::${ACCOUNT}:assumed-role/Deployer/alice`;
    const roleArn = `arn:aws:iam::${ACCOUNT}:role/teams/Deployer`;
    const report = await diagnose(
      baseWorld({ events: [deniedGrant({ userArn: session, sessionIssuerArn: roleArn })] }),
    );
    assert.equal(report.principal?.policyArn, roleArn);
    assert.equal(report.principal?.policyArnCertain, true);
    assert.equal((report.fixes[0] as KeyPolicyFix).principalArn, roleArn);
    assert.equal(report.fixes[0].note, undefined);
  });

  it('cross-account key: both the key policy and the IAM policy must allow; both fixes are required', async () => {
    const crossArn = `arn:aws:kms:${REGION}:${OTHER_ACCOUNT}:key/${'9'.repeat(8)}-aaaa-bbbb-cccc-${'d'.repeat(12)}`;
    const world = baseWorld({
      volumes: [{ id: 'vol-1', encrypted: true, kmsKeyId: crossArn }],
      keys: [key({ arn: crossArn, keyId: crossArn.split('/')[1], accountId: OTHER_ACCOUNT })],
      keyPolicies: { [crossArn]: JSON.stringify({ Version: '2012-10-17', Statement: [] }) },
      events: [startEvent()],
    });
    const report = await diagnose(world);
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed');
    assert.deepEqual(
      report.fixes.map((f) => [f.target, f.role]),
      [
        ['key-policy', 'required'],
        ['identity-policy', 'required'],
      ],
    );
  });

  it('kms-create-grant-explicit-deny from a Deny statement in the key policy, corroborated by CloudTrail', async () => {
    const message = `User: ${USER_ARN} is not authorized to perform: kms:CreateGrant on resource: ${KEY_ARN} with an explicit deny in a resource-based policy`;
    const report = await diagnose(
      baseWorld({ keyPolicies: { [KEY_ARN]: DENYING_POLICY }, events: [deniedGrant({ errorMessage: message })] }),
    );
    assert.equal(report.verdict.code, 'kms-create-grant-explicit-deny');
    assert.equal(report.verdict.confidence, 'high');
    assert.match(report.verdict.summary, /NoGrantsForDev/);
    assert.deepEqual(report.fixes, [], 'no statement to add can undo a Deny');
  });

  it('kms-create-grant-explicit-deny from the IAM simulation names the denying policy', async () => {
    const report = await diagnose(
      baseWorld({
        keyPolicies: { [KEY_ARN]: DELEGATING_POLICY },
        iam: { [KEY_ARN]: 'explicitDeny' },
        events: [startEvent()],
      }),
    );
    assert.equal(report.verdict.code, 'kms-create-grant-explicit-deny');
    assert.equal(report.verdict.confidence, 'medium');
    assert.match(report.verdict.summary, /DenyKmsGrants/);
    assert.equal(step(report, 'iam-policy').status, 'fail');
  });

  it('an SCP reported by the simulation is named as the source of the Deny', async () => {
    const report = await diagnose(
      baseWorld({
        keyPolicies: { [KEY_ARN]: DELEGATING_POLICY },
        iam: { [KEY_ARN]: 'explicitDeny' },
        iamExtras: { allowedByOrganizations: false },
        events: [startEvent()],
      }),
    );
    assert.equal(report.verdict.code, 'kms-create-grant-explicit-deny');
    assert.match(report.verdict.summary, /service control policy/);
  });

  const states: [string, string, KeyStateFix['action']][] = [
    ['Disabled', 'kms-key-disabled', 'enable-key'],
    ['PendingDeletion', 'kms-key-pending-deletion', 'cancel-key-deletion'],
    ['PendingImport', 'kms-key-pending-import', 'import-key-material'],
    ['Unavailable', 'kms-key-unavailable', 'connect-custom-key-store'],
    ['Updating', 'kms-key-unavailable', 'wait'],
  ];
  for (const [state, code, action] of states) {
    it(`${code}: a ${state} key names the state and the remedy, and skips the permission checks for it`, async () => {
      const ports = fakePorts(
        baseWorld({
          keys: [key({ state, deletionDate: state === 'PendingDeletion' ? '2024-05-08T00:00:00Z' : undefined })],
        }),
      );
      const report = await diagnoseInstance({ instanceId: INSTANCE_ID, profile: 'dev', region: REGION }, ports, {
        now: () => NOW,
      });
      assert.equal(report.verdict.code, code);
      assert.equal(report.verdict.confidence, 'high');
      assert.match(report.verdict.summary, new RegExp(state));
      const fix = report.fixes[0] as KeyStateFix;
      assert.equal(fix.target, 'key-state');
      assert.equal(fix.action, action);
      assert.equal(step(report, 'kms-keys').status, 'fail');
      assert.ok(step(report, 'kms-keys').nextStep);
      const policyStep = step(report, 'key-policy');
      assert.equal(policyStep.status, 'skip');
      assert.match(policyStep.evidence[0].value, new RegExp(`skipped: the key is ${state}`));
      assert.equal(step(report, 'iam-policy').status, 'skip');
    });
  }

  it('a CreateGrant refused for the key state names who started it, without counting as a permission denial', async () => {
    const disabled = deniedGrant({
      userArn: `arn:aws:sts::${ACCOUNT}:assumed-role/Operator/jane`,
      errorCode: 'DisabledException',
      errorMessage: `${KEY_ARN} is disabled.`,
    });
    const report = await diagnose(baseWorld({ keys: [key({ state: 'Disabled' })], events: [disabled] }));
    assert.equal(report.verdict.code, 'kms-key-disabled');
    assert.equal(report.principal?.source, 'cloudtrail-create-grant');
    assert.equal(report.principal?.arn, `arn:aws:sts::${ACCOUNT}:assumed-role/Operator/jane`);
    assert.equal(step(report, 'principal').status, 'pass');
    assert.ok(
      report.timeline.some((t) => t.label === 'CreateGrant failed' && /DisabledException/.test(t.detail ?? '')),
    );
  });

  it('finds CloudTrail events after an old launch time when EC2 gives no stop time', async () => {
    const base = baseWorld();
    const world = baseWorld({
      instance: { ...base.instance, stateTransitionReason: '', launchTime: '2024-01-10T08:00:00.000Z' },
      events: [startEvent({ eventTime: '2024-05-01T09:00:00Z' }), deniedGrant({ eventTime: '2024-05-01T09:00:01Z' })],
    });
    const report = await diagnose(world);
    assert.equal(report.principal?.source, 'cloudtrail-create-grant');
    assert.equal(report.verdict.confidence, 'high');
  });

  it('kms-key-pending-deletion mentions the deletion date and cancelling the deletion', async () => {
    const report = await diagnose(
      baseWorld({ keys: [key({ state: 'PendingDeletion', deletionDate: '2024-05-08T00:00:00Z' })] }),
    );
    assert.match(report.verdict.nextStep, /CancelKeyDeletion/);
    assert.match(report.verdict.summary, /2024-05-08/);
  });

  it('kms-key-not-found: the volume names a key KMS does not know', async () => {
    const report = await diagnose(baseWorld({ keys: [] }));
    assert.equal(report.verdict.code, 'kms-key-not-found');
    assert.equal(report.verdict.confidence, 'high');
    assert.equal(report.verdict.keyArn, KEY_ARN);
    assert.equal(step(report, 'kms-keys').status, 'fail');
  });

  it('a missing key outranks a permission problem on another key', async () => {
    const goneArn = KEY_ARN.replace(/key\/.*/, 'key/00000000-0000-0000-0000-000000000000');
    const world = baseWorld({
      instance: {
        ...baseWorld().instance,
        blockDevices: [
          { deviceName: '/dev/xvda', volumeId: 'vol-1' },
          { deviceName: '/dev/xvdb', volumeId: 'vol-2' },
        ],
      },
      volumes: [
        { id: 'vol-1', encrypted: true, kmsKeyId: KEY_ARN },
        { id: 'vol-2', encrypted: true, kmsKeyId: goneArn },
      ],
    });
    const report = await diagnose(world);
    assert.equal(report.verdict.code, 'kms-key-not-found');
    assert.equal(report.verdict.keyArn, goneArn);
    assert.ok(
      report.fixes.some((f) => f.target === 'key-policy'),
      'the grant fix for the other key is still offered',
    );
  });

  const reasonVerdicts: [string, { code: string; message: string }, string, string][] = [
    [
      'volume-limit-exceeded',
      { code: 'Server.InternalError', message: 'Client.VolumeLimitExceeded: Volume limit exceeded' },
      'stopped',
      'quota',
    ],
    [
      'snapshot-not-found',
      { code: 'Client.InvalidSnapshot.NotFound', message: 'Client.InvalidSnapshot.NotFound: snap-1 does not exist' },
      'stopped',
      'snapshot',
    ],
    [
      'insufficient-capacity',
      {
        code: 'Server.InsufficientInstanceCapacity',
        message: 'Server.InsufficientInstanceCapacity: Insufficient capacity.',
      },
      'stopped',
      'capacity',
    ],
    [
      'user-initiated-stop',
      { code: 'Client.UserInitiatedShutdown', message: 'Client.UserInitiatedShutdown: User initiated shutdown' },
      'stopped',
      'not a launch failure',
    ],
    [
      'instance-initiated-shutdown',
      {
        code: 'Client.InstanceInitiatedShutdown',
        message: 'Client.InstanceInitiatedShutdown: Instance initiated shutdown',
      },
      'stopped',
      'operating system',
    ],
    [
      'scheduled-stop',
      { code: 'Server.ScheduledStop', message: 'Server.ScheduledStop: Stopped due to scheduled retirement' },
      'stopped',
      'retirement',
    ],
    [
      'spot-interruption',
      { code: 'Server.SpotInstanceTermination', message: 'Server.SpotInstanceTermination: Spot instance termination' },
      'terminated',
      'Spot',
    ],
    ['not-stopped', { code: '', message: '' }, 'running', 'running'],
  ];
  for (const [code, reason, state, words] of reasonVerdicts) {
    it(`${code}: decided from the state reason alone, with no call beyond DescribeInstances`, async () => {
      const world = baseWorld({
        instance: {
          ...baseWorld().instance,
          state: state as World['instance']['state'],
          stateReason: reason.code ? reason : undefined,
        },
      });
      const ports = fakePorts(world);
      const report = await diagnoseInstance({ instanceId: INSTANCE_ID, profile: 'dev', region: REGION }, ports, {
        now: () => NOW,
      });
      assert.equal(report.verdict.code, code);
      assert.equal(report.verdict.confidence, 'high');
      assert.match(report.verdict.summary + report.verdict.nextStep, new RegExp(words, 'i'));
      assert.deepEqual(ports.log, [`describeInstance ${INSTANCE_ID}`]);
      assert.equal(report.calls.count, 1);
      assert.equal(report.steps.length, 6);
      assert.ok(report.steps.slice(1).every((s) => s.status === 'skip'));
      assert.deepEqual(report.fixes, []);
    });
  }

  it('an unrecognised state reason still gets the KMS checks, which can find the cause', async () => {
    const report = await diagnose(
      baseWorld({
        instance: {
          ...baseWorld().instance,
          stateReason: { code: 'Client.NewThing', message: 'Client.NewThing: new' },
        },
      }),
    );
    assert.equal(step(report, 'instance-state').status, 'pass');
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed');
  });

  it('unknown: no encrypted volume means KMS did not stop it', async () => {
    const report = await diagnose(baseWorld({ volumes: [{ id: 'vol-1', encrypted: false }], events: [] }));
    assert.equal(report.verdict.code, 'unknown');
    assert.match(report.verdict.summary, /No volume is encrypted/);
    assert.equal(step(report, 'kms-keys').status, 'skip');
  });

  it('unknown (low): every check passes and CloudTrail shows no denial', async () => {
    const report = await diagnose(
      baseWorld({ keyPolicies: { [KEY_ARN]: allowingPolicy(USER_ARN) }, events: [startEvent()] }),
    );
    assert.equal(report.verdict.code, 'unknown');
    assert.equal(report.verdict.confidence, 'low');
    assert.equal(step(report, 'key-policy').status, 'pass');
    assert.deepEqual(report.fixes, []);
  });

  it('policies allow it but CloudTrail shows a denial: not allowed, pointing at SCPs and conditions, with no statement to add', async () => {
    const report = await diagnose(
      baseWorld({
        keyPolicies: { [KEY_ARN]: allowingPolicy(USER_ARN) },
        events: [deniedGrant({ errorMessage: 'not authorized' })],
      }),
    );
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed');
    assert.equal(report.verdict.confidence, 'medium');
    assert.match(report.verdict.nextStep, /service control policies/);
    assert.deepEqual(report.fixes, []);
  });

  it('AWS managed key: skips the key policy and only an explicit Deny can block it', async () => {
    const world = baseWorld({ keys: [key({ manager: 'AWS', aliases: ['alias/aws/ebs'] })], events: [startEvent()] });
    const ports = fakePorts(world);
    const report = await diagnoseInstance({ instanceId: INSTANCE_ID, profile: 'dev', region: REGION }, ports, {
      now: () => NOW,
    });
    assert.equal(step(report, 'key-policy').status, 'skip');
    assert.match(step(report, 'key-policy').evidence[0].value, /AWS managed key/);
    assert.equal(report.verdict.code, 'unknown', 'an implicit IAM deny does not block an AWS managed key');
    const denied = await diagnose({ ...world, events: [deniedGrant({ errorMessage: 'not authorized' })] });
    assert.equal(denied.verdict.code, 'kms-create-grant-explicit-deny');
    assert.match(denied.verdict.summary, /service control policy/);
  });

  it('sends the grant context to the IAM simulation', async () => {
    const ports = fakePorts(baseWorld({ keyPolicies: { [KEY_ARN]: DELEGATING_POLICY } }));
    await diagnoseInstance({ instanceId: INSTANCE_ID, profile: 'dev', region: REGION }, ports, { now: () => NOW });
    assert.equal(ports.simulateInputs.length, 1);
    const input = ports.simulateInputs[0];
    assert.deepEqual(input.actionNames, ['kms:CreateGrant']);
    assert.deepEqual(input.resourceArns, [KEY_ARN]);
    assert.deepEqual(input.context, [
      { key: 'kms:GrantIsForAWSResource', type: 'boolean', values: ['true'] },
      { key: 'kms:ViaService', type: 'string', values: [`ec2.${REGION}.amazonaws.com`] },
    ]);
  });
});
