/**
 * Every operation the emulator serves, answered on the wire and checked against the AWS
 * service models shipped in the SDK clients (test/emulator/modelCheck.ts): unknown elements,
 * wrong list wrapping or wrong scalar types fail here even where the SDK would quietly skip them.
 */
import * as assert from 'node:assert/strict';
import * as autoscaling from '@aws-sdk/client-auto-scaling';
import * as cloudtrail from '@aws-sdk/client-cloudtrail';
import * as ec2 from '@aws-sdk/client-ec2';
import * as iam from '@aws-sdk/client-iam';
import * as kms from '@aws-sdk/client-kms';
import * as sts from '@aws-sdk/client-sts';
import { SignatureV4 } from '@smithy/signature-v4';
import { loadScenario, startEmulator, type Emulator, type Scenario } from '../emulator';
import { Sha256 } from '../emulator/authz/sigv4';
import type { ServiceName } from '../emulator/errors';
import { checkAnswer, checkError, type OperationSchema } from '../emulator/modelCheck';

const REGION = 'eu-west-1';
/** The Systems Manager parameter a launch template version of the autoscaling scenario names as its AMI. */
const SSM_PARAMETER = '/golden/eks-node';
const DEV = '111111111111';
const APP_KEY = `arn:aws:kms:${REGION}:${DEV}:key/1a2b3c4d-0001-4abc-8def-000000000001`;
type QueryService = 'ec2' | 'sts' | 'iam' | 'autoscaling';
const VERSIONS: Record<QueryService, string> = {
  ec2: '2016-11-15',
  sts: '2011-06-15',
  iam: '2010-05-08',
  autoscaling: '2011-01-01',
};
const TARGETS: Record<'kms' | 'cloudtrail', string> = {
  kms: 'TrentService',
  cloudtrail: 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101',
};

/** The operation schemas the clients export, e.g. `DescribeKey$`. */
const MODELS: Record<ServiceName, Record<string, unknown>> = { ec2, kms, sts, iam, cloudtrail, autoscaling };

interface Call {
  service: ServiceName;
  action: string;
  /** Query parameters (EC2, STS, IAM) or the JSON body (KMS, CloudTrail). */
  params: Record<string, unknown>;
  principal?: string;
  region?: string;
  /** The scenario that serves it: the demo unless named. */
  scenario?: 'autoscaling' | 'launch-configuration' | 'warm-pool';
}

