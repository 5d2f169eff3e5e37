import * as assert from 'node:assert/strict';
import { diagnoseInstance, type DiagnosisReport } from '../../../src/core/diagnosis';
import {
  denialKind,
  denyingPolicy,
  describeDenial,
  eventCaller,
  eventInstance,
  eventKeyRef,
  failedGrantEvents,
  isFailedGrant,
} from '../../../src/core/diagnosis/trail';
import { classifyStateReason } from '../../../src/core/stateReason';
import {
  ADMIN_ONLY_POLICY,
  DELEGATING_POLICY,
  OTHER_ACCOUNT,
  allowingPolicy,
  INSTANCE_ID,
  KEY_ARN,
  NOW,
  REGION,
  STOP_TIME,
  USER_ARN,
  baseWorld,
  deniedGrant,
  fakePorts,
  key,
  startEvent,
  type World,
} from './fakes';
import {
  F1_DENIED_GRANT,
  F2_OLD_DENIED_GRANT,
  F3_DENIED_DATA_KEY,
  F4_DRY_RUN_GRANT,
  F5_GRANT,
  F6_TERMINATED_AT_LAUNCH,
  F8_SERVER_CODE_CLIENT_MESSAGE,
} from './realRecords';

const DENIED = `User: ${USER_ARN} is not authorized to perform: kms:CreateGrant on resource: ${KEY_ARN}`;

async function diagnose(world: World): Promise<DiagnosisReport> {
  return diagnoseInstance(
    { instanceId: world.instance.id, profile: 'dev', region: world.instance.region },
    fakePorts(world),
    { now: () => NOW },
  );
}

function step(report: DiagnosisReport, id: string) {
  const found = report.steps.find((s) => s.id === id);
  assert.ok(found, `step ${id}`);
  return found;
}

/** The demo world where KMS denied the grant with `tail` after its message, and IAM allows. */
function deniedWith(tail: string, overrides: Partial<World> = {}): World {
  return baseWorld({
    keyPolicies: { [KEY_ARN]: DELEGATING_POLICY },
    iam: { [KEY_ARN]: 'allowed' },
    events: [deniedGrant({ errorMessage: `${DENIED} ${tail}` })],
    ...overrides,
  });
}

