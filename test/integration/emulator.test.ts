/**
 * The emulator seen through the REAL AWS SDK over HTTP: every operation's round trip, paging,
 * the StartInstances failure path and its fix, fault injection, the control API and the
 * AWS config it writes.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  DescribeScalingActivitiesCommand,
} from '@aws-sdk/client-auto-scaling';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import {
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeRegionsCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  EC2Client,
  GetEbsDefaultKmsKeyIdCommand,
  GetEbsEncryptionByDefaultCommand,
  paginateDescribeInstances,
  StartInstancesCommand,
  StopInstancesCommand,
  type Instance,
} from '@aws-sdk/client-ec2';
import { IAMClient, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import {
  CancelKeyDeletionCommand,
  DescribeKeyCommand,
  EnableKeyCommand,
  GetKeyPolicyCommand,
  KMSClient,
  ListAliasesCommand,
  PutKeyPolicyCommand,
} from '@aws-sdk/client-kms';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromIni } from '@aws-sdk/credential-providers';
import { loadSharedConfigFiles } from '@smithy/shared-ini-file-loader';
import { SignatureV4 } from '@smithy/signature-v4';
import { keyPolicyGrantStatement } from '../../src/core/policy/fixes';
import { Sha256 } from '../emulator/authz/sigv4';
import {
  adminPolicy,
  EXTRA_PROFILES,
  KEY_POLICY_MAX_BYTES,
  loadScenario,
  ScenarioBuilder,
  startEmulator,
  writeAwsConfig,
  type Emulator,
  type Scenario,
} from '../emulator';

const DEV = '111111111111';
const SEC = '222222222222';
const REGION = 'eu-west-1';
const APP_KEY = `arn:aws:kms:${REGION}:${DEV}:key/1a2b3c4d-0001-4abc-8def-000000000001`;
const SHARED_KEY = `arn:aws:kms:${REGION}:${SEC}:key/2b3c4d5e-0001-4abc-8def-000000000001`;
const PLATFORM_KEY = `arn:aws:kms:${REGION}:${DEV}:key/1a2b3c4d-0002-4abc-8def-000000000002`;
const FRONT_END = 'ec2-frontend-api.amazonaws.com';
const OPERATOR_ROLE = `arn:aws:iam::${DEV}:role/Operator`;
const OPERATOR_SESSION = `arn:aws:sts::${DEV}:assumed-role/Operator/jane`;

/** Ids in the shipped demo scenario. */
const DEMO = {
  web: 'i-00de0000000000001',
  app: 'i-00de0000000000004',
  reports: 'i-00de0000000000005',
  archive: 'i-00de0000000000006',
  legacy: 'i-00de0000000000007',
  analytics: 'i-00de0000000000008',
  worker: 'i-00de0000000000009',
  storage: 'i-00de0000000000010',
  batch: 'i-00de0000000000003',
};

type ClientOptions = { region?: string; maxAttempts?: number };

function config(emulator: Emulator, principalName: string, options: ClientOptions = {}) {
  const p = emulator.scenario.principals.find((x) => x.name === principalName);
  if (!p) throw new Error(`no principal ${principalName}`);
  return {
    endpoint: emulator.url,
    region: options.region ?? REGION,
    maxAttempts: options.maxAttempts,
    credentials: { accessKeyId: p.accessKeyId, secretAccessKey: p.secretAccessKey, sessionToken: p.sessionToken },
  };
}

const ec2 = (e: Emulator, who: string, o?: ClientOptions) => new EC2Client(config(e, who, o));
const kms = (e: Emulator, who: string, o?: ClientOptions) => new KMSClient(config(e, who, o));

async function describeOne(client: EC2Client, id: string): Promise<Instance> {
  const out = await client.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
  const instance = out.Reservations?.[0]?.Instances?.[0];
  assert.ok(instance, `instance ${id} listed`);
  return instance;
}