async function send(emulator: Emulator, call: Call): Promise<{ status: number; body: string }> {
  const p = emulator.scenario.principals.find((x) => x.name === (call.principal ?? 'dev-admin'));
  assert.ok(p);
  const region = call.service === 'iam' ? 'us-east-1' : (call.region ?? REGION);
  const url = new URL(emulator.url);
  const json = call.service === 'kms' || call.service === 'cloudtrail';
  const body = json
    ? JSON.stringify(call.params)
    : new URLSearchParams({
        Action: call.action,
        Version: VERSIONS[call.service as QueryService],
        ...(call.params as Record<string, string>),
      }).toString();
  const headers: Record<string, string> = json
    ? {
        host: url.host,
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': `${TARGETS[call.service as 'kms' | 'cloudtrail']}.${call.action}`,
      }
    : { host: url.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
  const signer = new SignatureV4({
    credentials: { accessKeyId: p.accessKeyId, secretAccessKey: p.secretAccessKey, sessionToken: p.sessionToken },
    region,
    service: call.service,
    sha256: Sha256,
  });
  const signed = await signer.sign({
    method: 'POST',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: '/',
    query: {},
    headers,
    body,
  });
  const response = await fetch(emulator.url, { method: 'POST', headers: signed.headers, body });
  return { status: response.status, body: await response.text() };
}

const SUCCESSES: Call[] = [
  { service: 'ec2', action: 'DescribeRegions', params: { AllRegions: 'true' } },
  { service: 'ec2', action: 'DescribeInstances', params: {} },
  { service: 'ec2', action: 'DescribeInstances', params: { MaxResults: '5' } },
  { service: 'ec2', action: 'DescribeVolumes', params: {} },
  { service: 'ec2', action: 'GetEbsDefaultKmsKeyId', params: {} },
  { service: 'ec2', action: 'GetEbsEncryptionByDefault', params: {} },
  {
    service: 'ec2',
    action: 'StopInstances',
    params: { 'InstanceId.1': 'i-00de0000000000001' },
    principal: 'dev-operator',
  },
  {
    service: 'ec2',
    action: 'StartInstances',
    params: { 'InstanceId.1': 'i-00de0000000000004' },
    principal: 'dev-operator',
  },
  { service: 'kms', action: 'DescribeKey', params: { KeyId: 'alias/app-data' } },
  { service: 'kms', action: 'GetKeyPolicy', params: { KeyId: APP_KEY, PolicyName: 'default' } },
  { service: 'kms', action: 'ListAliases', params: { Limit: 2 } },
  {
    service: 'kms',
    action: 'PutKeyPolicy',
    params: {
      KeyId: '1a2b3c4d-0002-4abc-8def-000000000002',
      PolicyName: 'default',
      Policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${DEV}:root` }, Action: 'kms:*', Resource: '*' },
        ],
      }),
    },
  },
  { service: 'kms', action: 'CancelKeyDeletion', params: { KeyId: '1a2b3c4d-0004-4abc-8def-000000000004' } },
  { service: 'kms', action: 'EnableKey', params: { KeyId: '1a2b3c4d-0003-4abc-8def-000000000003' } },
  {
    service: 'cloudtrail',
    action: 'LookupEvents',
    params: { MaxResults: 2, LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CreateGrant' }] },
  },
  { service: 'sts', action: 'GetCallerIdentity', params: {} },
  {
    service: 'sts',
    action: 'AssumeRole',
    params: { RoleArn: `arn:aws:iam::${DEV}:role/Operator`, RoleSessionName: 'check' },
  },
  {
    service: 'iam',
    action: 'SimulatePrincipalPolicy',
    params: {
      PolicySourceArn: `arn:aws:iam::${DEV}:role/Operator`,
      'ActionNames.member.1': 'kms:CreateGrant',
      'ActionNames.member.2': 'kms:DescribeKey',
      'ResourceArns.member.1': APP_KEY,
      'ContextEntries.member.1.ContextKeyName': 'kms:GrantIsForAWSResource',
      'ContextEntries.member.1.ContextKeyType': 'boolean',
      'ContextEntries.member.1.ContextKeyValues.member.1': 'true',
    },
  },
  {
    service: 'iam',
    action: 'SimulatePrincipalPolicy',
    params: {
      PolicySourceArn: `arn:aws:iam::${DEV}:user/alice`,
      'ActionNames.member.1': 'ec2:StartInstances',
      MaxItems: '1',
    },
  },
];

const ASG: Pick<Call, 'principal' | 'region' | 'scenario'> = {
  principal: 'platform-admin',
  region: 'us-west-2',
  scenario: 'autoscaling',
};
SUCCESSES.push(
  { service: 'autoscaling', action: 'DescribeAutoScalingGroups', params: { MaxRecords: '10' }, ...ASG },
  {
    service: 'autoscaling',
    action: 'DescribeScalingActivities',
    params: { AutoScalingGroupName: 'eks-nodes-asg' },
    ...ASG,
  },
  {
    service: 'ec2',
    action: 'DescribeLaunchTemplateVersions',
    params: { LaunchTemplateId: 'lt-0a1b2c3d4e5f60001', 'LaunchTemplateVersion.1': '$Default' },
    ...ASG,
  },
  { service: 'ec2', action: 'DescribeLaunchTemplateVersions', params: { LaunchTemplateName: 'eks-nodes' }, ...ASG },
  // Version 3 names a Systems Manager parameter: as written, then resolved to the AMI.
  {
    service: 'ec2',
    action: 'DescribeLaunchTemplateVersions',
    params: { LaunchTemplateId: 'lt-0a1b2c3d4e5f60001', 'LaunchTemplateVersion.1': '3' },
    ...ASG,
  },
  {
    service: 'ec2',
    action: 'DescribeLaunchTemplateVersions',
    params: { LaunchTemplateId: 'lt-0a1b2c3d4e5f60001', 'LaunchTemplateVersion.1': '3', ResolveAlias: 'true' },
    ...ASG,
  },
  { service: 'ec2', action: 'DescribeLaunchTemplates', params: {}, ...ASG },
  {
    service: 'ec2',
    action: 'DescribeLaunchTemplates',
    params: { 'LaunchTemplateId.1': 'lt-0a1b2c3d4e5f60001', 'LaunchTemplateName.1': 'eks-nodes', MaxResults: '1' },
    ...ASG,
  },
  { service: 'ec2', action: 'DescribeImages', params: { 'ImageId.1': 'ami-0a1b2c3d4e5f60001' }, ...ASG },
  { service: 'ec2', action: 'DescribeSnapshots', params: { 'SnapshotId.1': 'snap-0a1b2c3d4e5f60001' }, ...ASG },
  { service: 'ec2', action: 'DescribeInstances', params: {}, ...ASG },
);

const LC: Pick<Call, 'principal' | 'region' | 'scenario'> = {
  principal: 'legacy-admin',
  region: 'us-west-2',
  scenario: 'launch-configuration',
};
SUCCESSES.push(
  {
    service: 'autoscaling',
    action: 'DescribeLaunchConfigurations',
    params: { 'LaunchConfigurationNames.member.1': 'legacy-nodes-lc', MaxRecords: '100' },
    ...LC,
  },
  { service: 'autoscaling', action: 'DescribeLaunchConfigurations', params: {}, ...LC },
  { service: 'autoscaling', action: 'DescribeAutoScalingGroups', params: {}, ...LC },
);

const WP: Pick<Call, 'principal' | 'region' | 'scenario'> = {
  principal: 'web-admin',
  region: 'us-west-2',
  scenario: 'warm-pool',
};
SUCCESSES.push(
  { service: 'autoscaling', action: 'DescribeWarmPool', params: { AutoScalingGroupName: 'web-warm-asg' }, ...WP },
  { service: 'autoscaling', action: 'DescribeAutoScalingGroups', params: {}, ...WP },
);

/** The autoscaling scenario with tags on its launch template, so that DescribeLaunchTemplates answers a tagSet. */
/**
 * The autoscaling scenario with its template tagged, and a version 3 whose AMI is the Systems
 * Manager parameter `/golden/eks-node` (holding the scenario's AMI), so DescribeLaunchTemplateVersions
 * answers with the parameter and, with ResolveAlias, with the AMI.
 */
function taggedTemplateScenario(): Scenario {
  const scenario = loadScenario('autoscaling');
  const template = scenario.launchTemplates?.[0];
  const image = scenario.images?.[0];
  assert.ok(template && image);
  Object.assign(template, { tags: { team: 'platform', 'eks:cluster-name': 'prod' } });
  template.versions.push({ versionNumber: 3, imageId: `resolve:ssm:${SSM_PARAMETER}` });
  scenario.ssmParameters = [{ name: SSM_PARAMETER, account: '333333333333', region: 'us-west-2', value: image.id }];
  return scenario;
}

/** The warm-pool scenario with one instance already warmed, so that DescribeWarmPool lists one. */
function warmedPoolScenario(): Scenario {
  const scenario = loadScenario('warm-pool');
  const id = 'i-0b1c2d3e4f5a60001';
  scenario.instances.push({ id, account: '444444444444', region: 'us-west-2', state: 'stopped', blockDevices: [] });
  const pool = scenario.autoScalingGroups?.[0]?.warmPool;
  assert.ok(pool);
  pool.instances = [{ instanceId: id, lifecycleState: 'Warmed:Stopped' }];
  return scenario;
}

const FAILURES: Call[] = [
  {
    service: 'ec2',
    action: 'StartInstances',
    params: { 'InstanceId.1': 'i-00de0000000000004' },
    principal: 'dev-auditor',
  },
  { service: 'ec2', action: 'DescribeInstances', params: { 'InstanceId.1': 'i-0123456789abcdef0' } },
  { service: 'kms', action: 'GetKeyPolicy', params: { KeyId: APP_KEY }, principal: 'dev-operator' },
  { service: 'kms', action: 'DescribeKey', params: { KeyId: 'alias/nothing' } },
  { service: 'cloudtrail', action: 'LookupEvents', params: { MaxResults: 99 } },
  {
    service: 'sts',
    action: 'AssumeRole',
    params: { RoleArn: `arn:aws:iam::${DEV}:role/Operator`, RoleSessionName: 'x' },
    principal: 'dev-auditor',
  },
  {
    service: 'iam',
    action: 'SimulatePrincipalPolicy',
    params: { PolicySourceArn: `arn:aws:iam::${DEV}:role/Nobody`, 'ActionNames.member.1': 'kms:CreateGrant' },
  },
  { service: 'autoscaling', action: 'DescribeAutoScalingGroups', params: { MaxRecords: '500' }, ...ASG },
  { service: 'autoscaling', action: 'DescribeLaunchConfigurations', params: { MaxRecords: '500' }, ...LC },
  {
    service: 'autoscaling',
    action: 'DescribeWarmPool',
    params: { AutoScalingGroupName: 'web-warm-asg', MaxRecords: '51' },
    ...WP,
  },
  {
    service: 'autoscaling',
    action: 'DescribeLaunchConfigurations',
    params: {},
    ...LC,
    principal: 'legacy-auditor',
  },
  { service: 'ec2', action: 'DescribeImages', params: { 'ImageId.1': 'ami-0000000000000dead' }, ...ASG },
  {
    service: 'ec2',
    action: 'DescribeLaunchTemplateVersions',
    params: { LaunchTemplateId: 'lt-0000000000000dead' },
    ...ASG,
  },
  {
    service: 'ec2',
    action: 'DescribeLaunchTemplates',
    params: { 'LaunchTemplateId.1': 'lt-0000000000000dead' },
    ...ASG,
  },
  { service: 'ec2', action: 'DescribeLaunchTemplates', params: { 'LaunchTemplateName.1': 'no-such-template' }, ...ASG },
  { service: 'ec2', action: 'DescribeLaunchTemplates', params: { MaxResults: '201' }, ...ASG },
];

describe('Emulator answers against the AWS service models', function () {
  this.timeout(60_000);
  let demo: Emulator;
  let asg: Emulator;
  let lc: Emulator;
  let wp: Emulator;
  const on = (call: Call): Emulator =>
    call.scenario === 'autoscaling'
      ? asg
      : call.scenario === 'launch-configuration'
        ? lc
        : call.scenario === 'warm-pool'
          ? wp
          : demo;
  before(async () => {
    demo = await startEmulator({ scenario: 'demo', launchDelayMs: 0 });
    asg = await startEmulator({ scenario: taggedTemplateScenario() });
    lc = await startEmulator({ scenario: 'launch-configuration' });
    wp = await startEmulator({ scenario: warmedPoolScenario() });
  });
  after(async () => Promise.all([demo.close(), asg.close(), lc.close(), wp.close()]));

  it('covers every operation the emulator serves', () => {
    const served = new Set(SUCCESSES.map((c) => `${c.service}:${c.action}`));
    for (const op of [
      'ec2:DescribeRegions',
      'ec2:DescribeInstances',
      'ec2:DescribeVolumes',
      'ec2:GetEbsDefaultKmsKeyId',
      'ec2:GetEbsEncryptionByDefault',
      'ec2:StartInstances',
      'ec2:StopInstances',
    ])
      assert.ok(served.has(op), op);
    for (const op of [
      'kms:DescribeKey',
      'kms:GetKeyPolicy',
      'kms:PutKeyPolicy',
      'kms:ListAliases',
      'kms:EnableKey',
      'kms:CancelKeyDeletion',
    ])
      assert.ok(served.has(op), op);
    for (const op of [
      'ec2:DescribeLaunchTemplates',
      'ec2:DescribeLaunchTemplateVersions',
      'ec2:DescribeImages',
      'ec2:DescribeSnapshots',
    ])
      assert.ok(served.has(op), op);
    for (const op of [
      'autoscaling:DescribeAutoScalingGroups',
      'autoscaling:DescribeScalingActivities',
      'autoscaling:DescribeLaunchConfigurations',
      'autoscaling:DescribeWarmPool',
    ])
      assert.ok(served.has(op), op);
  });

  for (const call of SUCCESSES) {
    it(`${call.service} ${call.action} ${JSON.stringify(call.params).slice(0, 60)} follows the model`, async () => {
      const answer = await send(on(call), call);
      assert.equal(answer.status, 200, answer.body);
      const operation = MODELS[call.service][`${call.action}$`] as OperationSchema | undefined;
      assert.ok(operation, `the ${call.service} model has ${call.action}`);
      assert.deepEqual(checkAnswer(call.service, operation, call.action, answer.body), []);
    });
  }

  for (const call of FAILURES) {
    it(`${call.service} ${call.action} error answer has the protocol's envelope`, async () => {
      const answer = await send(on(call), call);
      assert.ok(answer.status >= 400, `status ${answer.status}`);
      assert.deepEqual(checkError(call.service, answer.body), []);
    });
  }

  it('the checker itself catches drift: an unknown element, a wrong list entry and a bad number', () => {
    const op = ec2.DescribeVolumes$ as unknown as OperationSchema;
    const drift =
      '<DescribeVolumesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><volumeSet><member><volumeId>v</volumeId><size>big</size><colour>red</colour></member></volumeSet></DescribeVolumesResponse>';
    const problems = checkAnswer('ec2', op, 'DescribeVolumes', drift);
    assert.ok(
      problems.some((p) => p.includes('<member>')),
      problems.join('; '),
    );
    assert.ok(
      problems.some((p) => p.includes('"big" is not a number')),
      problems.join('; '),
    );
    assert.ok(
      problems.some((p) => p.includes('<colour>')),
      problems.join('; '),
    );
    assert.ok(
      checkAnswer(
        'kms',
        kms.DescribeKey$ as unknown as OperationSchema,
        'DescribeKey',
        '{"KeyMetadata":{"KeyId":1,"Colour":"red"}}',
      ).length === 2,
    );
  });
});