describe("KMS's denial wording, as AWS writes it", () => {
  const rows: [
    tail: string,
    kind: ReturnType<typeof denialKind>,
    policy: ReturnType<typeof denyingPolicy>,
    words: string,
  ][] = [
    [
      'because no resource-based policy allows the kms:CreateGrant action',
      'no-key-policy-allow',
      'key-policy',
      'no key policy statement allows it',
    ],
    [
      'with an explicit deny in a resource-based policy',
      'explicit-deny-key-policy',
      'key-policy',
      'an explicit Deny in the key policy',
    ],
    [
      'because no identity-based policy allows the kms:CreateGrant action',
      'no-identity-policy-allow',
      'identity-policy',
      'no IAM policy of the caller allows it',
    ],
    [
      'with an explicit deny in an identity-based policy',
      'explicit-deny-identity-policy',
      'identity-policy',
      "an explicit Deny in the caller's IAM policies",
    ],
    [
      'because no permissions boundary allows the kms:CreateGrant action',
      'no-permissions-boundary-allow',
      'permissions-boundary',
      "the caller's permissions boundary does not allow it",
    ],
    [
      'with an explicit deny in a permissions boundary',
      'explicit-deny-permissions-boundary',
      'permissions-boundary',
      "an explicit Deny in the caller's permissions boundary",
    ],
    [
      'because no session policy allows the kms:CreateGrant action',
      'no-session-policy-allow',
      'session-policy',
      'the session policy does not allow it',
    ],
    [
      'with an explicit deny in a sessions policy',
      'explicit-deny-session-policy',
      'session-policy',
      'an explicit Deny in the session policy',
    ],
    [
      'with an explicit deny in a session policy',
      'explicit-deny-session-policy',
      'session-policy',
      'an explicit Deny in the session policy',
    ],
    [
      'because no VPC endpoint policy allows the kms:CreateGrant action',
      'no-vpc-endpoint-policy-allow',
      'vpc-endpoint-policy',
      'no VPC endpoint policy allows it',
    ],
    [
      'with an explicit deny in a VPC endpoint policy',
      'explicit-deny-vpc-endpoint-policy',
      'vpc-endpoint-policy',
      'an explicit Deny in a VPC endpoint policy',
    ],
    [
      'with an explicit deny in a VPC endpoint policy transitively through a service control policy',
      'explicit-deny-vpc-endpoint-policy',
      'vpc-endpoint-policy',
      'an explicit Deny in a VPC endpoint policy',
    ],
    [
      'with an explicit deny in a service control policy',
      'explicit-deny-scp',
      'service-control-policy',
      'an explicit Deny in a service control policy (SCP)',
    ],
    [
      'because no service control policy allows the kms:CreateGrant action',
      'no-scp-allow',
      'service-control-policy',
      'no service control policy (SCP) allows it',
    ],
    [
      'with an explicit deny in a resource control policy',
      'explicit-deny-rcp',
      'resource-control-policy',
      'an explicit Deny in a resource control policy (RCP)',
    ],
    ['with an explicit deny', 'explicit-deny', undefined, 'an explicit Deny'],
    ['', 'not-authorized', undefined, 'not authorized (KMS gave no reason)'],
  ];
  for (const [tail, kind, policy, words] of rows) {
    it(`"…${tail || '(no tail)'}" -> ${kind}`, () => {
      assert.equal(denialKind(`${DENIED} ${tail}`.trim()), kind);
      assert.equal(denyingPolicy(kind), policy);
      assert.equal(describeDenial(kind), words);
    });
  }

  it('F2: an old message without a tail still names the caller and the key; the old grantee form names the instance', () => {
    assert.equal(denialKind(F2_OLD_DENIED_GRANT.errorMessage), 'not-authorized');
    assert.equal(eventCaller({ ...F2_OLD_DENIED_GRANT, userArn: undefined }), 'arn:aws:iam::123456789012:user/test');
    assert.equal(
      eventKeyRef({ ...F2_OLD_DENIED_GRANT, keyId: undefined }),
      'arn:aws:kms:eu-west-1:123456789012:key/e29ddfd4-1bf6-4e1b-8ecb-08216bd70d07',
    );
    assert.equal(eventInstance({ ...F2_OLD_DENIED_GRANT, instanceIds: undefined }, 'i-81e2f56c'), 'this');
  });

  it('F1 and F5: the STS form of the grantee names the instance', () => {
    assert.equal(eventInstance({ ...F1_DENIED_GRANT, instanceIds: undefined }, 'i-0c9d812c0cfa2790f'), 'this');
    assert.equal(
      eventInstance({ ...F5_GRANT, instanceIds: undefined }, 'i-0c9d812c0cfa2790'),
      'other',
      'a shorter id is not a prefix match',
    );
    assert.equal(isFailedGrant(F5_GRANT), false);
  });
});