/** Polls until the instance leaves `pending`/`stopping`, at most `limitMs`. */
async function settled(client: EC2Client, id: string, limitMs = 5000): Promise<Instance> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const instance = await describeOne(client, id);
    const state = instance.State?.Name;
    if (state !== 'pending' && state !== 'stopping') return instance;
    if (Date.now() > deadline) throw new Error(`${id} still ${state} after ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function rejection(
  promise: Promise<unknown>,
): Promise<Error & { name: string; $metadata?: { httpStatusCode?: number; attempts?: number }; code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { name: string };
  }
  assert.fail('expected the call to fail');
}

describe('AWS emulator through the real SDK', function () {
  this.timeout(60_000);

  describe('demo scenario', () => {
    let emulator: Emulator;
    before(async () => {
      emulator = await startEmulator({ scenario: 'demo', launchDelayMs: 150 });
    });
    after(async () => emulator.close());
    beforeEach(() => emulator.reset());

    it('EC2 DescribeRegions lists enabled regions, and opt-in ones only with AllRegions', async () => {
      const client = ec2(emulator, 'dev-operator');
      const enabled = await client.send(new DescribeRegionsCommand({}));
      const names = (enabled.Regions ?? []).map((r) => r.RegionName);
      assert.ok(names.includes('eu-west-1'));
      assert.ok(names.includes('ap-east-1'), 'opt-in region enabled for this account');
      assert.ok(!names.includes('af-south-1'), 'opt-in region not enabled is hidden');
      const all = await client.send(new DescribeRegionsCommand({ AllRegions: true }));
      const af = all.Regions?.find((r) => r.RegionName === 'af-south-1');
      assert.equal(af?.OptInStatus, 'not-opted-in');
      assert.equal(all.Regions?.find((r) => r.RegionName === 'us-east-1')?.OptInStatus, 'opt-in-not-required');
    });

    it('EC2 DescribeInstances maps state, StateReason, block devices, tags and filters by state and id', async () => {
      const client = ec2(emulator, 'dev-operator');
      const app = await describeOne(client, DEMO.app);
      assert.equal(app.State?.Name, 'stopped');
      assert.equal(app.State?.Code, 80);
      assert.deepEqual(app.StateReason, {
        Code: 'Client.InternalError',
        Message: 'Client.InternalError: Client error on launch',
      });
      assert.equal(app.Tags?.find((t) => t.Key === 'Name')?.Value, 'app-1');
      assert.match(app.BlockDeviceMappings?.[0]?.Ebs?.VolumeId ?? '', /^vol-/);
      assert.ok(app.LaunchTime instanceof Date);
      assert.equal(app.Placement?.AvailabilityZone, 'eu-west-1a');

      const stopped = await client.send(
        new DescribeInstancesCommand({ Filters: [{ Name: 'instance-state-name', Values: ['stopped'] }] }),
      );
      const stoppedIds = (stopped.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId);
      assert.ok(stoppedIds.includes(DEMO.app) && stoppedIds.includes(DEMO.worker));
      assert.ok(!stoppedIds.includes(DEMO.web));
      const byFilterId = await client.send(
        new DescribeInstancesCommand({ Filters: [{ Name: 'instance-id', Values: [DEMO.web, DEMO.app] }] }),
      );
      assert.equal(byFilterId.Reservations?.length, 2);

      const missing = await rejection(
        client.send(new DescribeInstancesCommand({ InstanceIds: ['i-0123456789abcdef0'] })),
      );
      assert.equal(missing.name, 'InvalidInstanceID.NotFound');
      const badFilter = await rejection(
        client.send(new DescribeInstancesCommand({ Filters: [{ Name: 'colour', Values: ['blue'] }] })),
      );
      assert.equal(badFilter.name, 'InvalidParameterValue');
    });

    it('EC2 filters instances and volumes by the documented names, with * and ? wildcards', async () => {
      const client = ec2(emulator, 'dev-operator');
      const ids = async (filters: { Name: string; Values: string[] }[]): Promise<string[]> =>
        ((await client.send(new DescribeInstancesCommand({ Filters: filters }))).Reservations ?? [])
          .flatMap((r) => r.Instances ?? [])
          .map((i) => i.InstanceId ?? '')
          .sort();
      assert.deepEqual(await ids([{ Name: 'tag:Name', Values: ['app-?'] }]), [DEMO.app]);
      assert.ok((await ids([{ Name: 'state-reason-code', Values: ['Client.Internal*'] }])).includes(DEMO.app));
      assert.deepEqual(await ids([{ Name: 'block-device-mapping.volume-id', Values: ['vol-0de00000000000004'] }]), [
        DEMO.app,
      ]);
      assert.deepEqual(
        await ids([
          { Name: 'instance-state-name', Values: ['stopped'] },
          { Name: 'tag-key', Values: ['Name'] },
          { Name: 'instance-id', Values: [DEMO.app, DEMO.web] },
        ]),
        [DEMO.app],
      );
      const volumes = await client.send(
        new DescribeVolumesCommand({
          Filters: [
            { Name: 'attachment.instance-id', Values: [DEMO.app] },
            { Name: 'status', Values: ['in-use'] },
          ],
        }),
      );
      assert.deepEqual(
        volumes.Volumes?.map((v) => v.VolumeId),
        ['vol-0de00000000000004'],
      );
      const encrypted = await client.send(
        new DescribeVolumesCommand({ Filters: [{ Name: 'encrypted', Values: ['false'] }] }),
      );
      assert.ok((encrypted.Volumes ?? []).length >= 1 && (encrypted.Volumes ?? []).every((v) => v.Encrypted === false));
      const bad = await rejection(
        client.send(new DescribeVolumesCommand({ Filters: [{ Name: 'kms-key', Values: ['x'] }] })),
      );
      assert.equal(bad.name, 'InvalidParameterValue');
    });

    it('EC2 shows a terminated instance without block devices, and its root volume is gone', async () => {
      // Real describe output of a terminated instance has "BlockDeviceMappings": [] (src/aws-records.md Q3).
      const client = ec2(emulator, 'dev-operator');
      const terminated = await describeOne(client, 'i-00de0000000000013');
      assert.equal(terminated.State?.Name, 'terminated');
      assert.deepEqual(terminated.BlockDeviceMappings ?? [], []);
      const gone = await rejection(client.send(new DescribeVolumesCommand({ VolumeIds: ['vol-0de00000000000013'] })));
      assert.equal(gone.name, 'InvalidVolume.NotFound');
    });

    it('EC2 DescribeVolumes and the EBS defaults report the key ARN', async () => {
      const client = ec2(emulator, 'dev-operator');
      const app = await describeOne(client, DEMO.app);
      const volumeId = app.BlockDeviceMappings![0].Ebs!.VolumeId!;
      const volumes = await client.send(new DescribeVolumesCommand({ VolumeIds: [volumeId] }));
      assert.equal(volumes.Volumes?.[0]?.Encrypted, true);
      assert.equal(volumes.Volumes?.[0]?.KmsKeyId, APP_KEY);
      assert.equal(volumes.Volumes?.[0]?.Attachments?.[0]?.InstanceId, DEMO.app);
      assert.equal((await client.send(new GetEbsDefaultKmsKeyIdCommand({}))).KmsKeyId, APP_KEY);
      assert.equal((await client.send(new GetEbsEncryptionByDefaultCommand({}))).EbsEncryptionByDefault, true);
      const useast = ec2(emulator, 'dev-operator', { region: 'us-east-1' });
      assert.equal((await useast.send(new GetEbsEncryptionByDefaultCommand({}))).EbsEncryptionByDefault, false);
      assert.equal((await useast.send(new GetEbsDefaultKmsKeyIdCommand({}))).KmsKeyId, 'alias/aws/ebs');
    });

    it('KMS DescribeKey resolves ids, aliases and cross-account ARNs; unknown keys are NotFound', async () => {
      const client = kms(emulator, 'dev-operator');
      const byAlias = await client.send(new DescribeKeyCommand({ KeyId: 'alias/app-data' }));
      assert.equal(byAlias.KeyMetadata?.Arn, APP_KEY);
      assert.equal(byAlias.KeyMetadata?.KeyManager, 'CUSTOMER');
      assert.equal(byAlias.KeyMetadata?.KeyState, 'Enabled');
      const managed = await client.send(new DescribeKeyCommand({ KeyId: 'alias/aws/ebs' }));
      assert.equal(managed.KeyMetadata?.KeyManager, 'AWS');
      const pending = await client.send(new DescribeKeyCommand({ KeyId: 'alias/archive' }));
      assert.equal(pending.KeyMetadata?.KeyState, 'PendingDeletion');
      assert.ok(pending.KeyMetadata?.DeletionDate instanceof Date);
      const shared = await client.send(new DescribeKeyCommand({ KeyId: SHARED_KEY }));
      assert.equal(shared.KeyMetadata?.AWSAccountId, SEC);
      const missing = await rejection(
        client.send(new DescribeKeyCommand({ KeyId: '00000000-0000-4000-8000-000000000000' })),
      );
      assert.equal(missing.name, 'NotFoundException');
    });

    it('KMS GetKeyPolicy works in the key account only, for principals the key policy lets read it', async () => {
      const policy = await kms(emulator, 'dev-admin').send(
        new GetKeyPolicyCommand({ KeyId: APP_KEY, PolicyName: 'default' }),
      );
      const parsed = JSON.parse(policy.Policy ?? '{}') as { Statement: { Sid?: string }[] };
      assert.ok(parsed.Statement.some((s) => s.Sid === 'Allow use of the key'));
      // The key policy names the Operator role for DescribeKey but not GetKeyPolicy, and does not
      // delegate to IAM: KMS refuses whatever the role's IAM policy allows (src/aws-records.md M3).
      const operator = await rejection(
        kms(emulator, 'dev-operator').send(new GetKeyPolicyCommand({ KeyId: APP_KEY, PolicyName: 'default' })),
      );
      assert.equal(operator.name, 'AccessDeniedException');
      assert.equal(
        operator.message,
        `User: ${OPERATOR_SESSION} is not authorized to perform: kms:GetKeyPolicy on resource: ${APP_KEY} because no resource-based policy allows the kms:GetKeyPolicy action`,
      );
      const crossAccount = await rejection(
        kms(emulator, 'dev-operator').send(new GetKeyPolicyCommand({ KeyId: SHARED_KEY, PolicyName: 'default' })),
      );
      assert.equal(crossAccount.name, 'AccessDeniedException');
      const fromOwner = await kms(emulator, 'sec-admin').send(
        new GetKeyPolicyCommand({ KeyId: SHARED_KEY, PolicyName: 'default' }),
      );
      assert.match(fromOwner.Policy ?? '', /Allow use by acme-dev/);
      const denied = await rejection(
        kms(emulator, 'dev-auditor').send(new GetKeyPolicyCommand({ KeyId: PLATFORM_KEY, PolicyName: 'default' })),
      );
      assert.equal(denied.name, 'AccessDeniedException');
      assert.match(
        denied.message,
        /is not authorized to perform: kms:GetKeyPolicy on resource: arn:aws:kms:.* with an explicit deny in an identity-based policy$/,
      );
    });

    it('KMS PutKeyPolicy rejects malformed JSON, oversize and self-locking policies, and stores a valid one', async () => {
      const client = kms(emulator, 'dev-admin');
      const malformed = await rejection(
        client.send(new PutKeyPolicyCommand({ KeyId: APP_KEY, PolicyName: 'default', Policy: '{"Statement": [' })),
      );
      assert.equal(malformed.name, 'MalformedPolicyDocumentException');
      const filler = 'x'.repeat(KEY_POLICY_MAX_BYTES);
      const huge = JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Sid: filler, Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:*', Resource: '*' }],
      });
      // The SDK counts LimitExceededException as throttling and would retry it: one attempt is enough here.
      const once = kms(emulator, 'dev-admin', { maxAttempts: 1 });
      const oversize = await rejection(
        once.send(new PutKeyPolicyCommand({ KeyId: APP_KEY, PolicyName: 'default', Policy: huge })),
      );
      assert.equal(oversize.name, 'LimitExceededException');
      const lockout = JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: OPERATOR_ROLE }, Action: 'kms:Decrypt', Resource: '*' }],
      });
      const locked = await rejection(
        client.send(new PutKeyPolicyCommand({ KeyId: APP_KEY, PolicyName: 'default', Policy: lockout })),
      );
      assert.equal(locked.name, 'MalformedPolicyDocumentException');

      const current = JSON.parse(
        (await client.send(new GetKeyPolicyCommand({ KeyId: APP_KEY, PolicyName: 'default' }))).Policy!,
      ) as { Statement: unknown[] };
      current.Statement.push(keyPolicyGrantStatement([OPERATOR_ROLE]));
      const text = JSON.stringify(current, null, 4);
      await client.send(new PutKeyPolicyCommand({ KeyId: APP_KEY, PolicyName: 'default', Policy: text }));
      assert.equal(
        (await client.send(new GetKeyPolicyCommand({ KeyId: APP_KEY, PolicyName: 'default' }))).Policy,
        text,
      );
      const crossAccount = await rejection(
        kms(emulator, 'dev-admin').send(
          new PutKeyPolicyCommand({ KeyId: SHARED_KEY, PolicyName: 'default', Policy: text }),
        ),
      );
      assert.equal(crossAccount.name, 'AccessDeniedException');
    });

    it('KMS ListAliases, EnableKey and CancelKeyDeletion change key state like KMS', async () => {
      const client = kms(emulator, 'dev-admin');
      const aliases = await client.send(new ListAliasesCommand({}));
      const names = (aliases.Aliases ?? []).map((a) => a.AliasName);
      assert.ok(names.includes('alias/aws/ebs') && names.includes('alias/app-data'));
      const forKey = await client.send(new ListAliasesCommand({ KeyId: APP_KEY }));
      assert.deepEqual(
        forKey.Aliases?.map((a) => a.AliasName),
        ['alias/app-data'],
      );

      const enablePending = await rejection(
        client.send(new EnableKeyCommand({ KeyId: '1a2b3c4d-0004-4abc-8def-000000000004' })),
      );
      assert.equal(enablePending.name, 'KMSInvalidStateException');
      await client.send(new CancelKeyDeletionCommand({ KeyId: '1a2b3c4d-0004-4abc-8def-000000000004' }));
      const cancelled = await client.send(new DescribeKeyCommand({ KeyId: 'alias/archive' }));
      assert.equal(cancelled.KeyMetadata?.KeyState, 'Disabled');
      await client.send(new EnableKeyCommand({ KeyId: '1a2b3c4d-0004-4abc-8def-000000000004' }));
      assert.equal(
        (await client.send(new DescribeKeyCommand({ KeyId: 'alias/archive' }))).KeyMetadata?.KeyState,
        'Enabled',
      );
      const notPending = await rejection(
        client.send(new CancelKeyDeletionCommand({ KeyId: '1a2b3c4d-0004-4abc-8def-000000000004' })),
      );
      assert.equal(notPending.name, 'KMSInvalidStateException');
    });

    it('STS GetCallerIdentity names the role session behind the access key', async () => {
      const identity = await new STSClient(config(emulator, 'dev-operator')).send(new GetCallerIdentityCommand({}));
      assert.equal(identity.Arn, OPERATOR_SESSION);
      assert.equal(identity.Account, DEV);
      assert.match(identity.UserId ?? '', /^AROA[A-Z0-9]+:jane$/);
      const user = await new STSClient(config(emulator, 'sec-admin')).send(new GetCallerIdentityCommand({}));
      assert.equal(user.Arn, `arn:aws:iam::${SEC}:user/carol`);
    });

    it('IAM SimulatePrincipalPolicy evaluates identity policies with context entries', async () => {
      const iam = new IAMClient(config(emulator, 'dev-operator'));
      const simulate = (value: string) =>
        iam.send(
          new SimulatePrincipalPolicyCommand({
            PolicySourceArn: OPERATOR_ROLE,
            ActionNames: ['kms:CreateGrant', 'kms:ScheduleKeyDeletion'],
            ResourceArns: [APP_KEY],
            ContextEntries: [
              { ContextKeyName: 'kms:GrantIsForAWSResource', ContextKeyType: 'boolean', ContextKeyValues: [value] },
            ],
          }),
        );
      const simulateOn = (resource: string) =>
        iam.send(
          new SimulatePrincipalPolicyCommand({
            PolicySourceArn: OPERATOR_ROLE,
            ActionNames: ['kms:CreateGrant'],
            ResourceArns: [resource],
            ContextEntries: [
              { ContextKeyName: 'kms:GrantIsForAWSResource', ContextKeyType: 'boolean', ContextKeyValues: ['true'] },
            ],
          }),
        );
      const withAwsResource = await simulate('true');
      const byAction = new Map(withAwsResource.EvaluationResults?.map((r) => [r.EvalActionName, r]));
      assert.equal(byAction.get('kms:CreateGrant')?.EvalDecision, 'allowed');
      assert.equal(byAction.get('kms:CreateGrant')?.MatchedStatements?.[0]?.SourcePolicyId, 'OperatorAccess');
      assert.equal(byAction.get('kms:ScheduleKeyDeletion')?.EvalDecision, 'implicitDeny');
      const withoutAwsResource = await simulate('false');
      assert.equal(withoutAwsResource.EvaluationResults?.[0]?.EvalDecision, 'implicitDeny');
      const unknown = await rejection(
        iam.send(
          new SimulatePrincipalPolicyCommand({
            PolicySourceArn: `arn:aws:iam::${DEV}:role/Nobody`,
            ActionNames: ['kms:CreateGrant'],
          }),
        ),
      );
      assert.equal(unknown.name, 'NoSuchEntityException');
      // A key of another account is a cross-account simulation: without that account's resource
      // policy the decision is implicitDeny, and EvalDecisionDetails says what IAM alone decided.
      const crossAccount = await simulateOn(SHARED_KEY);
      assert.equal(crossAccount.EvaluationResults?.[0]?.EvalDecision, 'implicitDeny');
      assert.deepEqual(crossAccount.EvaluationResults?.[0]?.EvalDecisionDetails, { 'IAM Policy': 'allowed' });
    });

    it('CloudTrail LookupEvents pages the shipped failed-start events, newest first, with the JSON record', async () => {
      const client = new CloudTrailClient(config(emulator, 'dev-operator'));
      const seen: { name?: string; time: number; record: Record<string, unknown> }[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await client.send(
          new LookupEventsCommand({
            LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CreateGrant' }],
            MaxResults: 2,
            NextToken: token,
          }),
        );
        for (const e of page.Events ?? [])
          seen.push({
            name: e.EventName,
            time: e.EventTime!.getTime(),
            record: JSON.parse(e.CloudTrailEvent!) as Record<string, unknown>,
          });
        token = page.NextToken;
        pages++;
      } while (token && pages < 10);
      assert.equal(seen.length, 5);
      assert.equal(pages, 3);
      assert.ok(seen.every((e) => e.name === 'CreateGrant'));
      assert.ok(
        seen.every((e, i) => i === 0 || seen[i - 1].time >= e.time),
        'newest first',
      );
      const denied = seen.find((e) => (e.record.requestParameters as { keyId?: string }).keyId === APP_KEY)!;
      assert.equal(denied.record.errorCode, 'AccessDenied');
      assert.equal(denied.record.userAgent, FRONT_END);
      assert.match(
        String(denied.record.errorMessage),
        /^User: arn:aws:sts::111111111111:assumed-role\/Operator\/jane is not authorized to perform: kms:CreateGrant on resource: arn:aws:kms:/,
      );

      const tooMany = await rejection(client.send(new LookupEventsCommand({ MaxResults: 51 })));
      assert.equal(tooMany.name, 'InvalidMaxResultsException');
      const two = await rejection(
        client.send(
          new LookupEventsCommand({
            LookupAttributes: [
              { AttributeKey: 'EventName', AttributeValue: 'CreateGrant' },
              { AttributeKey: 'EventName', AttributeValue: 'StartInstances' },
            ],
          }),
        ),
      );
      assert.equal(two.name, 'InvalidLookupAttributesException');
      const window = await client.send(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CreateGrant' }],
          StartTime: new Date(Date.now() - 4 * 3600_000),
          EndTime: new Date(),
        }),
      );
      assert.equal(window.Events?.length, 1, 'only the event three hours ago is inside a four-hour window');
    });

    it('StartInstances: pending, then stopped by the missing CreateGrant with a CloudTrail event; after PutKeyPolicy the next start runs', async () => {
      const operator = ec2(emulator, 'dev-operator');
      const started = await operator.send(new StartInstancesCommand({ InstanceIds: [DEMO.app] }));
      assert.equal(started.StartingInstances?.[0]?.CurrentState?.Name, 'pending');
      assert.equal(started.StartingInstances?.[0]?.PreviousState?.Name, 'stopped');
      assert.equal((await describeOne(operator, DEMO.app)).State?.Name, 'pending');
      const stopped = await settled(operator, DEMO.app);
      assert.equal(stopped.State?.Name, 'stopped');
      assert.deepEqual(stopped.StateReason, {
        Code: 'Client.InternalError',
        Message: 'Client.InternalError: Client error on launch',
      });
      assert.equal(
        stopped.StateTransitionReason,
        'Client.InternalError',
        'a bare code, no stop time (src/aws-records.md Q2)',
      );

      const trail = new CloudTrailClient(config(emulator, 'dev-operator'));
      const grants = await trail.send(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CreateGrant' }],
          MaxResults: 1,
        }),
      );
      const record = JSON.parse(grants.Events![0].CloudTrailEvent!) as Record<string, unknown> & {
        userIdentity: {
          arn: string;
          invokedBy?: string;
          principalId?: string;
          sessionContext?: { sessionIssuer?: { arn?: string } };
        };
        requestParameters: Record<string, unknown>;
      };
      // Today's shape of EC2's grant on the caller's behalf (src/aws-records.md F1, F5).
      assert.equal(record.errorCode, 'AccessDenied');
      assert.equal(record.eventSource, 'kms.amazonaws.com');
      assert.equal(record.userAgent, FRONT_END);
      assert.equal(record.userIdentity.invokedBy, FRONT_END);
      assert.equal(record.userIdentity.arn, OPERATOR_SESSION);
      assert.match(record.userIdentity.principalId ?? '', /^AROA[A-Z0-9]+:jane$/);
      assert.equal(record.userIdentity.sessionContext?.sessionIssuer?.arn, OPERATOR_ROLE);
      assert.equal(record.requestParameters.keyId, APP_KEY);
      assert.equal(
        record.requestParameters.granteePrincipal,
        `arn:aws:sts::${DEV}:assumed-role/aws:ec2-infrastructure/${DEMO.app}`,
      );
      assert.equal(
        record.errorMessage,
        `User: ${OPERATOR_SESSION} is not authorized to perform: kms:CreateGrant on resource: ${APP_KEY} because no resource-based policy allows the kms:CreateGrant action`,
      );
      const starts = await trail.send(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'StartInstances' }],
          MaxResults: 1,
        }),
      );
      assert.match(starts.Events![0].CloudTrailEvent!, new RegExp(DEMO.app));
      assert.ok(
        Date.now() - starts.Events![0].EventTime!.getTime() < 60_000,
        'the new StartInstances event is the newest',
      );

      const admin = kms(emulator, 'dev-admin');
      const policy = JSON.parse(
        (await admin.send(new GetKeyPolicyCommand({ KeyId: APP_KEY, PolicyName: 'default' }))).Policy!,
      ) as { Statement: unknown[] };
      policy.Statement.push(keyPolicyGrantStatement([OPERATOR_ROLE]));
      await admin.send(
        new PutKeyPolicyCommand({ KeyId: APP_KEY, PolicyName: 'default', Policy: JSON.stringify(policy, null, 2) }),
      );

      await operator.send(new StartInstancesCommand({ InstanceIds: [DEMO.app] }));
      const running = await settled(operator, DEMO.app);
      assert.equal(running.State?.Name, 'running');
      assert.equal(running.StateReason, undefined);
      const after = await trail.send(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CreateGrant' }],
          MaxResults: 1,
        }),
      );
      assert.equal((JSON.parse(after.Events![0].CloudTrailEvent!) as { errorCode?: string }).errorCode, undefined);
    });

    it('StartInstances fails for a disabled key, a key pending deletion, an explicit Deny and a cross-account key; works for aws/ebs', async () => {
      const operator = ec2(emulator, 'dev-operator');
      const cases: [string, string, RegExp][] = [
        [DEMO.reports, 'DisabledException', /is disabled\.$/],
        [DEMO.archive, 'KMSInvalidStateException', /is pending deletion\.$/],
        [DEMO.legacy, 'AccessDenied', /with an explicit deny in a resource-based policy$/],
        [DEMO.analytics, 'AccessDenied', /because no resource-based policy allows the kms:CreateGrant action$/],
      ];
      await operator.send(new StartInstancesCommand({ InstanceIds: cases.map((c) => c[0]) }));
      for (const [id] of cases) {
        const instance = await settled(operator, id);
        assert.equal(instance.State?.Name, 'stopped', id);
        assert.equal(instance.StateReason?.Code, 'Client.InternalError', id);
      }
      const trail = new CloudTrailClient(config(emulator, 'dev-operator'));
      const events = await trail.send(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CreateGrant' }],
          StartTime: new Date(Date.now() - 60_000),
        }),
      );
      for (const [id, code, message] of cases) {
        const record = events.Events?.map(
          (e) =>
            JSON.parse(e.CloudTrailEvent!) as {
              errorCode?: string;
              errorMessage?: string;
              requestParameters: { granteePrincipal: string };
            },
        ).find((r) => r.requestParameters.granteePrincipal.endsWith(id));
        assert.ok(record, `CreateGrant event for ${id}`);
        assert.equal(record.errorCode, code, id);
        assert.match(record.errorMessage ?? '', message, id);
      }
      // "Cross-account AWS KMS requests that are rejected because access is denied are logged
      // only in the caller's account" (KMS Developer Guide, logging-using-cloudtrail.html).
      const ownerTrail = new CloudTrailClient(config(emulator, 'sec-admin'));
      const ownerEvents = await ownerTrail.send(
        new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CreateGrant' }] }),
      );
      assert.equal(ownerEvents.Events?.length, 0);

      await operator.send(new StopInstancesCommand({ InstanceIds: [DEMO.batch] }));
      await settled(operator, DEMO.batch);
      await operator.send(new StartInstancesCommand({ InstanceIds: [DEMO.batch] }));
      assert.equal(
        (await settled(operator, DEMO.batch)).State?.Name,
        'running',
        'the AWS managed key serves its account',
      );
    });

    it('StartInstances reproduces a volume-limit stop; StopInstances goes stopping -> stopped by the user', async () => {
      const operator = ec2(emulator, 'dev-operator');
      await operator.send(new StartInstancesCommand({ InstanceIds: [DEMO.storage] }));
      const storage = await settled(operator, DEMO.storage);
      assert.equal(storage.State?.Name, 'stopped');
      assert.match(storage.StateReason?.Message ?? '', /^Client\.VolumeLimitExceeded/);

      const stopping = await operator.send(new StopInstancesCommand({ InstanceIds: [DEMO.web] }));
      assert.equal(stopping.StoppingInstances?.[0]?.CurrentState?.Name, 'stopping');
      assert.equal(stopping.StoppingInstances?.[0]?.PreviousState?.Name, 'running');
      const web = await settled(operator, DEMO.web);
      assert.equal(web.State?.Name, 'stopped');
      assert.equal(web.StateReason?.Code, 'Client.UserInitiatedShutdown');
      assert.match(web.StateTransitionReason ?? '', /^User initiated \(/);
      const wrongState = await rejection(
        operator.send(new StartInstancesCommand({ InstanceIds: ['i-00de0000000000013'] })),
      );
      assert.equal(wrongState.name, 'IncorrectInstanceState');
    });

    it('answers a disabled opt-in region with AuthFailure, expired credentials with the expired-token error, a scoped deny with UnauthorizedOperation', async () => {
      const disabled = await rejection(
        ec2(emulator, 'dev-operator', { region: 'af-south-1' }).send(new DescribeInstancesCommand({})),
      );
      assert.equal(disabled.name, 'AuthFailure');
      assert.equal(disabled.$metadata?.httpStatusCode, 401);
      const enabledOptIn = await ec2(emulator, 'dev-operator', { region: 'ap-east-1' }).send(
        new DescribeInstancesCommand({}),
      );
      assert.equal(enabledOptIn.Reservations?.length, 1);

      const expiredEc2 = await rejection(ec2(emulator, 'dev-expired').send(new DescribeInstancesCommand({})));
      assert.equal(expiredEc2.name, 'RequestExpired');
      // STS answers <Code>ExpiredToken</Code>, which the SDK surfaces under that name.
      const expiredSts = await rejection(
        new STSClient(config(emulator, 'dev-expired')).send(new GetCallerIdentityCommand({})),
      );
      assert.equal(expiredSts.name, 'ExpiredToken');
      const expiredKms = await rejection(kms(emulator, 'dev-expired').send(new DescribeKeyCommand({ KeyId: APP_KEY })));
      assert.equal(expiredKms.name, 'ExpiredTokenException');

      const regionDenied = await rejection(
        ec2(emulator, 'dev-auditor', { region: 'eu-central-1' }).send(new DescribeInstancesCommand({})),
      );
      assert.equal(regionDenied.name, 'UnauthorizedOperation');
      const elsewhere = await ec2(emulator, 'dev-auditor').send(new DescribeInstancesCommand({}));
      assert.ok((elsewhere.Reservations?.length ?? 0) > 5, 'the deny is scoped to one region');
    });
  });

  describe('fault injection and the control API', () => {
    let emulator: Emulator;
    before(async () => {
      emulator = await startEmulator({ scenario: 'demo', launchDelayMs: 0 });
    });
    after(async () => emulator.close());
    beforeEach(() => emulator.reset());

    it('throttled calls are recovered by the SDK retries, and every attempt is counted', async () => {
      emulator.setFaults([{ service: 'ec2', action: 'DescribeInstances', throttleRate: 1, times: 2 }]);
      const out = await ec2(emulator, 'dev-operator').send(new DescribeInstancesCommand({ InstanceIds: [DEMO.web] }));
      assert.equal(out.$metadata.attempts, 3);
      assert.equal(
        emulator.callCount({ service: 'ec2', action: 'DescribeInstances', region: REGION, principal: 'dev-operator' }),
        3,
      );

      emulator.setFaults([{ service: 'kms', throttleRate: 1 }]);
      const kmsThrottled = await rejection(
        kms(emulator, 'dev-operator', { maxAttempts: 2 }).send(new DescribeKeyCommand({ KeyId: APP_KEY })),
      );
      assert.equal(kmsThrottled.name, 'ThrottlingException');
      assert.equal(kmsThrottled.$metadata?.attempts, 2);
    });

    it('forces AccessDenied, AuthFailure and ExpiredToken per service, region and action', async () => {
      emulator.setFaults([
        { service: 'ec2', region: 'us-east-1', error: 'AccessDenied' },
        { service: 'kms', action: 'GetKeyPolicy', error: 'AccessDenied' },
        { service: 'sts', error: 'ExpiredToken' },
        { service: 'ec2', region: 'eu-central-1', error: 'AuthFailure' },
      ]);
      const denied = await rejection(
        ec2(emulator, 'dev-operator', { region: 'us-east-1' }).send(new DescribeInstancesCommand({})),
      );
      assert.equal(denied.name, 'UnauthorizedOperation');
      const ok = await ec2(emulator, 'dev-operator').send(new DescribeInstancesCommand({ InstanceIds: [DEMO.web] }));
      assert.equal(ok.Reservations?.length, 1, 'other regions unaffected');
      const kmsDenied = await rejection(
        kms(emulator, 'dev-operator').send(new GetKeyPolicyCommand({ KeyId: APP_KEY, PolicyName: 'default' })),
      );
      assert.equal(kmsDenied.name, 'AccessDeniedException');
      await kms(emulator, 'dev-operator').send(new DescribeKeyCommand({ KeyId: APP_KEY }));
      const expired = await rejection(
        new STSClient(config(emulator, 'dev-operator')).send(new GetCallerIdentityCommand({})),
      );
      assert.equal(expired.name, 'ExpiredToken');
      const auth = await rejection(
        ec2(emulator, 'dev-operator', { region: 'eu-central-1' }).send(new DescribeRegionsCommand({})),
      );
      assert.equal(auth.name, 'AuthFailure');
    });

    it('drops connections without an answer, and adds latency', async () => {
      emulator.setFaults([{ service: 'ec2', action: 'DescribeRegions', dropRate: 1 }]);
      const dropped = await rejection(
        ec2(emulator, 'dev-operator', { maxAttempts: 1 }).send(new DescribeRegionsCommand({})),
      );
      assert.match(`${dropped.name} ${dropped.code ?? ''} ${dropped.message}`, /ECONNRESET|socket hang up|EPIPE/i);

      emulator.setFaults([{ service: 'sts', latencyMs: 300 }]);
      const started = Date.now();
      await new STSClient(config(emulator, 'dev-operator')).send(new GetCallerIdentityCommand({}));
      assert.ok(Date.now() - started >= 280, 'latency applied');
    });

    it('exposes calls, faults, instances and reset over plain HTTP JSON', async () => {
      await ec2(emulator, 'dev-operator').send(new DescribeRegionsCommand({}));
      await ec2(emulator, 'dev-admin', { region: 'us-east-1' }).send(new DescribeRegionsCommand({}));
      const calls = (await (await fetch(`${emulator.url}/__emulator/calls`)).json()) as {
        total: number;
        calls: { service: string; action: string; region: string; principal: string; count: number }[];
      };
      assert.equal(calls.total, 2);
      assert.deepEqual(
        calls.calls.map((c) => `${c.service}:${c.action}:${c.region}:${c.principal}:${c.count}`).sort(),
        ['ec2:DescribeRegions:eu-west-1:dev-operator:1', 'ec2:DescribeRegions:us-east-1:dev-admin:1'],
      );

      const set = await fetch(`${emulator.url}/__emulator/faults`, {
        method: 'POST',
        body: JSON.stringify({ faults: [{ service: 'ec2', error: 'AccessDenied' }] }),
      });
      assert.equal(set.status, 200);
      const denied = await rejection(ec2(emulator, 'dev-operator').send(new DescribeRegionsCommand({})));
      assert.equal(denied.name, 'UnauthorizedOperation');

      await fetch(`${emulator.url}/__emulator/faults`, { method: 'POST', body: '[]' });
      await ec2(emulator, 'dev-operator').send(new StartInstancesCommand({ InstanceIds: [DEMO.app] }));
      const instance = (await (await fetch(`${emulator.url}/__emulator/instances/${DEMO.app}`)).json()) as {
        state: string;
        stateReason?: { code: string };
      };
      assert.equal(instance.state, 'stopped');
      assert.equal(instance.stateReason?.code, 'Client.InternalError');
      assert.equal((await fetch(`${emulator.url}/__emulator/instances/i-0000000000000dead`)).status, 404);

      assert.equal((await fetch(`${emulator.url}/__emulator/reset`, { method: 'POST' })).status, 200);
      const afterReset = (await (await fetch(`${emulator.url}/__emulator/calls`)).json()) as { total: number };
      assert.equal(afterReset.total, 0);
      // The start set LaunchTime to now; the reset puts back the scenario's (three hours ago).
      assert.equal(loadScenario('demo').instances.find((i) => i.id === DEMO.app)?.launchTime, 'now-3h');
      const restored = Date.parse(emulator.state.instances.get(DEMO.app)?.launchTime ?? '');
      assert.ok(Date.now() - restored > 2 * 3_600_000, `launch time after reset: ${new Date(restored).toISOString()}`);
    });

    it('answers unsigned and unknown-key requests in the service shape', async () => {
      const unsigned = await fetch(`${emulator.url}/`, {
        method: 'POST',
        body: 'Action=DescribeRegions&Version=2016-11-15',
      });
      assert.equal(unsigned.status, 403);
      assert.match(await unsigned.text(), /<Response><Errors><Error><Code>MissingAuthenticationToken<\/Code>/);
      const garbled = await fetch(`${emulator.url}/`, {
        method: 'POST',
        headers: { authorization: 'AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE' },
        body: 'Action=DescribeRegions&Version=2016-11-15',
      });
      assert.equal(garbled.status, 400);
      assert.match(await garbled.text(), /<Code>IncompleteSignature<\/Code>/);
      const stranger = new EC2Client({
        endpoint: emulator.url,
        region: REGION,
        credentials: { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'x' },
      });
      const failure = await rejection(stranger.send(new DescribeRegionsCommand({})));
      assert.equal(failure.name, 'AuthFailure');
    });
  });

  describe('Auto Scaling scenario', () => {
    const PLATFORM = '333333333333';
    const WEST = 'us-west-2';
    const TERMINATED = 'i-1234abcd1234abcd1';
    let emulator: Emulator;
    before(async () => {
      emulator = await startEmulator({ scenario: 'autoscaling' });
    });
    after(async () => emulator.close());

    it('lists the group short of capacity and its cancelled launch naming the terminated instance', async () => {
      const client = new AutoScalingClient(config(emulator, 'platform-admin', { region: WEST }));
      const groups = await client.send(new DescribeAutoScalingGroupsCommand({}));
      const group = groups.AutoScalingGroups?.[0];
      assert.equal(group?.AutoScalingGroupName, 'eks-nodes-asg');
      assert.equal(group?.DesiredCapacity, 1);
      assert.deepEqual(group?.Instances, []);
      assert.equal(group?.LaunchTemplate?.LaunchTemplateId, 'lt-0a1b2c3d4e5f60001');
      assert.match(
        group?.ServiceLinkedRoleARN ?? '',
        /:role\/aws-service-role\/autoscaling\.amazonaws\.com\/AWSServiceRoleForAutoScaling$/,
      );
      const activities = await client.send(
        new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'eks-nodes-asg' }),
      );
      const activity = activities.Activities?.[0];
      assert.equal(activity?.StatusCode, 'Cancelled');
      assert.match(activity?.Description ?? '', new RegExp(`Launching a new EC2 instance: ${TERMINATED}\\.`));
      assert.ok(activity?.StartTime instanceof Date);
      const none = await client.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'no-such-group' }));
      assert.deepEqual(none.Activities, []);
    });

    it('describes the launch template version, AMI and snapshot the group launches from', async () => {
      const client = new EC2Client(config(emulator, 'platform-admin', { region: WEST }));
      const versions = await client.send(
        new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: 'lt-0a1b2c3d4e5f60001', Versions: ['$Default'] }),
      );
      const version = versions.LaunchTemplateVersions?.[0];
      assert.equal(version?.VersionNumber, 2);
      assert.equal(version?.DefaultVersion, true);
      const device = version?.LaunchTemplateData?.BlockDeviceMappings?.[0]?.Ebs;
      assert.equal(device?.Encrypted, true);
      assert.equal(device?.KmsKeyId, `arn:aws:kms:${WEST}:${PLATFORM}:key/5c466b7d-0001-4abc-8def-000000000001`);
      const all = await client.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: 'eks-nodes' }));
      assert.equal(all.LaunchTemplateVersions?.length, 2);
      const missing = await rejection(
        client.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: 'lt-0000000000000dead' })),
      );
      assert.equal(missing.name, 'InvalidLaunchTemplateId.NotFound');
      const image = (
        await client.send(new DescribeImagesCommand({ ImageIds: [version?.LaunchTemplateData?.ImageId ?? ''] }))
      ).Images?.[0];
      const snapshotId = image?.BlockDeviceMappings?.[0]?.Ebs?.SnapshotId;
      assert.equal(snapshotId, 'snap-0a1b2c3d4e5f60001');
      const snapshot = (await client.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId ?? ''] })))
        .Snapshots?.[0];
      assert.equal(snapshot?.Encrypted, false);
      assert.equal(snapshot?.OwnerId, PLATFORM);
      const terminated = await describeOne(client, TERMINATED);
      assert.equal(terminated.State?.Name, 'terminated');
      assert.deepEqual(terminated.BlockDeviceMappings ?? [], []);
      assert.equal(terminated.StateReason?.Code, 'Client.InvalidKMSKey.InvalidState');
    });
  });

  describe('generated scenarios and the AWS config', () => {
    it('pages 2,500 instances of one region, 1,000 at a time, in exactly three calls', async () => {
      const scenario = new ScenarioBuilder('paging')
        .account(DEV)
        .region(REGION)
        .instances(2500, { account: DEV, region: REGION, state: 'running' })
        .build();
      const user = new ScenarioBuilder();
      scenario.principals.push(user.principal({ name: 'pager', account: DEV, policies: [adminPolicy()] }));
      const emulator = await startEmulator({ scenario });
      try {
        const client = ec2(emulator, 'pager');
        const ids = new Set<string>();
        let pages = 0;
        for await (const page of paginateDescribeInstances({ client, pageSize: 1000 }, {})) {
          pages++;
          for (const r of page.Reservations ?? []) for (const i of r.Instances ?? []) ids.add(i.InstanceId!);
        }
        assert.equal(ids.size, 2500);
        assert.equal(pages, 3);
        assert.equal(emulator.callCount({ action: 'DescribeInstances' }), 3);
        const foreign = await rejection(
          client.send(new DescribeInstancesCommand({ MaxResults: 5, NextToken: 'bm90LWEtdG9rZW4=' })),
        );
        assert.equal(foreign.name, 'InvalidParameterValue');
      } finally {
        await emulator.close();
      }
    });

    it('refuses to start a scenario whose policy AWS would not have stored', async () => {
      const b = new ScenarioBuilder('broken').account(DEV).region(REGION);
      b.principal({
        name: 'typo',
        account: DEV,
        policies: [
          {
            name: 'Broken',
            document: { Version: '2012-10-17', Statement: [{ Effect: 'Perhaps', Action: 'ec2:*', Resource: '*' }] },
          },
        ],
      });
      await assert.rejects(startEmulator({ scenario: b.build() }), /Invalid scenario policies: principal typo/);
    });

    it('serves a 1,000-instance page of a 10,000-instance region in well under a second', async () => {
      const scenario = new ScenarioBuilder('big')
        .account(DEV)
        .region(REGION)
        .instances(10_000, { account: DEV, region: REGION })
        .build();
      scenario.principals.push(
        new ScenarioBuilder().principal({ name: 'big', account: DEV, policies: [adminPolicy()] }),
      );
      const emulator = await startEmulator({ scenario });
      try {
        const p = scenario.principals[0];
        const body = 'Action=DescribeInstances&Version=2016-11-15&MaxResults=1000';
        const url = new URL(emulator.url);
        const signer = new SignatureV4({
          credentials: { accessKeyId: p.accessKeyId, secretAccessKey: p.secretAccessKey },
          region: REGION,
          service: 'ec2',
          sha256: Sha256,
        });
        const signed = await signer.sign({
          method: 'POST',
          protocol: 'http:',
          hostname: url.hostname,
          port: Number(url.port),
          path: '/',
          query: {},
          headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded' },
          body,
        });
        const started = performance.now();
        const response = await fetch(emulator.url, { method: 'POST', headers: signed.headers, body });
        const xml = await response.text();
        const elapsed = performance.now() - started;
        assert.equal(response.status, 200, xml);
        assert.equal(xml.split('<instanceId>').length - 1, 1000);
        assert.ok(elapsed < 500, `took ${elapsed.toFixed(0)} ms`);
      } finally {
        await emulator.close();
      }
    });

    it('judges grants with identity Denies and cross-account keys, and a key-owner fix lets the start run', async () => {
      const b = new ScenarioBuilder('grants', 0).account(DEV).account(SEC).region(REGION);
      const grantPolicy = {
        name: 'Grants',
        document: {
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: ['ec2:*', 'kms:CreateGrant', 'cloudtrail:LookupEvents'], Resource: '*' },
          ],
        },
      };
      const denyPolicy = {
        name: 'NoGrants',
        document: { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kms:CreateGrant', Resource: '*' }] },
      };
      const builder = b.principal({
        name: 'builder',
        account: DEV,
        arn: `arn:aws:iam::${DEV}:role/Builder`,
        sessionName: 'ci',
        policies: [grantPolicy],
      });
      b.principal({
        name: 'blocked',
        account: DEV,
        arn: `arn:aws:iam::${DEV}:role/Blocked`,
        sessionName: 'ci',
        policies: [grantPolicy, denyPolicy],
      });
      b.principal({
        name: 'owner',
        account: SEC,
        arn: `arn:aws:iam::${SEC}:user/owner`,
        policies: [
          {
            name: 'Admin',
            document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
          },
        ],
      });
      const local = b.key({ account: DEV, region: REGION });
      const remote = b.key({ account: SEC, region: REGION });
      const localInstance = b.instance({ account: DEV, region: REGION, state: 'stopped', kmsKeyId: local.arn });
      const remoteInstance = b.instance({ account: DEV, region: REGION, state: 'stopped', kmsKeyId: remote.arn });
      const emulator = await startEmulator({ scenario: b.build(), lookupEventsPerSecond: 2 });
      try {
        const blocked = ec2(emulator, 'blocked');
        await blocked.send(new StartInstancesCommand({ InstanceIds: [localInstance.id] }));
        assert.equal(
          (await describeOne(blocked, localInstance.id)).State?.Name,
          'stopped',
          'the identity Deny wins over the delegation',
        );
        const trail = new CloudTrailClient(config(emulator, 'blocked', { maxAttempts: 1 }));
        const lookup = () =>
          trail.send(
            new LookupEventsCommand({
              LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CreateGrant' }],
            }),
          );
        const record = JSON.parse((await lookup()).Events![0].CloudTrailEvent!) as { errorMessage: string };
        assert.match(record.errorMessage, /with an explicit deny in an identity-based policy$/);

        const client = ec2(emulator, 'builder');
        await client.send(new StartInstancesCommand({ InstanceIds: [localInstance.id] }));
        assert.equal(
          (await describeOne(client, localInstance.id)).State?.Name,
          'running',
          'delegation + identity Allow',
        );
        await client.send(new StartInstancesCommand({ InstanceIds: [remoteInstance.id] }));
        assert.equal(
          (await describeOne(client, remoteInstance.id)).State?.Name,
          'stopped',
          'the remote key policy does not open to this account',
        );

        const owner = kms(emulator, 'owner');
        const policy = JSON.parse(
          (await owner.send(new GetKeyPolicyCommand({ KeyId: remote.arn, PolicyName: 'default' }))).Policy!,
        ) as { Statement: unknown[] };
        policy.Statement.push(keyPolicyGrantStatement([builder.arn]));
        await owner.send(
          new PutKeyPolicyCommand({ KeyId: remote.arn, PolicyName: 'default', Policy: JSON.stringify(policy) }),
        );
        await client.send(new StartInstancesCommand({ InstanceIds: [remoteInstance.id] }));
        assert.equal(
          (await describeOne(client, remoteInstance.id)).State?.Name,
          'running',
          'key policy names the role and its IAM policy allows',
        );

        // CloudTrail's 2 requests/second per account and region, when enforced.
        const burst = await Promise.allSettled([lookup(), lookup(), lookup()]);
        const refused = burst.filter((r) => r.status === 'rejected').map((r) => (r.reason as Error).name);
        assert.ok(
          refused.length >= 1 && refused.every((name) => name === 'ThrottlingException'),
          `refused: ${refused.join(', ')}`,
        );
      } finally {
        await emulator.close();
      }
    });

    describe('writeAwsConfig', () => {
      let emulator: Emulator;
      let dir: string;
      let scenario: Scenario;
      before(async () => {
        scenario = loadScenario('demo');
        emulator = await startEmulator({ scenario, launchDelayMs: 0 });
        dir = mkdtempSync(path.join(tmpdir(), 'emulator-config-'));
      });
      after(async () => {
        await emulator.close();
        rmSync(dir, { recursive: true, force: true });
      });

      it('writes one profile per principal plus every other kind of profile, all pointing at the emulator', async () => {
        const files = writeAwsConfig(dir, emulator, scenario);
        const loaded = await loadSharedConfigFiles({
          filepath: files.credentialsFile,
          configFilepath: files.configFile,
          ignoreCache: true,
        });
        for (const p of scenario.principals) {
          assert.equal(loaded.configFile[p.name]?.endpoint_url, emulator.url, p.name);
          assert.equal(loaded.credentialsFile[p.name]?.aws_access_key_id, p.accessKeyId);
        }
        assert.ok(loaded.configFile[EXTRA_PROFILES.credentialProcess]?.credential_process);
        assert.equal(loaded.configFile[EXTRA_PROFILES.assumeRole]?.role_arn, OPERATOR_ROLE);
        assert.equal(loaded.configFile[EXTRA_PROFILES.ssoSession]?.sso_session, 'emulator-sso-session');
        assert.ok(loaded.configFile[EXTRA_PROFILES.ssoLegacy]?.sso_start_url);
        assert.ok(
          !readFileSync(files.configFile, 'utf8').includes('aws_secret_access_key'),
          'secrets stay in the credentials file',
        );
      });

      it('signs in through credential_process and role_arn + source_profile, and the emulator knows the caller', async () => {
        const files = writeAwsConfig(dir, emulator, scenario);
        const fileOptions = { filepath: files.credentialsFile, configFilepath: files.configFile, ignoreCache: true };
        const viaProcess = new STSClient({
          endpoint: emulator.url,
          region: REGION,
          credentials: fromIni({ profile: EXTRA_PROFILES.credentialProcess, ...fileOptions }),
        });
        assert.equal((await viaProcess.send(new GetCallerIdentityCommand({}))).Arn, `arn:aws:iam::${DEV}:user/alice`);
        const viaRole = new STSClient({
          endpoint: emulator.url,
          region: REGION,
          credentials: fromIni({
            profile: EXTRA_PROFILES.assumeRole,
            ...fileOptions,
            clientConfig: { endpoint: emulator.url, region: REGION },
          }),
        });
        assert.equal((await viaRole.send(new GetCallerIdentityCommand({}))).Arn, OPERATOR_SESSION);
        assert.equal(emulator.callCount({ service: 'sts', action: 'AssumeRole' }), 1);
      });
    });
  });
});