describe('each denial leads to a fix where it blocks', () => {
  const outside: [tail: string, where: RegExp][] = [
    [
      'because no permissions boundary allows the kms:CreateGrant action',
      new RegExp(`^Allow kms:CreateGrant on ${KEY_ARN} in the permissions boundary of ${USER_ARN} `),
    ],
    [
      'because no session policy allows the kms:CreateGrant action',
      /^Start the instance from a session whose session policy .* allows kms:CreateGrant/,
    ],
    [
      'because no VPC endpoint policy allows the kms:CreateGrant action',
      /^Allow kms:CreateGrant on .* in the policy of the KMS VPC endpoint/,
    ],
    [
      'because no service control policy allows the kms:CreateGrant action',
      /^Ask the organization's administrator to allow kms:CreateGrant .* in the service control policies/,
    ],
  ];
  for (const [tail, where] of outside) {
    it(`"…${tail}": the fix goes there, never into the key policy or the IAM policies`, async () => {
      const report = await diagnose(deniedWith(tail));
      assert.equal(report.verdict.code, 'kms-create-grant-not-allowed');
      assert.match(report.verdict.nextStep, where);
      assert.match(report.verdict.nextStep, /will not help/);
      assert.deepEqual(report.fixes, [], 'no key policy or IAM statement that cannot help');
      assert.equal(report.verdict.confidence, 'medium', 'CloudTrail alone says so');
    });
  }

  it('a boundary denial on a key whose policy also denies asks for both, the key policy statement first', async () => {
    const report = await diagnose(
      deniedWith('because no permissions boundary allows the kms:CreateGrant action', {
        keyPolicies: { [KEY_ARN]: ADMIN_ONLY_POLICY },
      }),
    );
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed');
    assert.match(report.verdict.nextStep, /permissions boundary .* also add the statement to the key policy/);
    assert.deepEqual(
      report.fixes.map((f) => [f.target, f.role]),
      [['key-policy', 'required']],
    );
  });

  it('the IAM simulation naming the boundary decides the same way without CloudTrail', async () => {
    const report = await diagnose(
      baseWorld({
        keyPolicies: { [KEY_ARN]: DELEGATING_POLICY },
        events: [startEvent()],
        iamExtras: { allowedByPermissionsBoundary: false },
      }),
    );
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed');
    assert.match(report.verdict.nextStep, /in the permissions boundary of/);
    assert.deepEqual(report.fixes, []);
  });

  it('"…explicit deny in a sessions policy" (AWS\'s spelling) is a Deny to remove from the session policy', async () => {
    const report = await diagnose(deniedWith('with an explicit deny in a sessions policy'));
    assert.equal(report.verdict.code, 'kms-create-grant-explicit-deny');
    assert.match(report.verdict.summary, /^An explicit Deny in the session policy blocks kms:CreateGrant/);
    assert.match(
      report.verdict.nextStep,
      /^Remove or narrow the Deny in the session policy .* Adding an Allow will not help\.$/,
    );
    assert.deepEqual(report.fixes, []);
  });

  it('an SCP "explicit deny" may be a missing Allow: the next step says both', async () => {
    const report = await diagnose(deniedWith('with an explicit deny in a service control policy'));
    assert.equal(report.verdict.code, 'kms-create-grant-explicit-deny');
    assert.match(
      report.verdict.nextStep,
      /^Remove or narrow the Deny in a service control policy \(SCP\) .* if no SCP denies kms:CreateGrant, allow it in the SCPs that apply to the account instead\.$/,
    );
    assert.doesNotMatch(report.verdict.nextStep, /Adding an Allow will not help/);
    assert.deepEqual(report.fixes, []);
  });

  it('a VPC endpoint Deny, a resource control policy Deny: removed where they are', async () => {
    const endpoint = await diagnose(
      deniedWith('with an explicit deny in a VPC endpoint policy transitively through a service control policy'),
    );
    assert.match(endpoint.verdict.nextStep, /^Remove or narrow the Deny in a VPC endpoint policy /);
    const rcp = await diagnose(deniedWith('with an explicit deny in a resource control policy'));
    assert.match(rcp.verdict.nextStep, /^Remove or narrow the Deny in a resource control policy \(RCP\) /);
    assert.deepEqual([...endpoint.fixes, ...rcp.fixes], []);
  });

  it('F2: a tail-less denial with an unreadable key policy offers the key policy and, instead, the IAM policy', async () => {
    const report = await diagnose(baseWorld({ keyPolicies: {}, events: [deniedGrant({ errorMessage: DENIED })] }));
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed');
    assert.deepEqual(
      report.fixes.map((f) => [f.target, f.role]),
      [
        ['key-policy', 'required'],
        ['identity-policy', 'alternative'],
      ],
    );
    assert.match(step(report, 'principal').summary, /not authorized \(KMS gave no reason\)/);
  });
});

describe('CloudTrail records that are not denied grants', () => {
  it('F4: a DryRun CreateGrant is no failure, and does not stop the search for the real denial', async () => {
    assert.equal(isFailedGrant(F4_DRY_RUN_GRANT), false);
    const dryRun = {
      ...F4_DRY_RUN_GRANT,
      keyId: KEY_ARN,
      eventTime: '2024-05-01T10:30:00Z',
      granteePrincipal: `111122223333:aws:ec2-infrastructure:${INSTANCE_ID}`,
    };
    const fillers = Array.from({ length: 60 }, (_, i) => ({
      ...dryRun,
      eventId: `dry-${i}`,
      eventTime: new Date(Date.parse(dryRun.eventTime) + i * 1000).toISOString(),
    }));
    const report = await diagnose(baseWorld({ events: [startEvent(), deniedGrant(), ...fillers] }));
    assert.equal(report.principal?.source, 'cloudtrail-create-grant', 'the denial on the second page was read');
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed');
    assert.ok(!report.timeline.some((e) => e.label === 'CreateGrant failed'), 'DryRun records are not in the timeline');
    assert.deepEqual(failedGrantEvents([dryRun], INSTANCE_ID, [KEY_ARN]), []);
  });

  it('a record the mapper flags as DryRun is no failure whatever its error code; the key may come from its resources', () => {
    assert.equal(isFailedGrant(deniedGrant({ dryRun: true })), false);
    const fromResources = deniedGrant({
      keyId: undefined,
      errorMessage: undefined,
      resources: [{ type: 'AWS::KMS::Key', name: KEY_ARN }],
    });
    assert.equal(eventKeyRef(fromResources), KEY_ARN);
  });

  it('a CreateGrant another service logged (not kms.amazonaws.com) is not KMS refusing EC2', async () => {
    const other = deniedGrant({ eventSource: 'license-manager.amazonaws.com' });
    assert.equal(isFailedGrant(other), false);
    assert.equal(isFailedGrant(deniedGrant({ eventSource: 'kms.amazonaws.com' })), true);
    assert.equal(isFailedGrant(deniedGrant()), true, 'a mapper that leaves eventSource out is trusted');
    const report = await diagnose(baseWorld({ events: [startEvent(), other] }));
    assert.equal(report.principal?.source, 'cloudtrail-start-instances');
  });

  it('a grant quota (LimitExceededException) is its own verdict, with no permission fix', async () => {
    const quota = deniedGrant({ errorCode: 'LimitExceededException', errorMessage: 'Grants limit exceeded for key.' });
    const report = await diagnose(
      baseWorld({
        keyPolicies: { [KEY_ARN]: allowing() },
        iam: { [KEY_ARN]: 'allowed' },
        events: [startEvent(), quota],
      }),
    );
    assert.equal(report.verdict.code, 'kms-grant-limit-exceeded');
    assert.equal(report.verdict.title, 'The volume key has too many grants');
    assert.equal(report.verdict.confidence, 'high');
    assert.equal(
      report.verdict.summary,
      `KMS refused the grant EC2 needs on ${KEY_ARN} at ${STOP_TIME} with LimitExceededException (Grants limit exceeded for key.): the key holds as many grants as its quota allows. No permission change will help.`,
    );
    assert.match(
      report.verdict.nextStep,
      /^List the key's grants \(kms:ListGrants on .*\) and retire or revoke those no longer in use/,
    );
    assert.deepEqual(report.fixes, []);
    assert.match(
      step(report, 'principal').summary,
      /LimitExceededException .* the key's grant quota rather than a permission\.$/,
    );
    assert.ok(report.timeline.some((e) => e.label === 'CreateGrant failed'));
  });

  it('F3: a denied GenerateDataKeyWithoutPlaintext alone names nobody as having started the instance', async () => {
    const report = await diagnose(baseWorld({ events: [F3_DENIED_DATA_KEY] }));
    assert.equal(report.principal?.source, 'caller-identity');
  });
});

function allowing(): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: USER_ARN },
        Action: 'kms:CreateGrant',
        Resource: '*',
        Condition: { Bool: { 'kms:GrantIsForAWSResource': true } },
      },
    ],
  });
}

describe('when no record names who started the instance', () => {
  it('says so, names whom the fixes assume, and does not name the profile identity as the culprit', async () => {
    const report = await diagnose(baseWorld({ events: [] }));
    assert.equal(report.principal?.source, 'caller-identity');
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed');
    assert.ok(
      report.verdict.summary.startsWith(
        `Who started the instance is unknown: no CloudTrail record names them. The checks assume ${USER_ARN}, the identity of profile "dev". `,
      ),
      report.verdict.summary,
    );
    assert.equal(report.verdict.principalArn, undefined, 'no principal is named as the one missing the permission');
    assert.ok(report.fixes.length > 0);
    for (const fix of report.fixes) {
      assert.ok(
        fix.target !== 'key-state' &&
          fix.note?.startsWith(
            `This names ${USER_ARN}, the identity of profile "dev", because no CloudTrail record names who started the instance`,
          ),
        fix.note,
      );
    }
    const principal = step(report, 'principal');
    assert.match(
      principal.summary,
      new RegExp(`who started it is unknown\\. The checks assume ${USER_ARN}, the identity of profile "dev"\\.`),
    );
  });

  it('with CloudTrail unreadable, the principal step says who started it is unknown and whom the checks assume', async () => {
    const report = await diagnose(
      baseWorld({
        failures: {
          lookupEvents: {
            kind: 'access-denied',
            message: 'denied (test)',
            nextStep: 'fix it',
            action: 'cloudtrail:LookupEvents',
          },
        },
      }),
    );
    const principal = step(report, 'principal');
    assert.equal(principal.status, 'error');
    assert.equal(
      principal.summary,
      `CloudTrail could not be read, so who started the instance is unknown. The checks assume ${USER_ARN}, the identity of profile "dev".`,
    );
    assert.match(report.verdict.summary, /^Who started the instance is unknown/);
  });

  it('a denied grant naming the caller is evidence enough: no "unknown" wording', async () => {
    const report = await diagnose(baseWorld());
    assert.equal(report.verdict.principalArn, USER_ARN);
    assert.doesNotMatch(report.verdict.summary, /unknown/);
  });
});

describe('the instance state when EC2 gives no StateReason', () => {
  it('F8: Code Server.InternalError with a Client message is a KMS launch failure', () => {
    const { stateReason, state, stateTransitionReason } = F8_SERVER_CODE_CLIENT_MESSAGE;
    const classified = classifyStateReason(stateReason, state, stateTransitionReason);
    assert.equal(classified.kind, 'server-internal-error');
    assert.equal(classified.needsKmsChecks, true);
  });

  it('F8 without its StateReason: the bare code of StateTransitionReason is read instead', () => {
    const classified = classifyStateReason(undefined, 'stopped', F8_SERVER_CODE_CLIENT_MESSAGE.stateTransitionReason);
    assert.equal(classified.kind, 'server-internal-error');
    assert.equal(classified.needsKmsChecks, true);
    assert.match(classified.summary, /read from the state transition reason "Server\.InternalError"/);
  });

  it('F6 without its StateReason: Client.InvalidKMSKey.InvalidState in the transition reason runs the KMS checks', () => {
    const classified = classifyStateReason(
      undefined,
      F6_TERMINATED_AT_LAUNCH.state,
      F6_TERMINATED_AT_LAUNCH.stateTransitionReason,
    );
    assert.equal(classified.kind, 'kms-key-invalid-state');
    assert.equal(classified.isLaunchFailure, true);
  });

  it('"User initiated (…)" is a stop on request; an empty or unknown transition reason is still no reason', () => {
    assert.equal(
      classifyStateReason(undefined, 'stopped', 'User initiated (2024-05-01 10:00:00 GMT)').kind,
      'user-initiated-stop',
    );
    assert.equal(classifyStateReason(undefined, 'stopped', '').kind, 'no-reason');
    assert.equal(classifyStateReason(undefined, 'stopped', 'Something else').kind, 'no-reason');
    assert.equal(
      classifyStateReason({ code: 'Client.UserInitiatedShutdown', message: '' }, 'stopped', 'Server.InternalError')
        .kind,
      'user-initiated-stop',
      'a StateReason wins',
    );
  });

  it('the engine reads the transition reason: a stop with only "Server.InternalError" gets the KMS checks', async () => {
    const base = baseWorld();
    const report = await diagnoseInstance(
      { instanceId: INSTANCE_ID, profile: 'dev', region: REGION },
      fakePorts(
        baseWorld({
          instance: { ...base.instance, stateReason: undefined, stateTransitionReason: 'Server.InternalError' },
          keys: [key()],
        }),
      ),
      { now: () => NOW },
    );
    assert.equal(report.instance?.stateReasonKind, 'server-internal-error');
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed');
  });
});

describe('an instance terminated at launch (F6): no volumes listed', () => {
  const KEY = 'arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const denial = deniedGrant({
    eventTime: '2024-05-01T10:00:02Z',
    keyId: KEY,
    errorMessage: `User: ${USER_ARN} is not authorized to perform: kms:CreateGrant on resource: ${KEY} because no resource-based policy allows the kms:CreateGrant action`,
    granteePrincipal: `arn:aws:sts::111122223333:assumed-role/aws:ec2-infrastructure/${F6_TERMINATED_AT_LAUNCH.id}`,
  });
  const terminated = (events: World['events']): World =>
    baseWorld({
      // The fixture as if it had just happened: the clock of these tests is NOW.
      instance: { ...F6_TERMINATED_AT_LAUNCH, launchTime: '2024-05-01T10:00:00.000Z' },
      volumes: [],
      keys: [key({ arn: KEY, keyId: '1234abcd-12ab-34cd-56ef-1234567890ab' })],
      keyPolicies: { [KEY]: ADMIN_ONLY_POLICY.replace(/eu-west-1/g, 'us-west-2') },
      events,
    });

  it('takes the key from the denied grant naming the instance, in the same three rounds', async () => {
    const report = await diagnose(terminated([denial]));
    assert.equal(report.instance?.stateReasonKind, 'kms-key-invalid-state');
    assert.equal(step(report, 'volumes').status, 'skip');
    assert.match(step(report, 'volumes').summary, /lists no EBS volumes .*the keys come from CloudTrail/);
    assert.equal(step(report, 'kms-keys').evidence[0].label, `${KEY} (named by CloudTrail)`);
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed');
    assert.equal(report.verdict.keyArn, KEY);
    assert.equal(report.verdict.confidence, 'medium', 'the key comes from CloudTrail alone');
    assert.equal(report.fixes[0]?.target, 'key-policy');
    assert.equal(report.calls.rounds, 3);
  });

  it('without such a grant, does not claim "no volume is encrypted": it points at the launch template', async () => {
    const report = await diagnose(terminated([]));
    assert.equal(report.verdict.code, 'unknown');
    assert.equal(report.verdict.confidence, 'low');
    assert.doesNotMatch(report.verdict.summary, /No volume is encrypted/);
    assert.match(report.verdict.summary, /^The instance lists no volumes/);
    assert.match(report.verdict.nextStep, /launch template or AMI/);
    assert.equal(
      step(report, 'kms-keys').summary,
      'No key to check: the instance lists no volumes and CloudTrail named no key for it.',
    );
  });
});

describe('a cross-account simulation (src/aws-records.md M5)', () => {
  const crossArn = `arn:aws:kms:${REGION}:${OTHER_ACCOUNT}:key/99999999-aaaa-bbbb-cccc-dddddddddddd`;
  /** A key of another account whose policy names the caller; IAM answers `decision` overall, with these sides. */
  const crossWorld = (sides: { source: string; decision: 'allowed' | 'implicitDeny' }[]): World =>
    baseWorld({
      volumes: [{ id: 'vol-1', encrypted: true, kmsKeyId: crossArn }],
      keys: [key({ arn: crossArn, keyId: crossArn.split('/')[1], accountId: OTHER_ACCOUNT })],
      keyPolicies: { [crossArn]: allowingPolicy(USER_ARN) },
      events: [startEvent()],
      iamExtras: { decisionDetails: sides },
    });

  it("reads the IAM side of the decision: the caller's policies allow, the key policy allows, so no fix is asked", async () => {
    const report = await diagnose(
      crossWorld([
        { source: 'IAM Policy', decision: 'allowed' },
        { source: 'Resource Policy', decision: 'implicitDeny' },
      ]),
    );
    const iam = step(report, 'iam-policy');
    assert.equal(iam.status, 'pass');
    assert.ok(
      iam.evidence.some(
        (e) =>
          e.label === crossArn &&
          e.value.includes("its IAM policies: allowed (the key's account decides through the key policy)"),
      ),
    );
    assert.deepEqual(report.fixes, []);
    assert.notEqual(report.verdict.code, 'kms-create-grant-not-allowed');
  });

  it('when the IAM side does not allow either, the IAM policy is the fix', async () => {
    const report = await diagnose(
      crossWorld([
        { source: 'IAM Policy', decision: 'implicitDeny' },
        { source: 'Resource Policy', decision: 'implicitDeny' },
      ]),
    );
    assert.equal(step(report, 'iam-policy').status, 'fail');
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed');
    assert.deepEqual(
      report.fixes.map((f) => [f.target, f.role]),
      [['identity-policy', 'required']],
    );
  });
});
