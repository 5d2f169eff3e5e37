/**
 * The emulator authorizes like AWS, seen through the real SDK: identity policies, key policies
 * without delegation, SCPs, RCPs, permissions boundaries, session policies, orphaned principals,
 * and SigV4 (wrong secret, wrong or missing session token, skewed clock). Each expectation is
 * AWS's documented behaviour (sources in the comments and in src/aws-records.md), not the product's.
 */
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import {
  DescribeInstancesCommand,
  EC2Client,
  StartInstancesCommand,
  StopInstancesCommand,
  type Instance,
} from '@aws-sdk/client-ec2';
import { IAMClient, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient, PutKeyPolicyCommand } from '@aws-sdk/client-kms';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import {
  adminPolicy,
  allowPolicy,
  keyPolicy,
  ScenarioBuilder,
  startEmulator,
  writeAwsConfig,
  type Emulator,
  type ScenarioPrincipal,
} from '../emulator';

const DEV = '111111111111';
const SEC = '222222222222';
const REGION = 'eu-west-1';
const DEMO_APP = 'i-00de0000000000004';
const DEMO_WEB = 'i-00de0000000000001';
const APP_KEY = `arn:aws:kms:${REGION}:${DEV}:key/1a2b3c4d-0001-4abc-8def-000000000001`;
const OPERATOR_SESSION = `arn:aws:sts::${DEV}:assumed-role/Operator/jane`;
const CLI = path.resolve(__dirname, '..', '..', 'dist', 'cli.js');

type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
type ClientOptions = { region?: string; maxAttempts?: number; systemClockOffset?: number; credentials?: Credentials };

function clientConfig(emulator: Emulator, who: string | ScenarioPrincipal, options: ClientOptions = {}) {
  const p = typeof who === 'string' ? emulator.scenario.principals.find((x) => x.name === who) : who;
  if (!p) throw new Error(`no principal ${String(who)}`);
  return {
    endpoint: emulator.url,
    region: options.region ?? REGION,
    maxAttempts: options.maxAttempts ?? 1,
    ...(options.systemClockOffset !== undefined ? { systemClockOffset: options.systemClockOffset } : {}),
    credentials: options.credentials ?? {
      accessKeyId: p.accessKeyId,
      secretAccessKey: p.secretAccessKey,
      sessionToken: p.sessionToken,
    },
  };
}

type AwsFailure = Error & { name: string; $metadata?: { httpStatusCode?: number; attempts?: number } };

async function rejection(promise: Promise<unknown>): Promise<AwsFailure> {
  try {
    await promise;
  } catch (error) {
    return error as AwsFailure;
  }
  assert.fail('expected the call to fail');
}

async function stateOf(client: EC2Client, id: string): Promise<Instance | undefined> {
  const out = await client.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
  return out.Reservations?.[0]?.Instances?.[0];
}

/** The newest CreateGrant record of the caller's trail. */
async function lastGrantRecord(
  emulator: Emulator,
  who: string,
): Promise<{ errorCode?: string; errorMessage?: string }> {
  const trail = new CloudTrailClient(clientConfig(emulator, who));
  const out = await trail.send(
    new LookupEventsCommand({
      LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CreateGrant' }],
      MaxResults: 1,
    }),
  );
  const event = out.Events?.[0]?.CloudTrailEvent;
  assert.ok(event, 'a CreateGrant record');
  return JSON.parse(event) as { errorCode?: string; errorMessage?: string };
}

describe('Authorization like AWS, through the real SDK', function () {
  this.timeout(60_000);

  describe('demo scenario', () => {
    let emulator: Emulator;
    before(async () => {
      emulator = await startEmulator({ scenario: 'demo', launchDelayMs: 0 });
    });
    after(async () => emulator.close());
    beforeEach(() => emulator.reset());

    it('refuses StartInstances to the read-only profile with EC2 wording, and logs the refusal in its trail', async () => {
      const auditor = new EC2Client(clientConfig(emulator, 'dev-auditor'));
      const refused = await rejection(auditor.send(new StartInstancesCommand({ InstanceIds: [DEMO_APP] })));
      assert.equal(refused.name, 'UnauthorizedOperation');
      assert.equal(refused.$metadata?.httpStatusCode, 403);
      const resource = `arn:aws:ec2:${REGION}:${DEV}:instance/${DEMO_APP}`;
      assert.match(
        refused.message,
        new RegExp(
          `^You are not authorized to perform this operation\\. User: arn:aws:iam::${DEV}:user/bob is not authorized to perform: ec2:StartInstances on resource: ${resource} because no identity-based policy allows the ec2:StartInstances action\\. Encoded authorization failure message: \\S+$`,
        ),
      );
      assert.equal((await stateOf(auditor, DEMO_APP))?.State?.Name, 'stopped', 'nothing started');
      const trail = new CloudTrailClient(clientConfig(emulator, 'dev-auditor'));
      const events = await trail.send(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'StartInstances' }],
          MaxResults: 1,
        }),
      );
      const record = JSON.parse(events.Events?.[0]?.CloudTrailEvent ?? '{}') as {
        errorCode?: string;
        userIdentity?: { arn?: string };
        eventSource?: string;
      };
      assert.equal(record.errorCode, 'Client.UnauthorizedOperation');
      assert.equal(record.eventSource, 'ec2.amazonaws.com');
      assert.equal(record.userIdentity?.arn, `arn:aws:iam::${DEV}:user/bob`);
    });

    it('lets every demo profile make the read calls README lists, within what its key policies allow', async () => {
      for (const who of ['dev-admin', 'dev-operator', 'dev-auditor']) {
        const ec2 = new EC2Client(clientConfig(emulator, who));
        assert.ok(((await ec2.send(new DescribeInstancesCommand({}))).Reservations?.length ?? 0) > 5, who);
        await new KMSClient(clientConfig(emulator, who)).send(new DescribeKeyCommand({ KeyId: APP_KEY }));
        await new CloudTrailClient(clientConfig(emulator, who)).send(new LookupEventsCommand({ MaxResults: 1 }));
      }
      await new KMSClient(clientConfig(emulator, 'dev-admin')).send(new GetKeyPolicyCommand({ KeyId: APP_KEY }));
      // The operator uses keys through EC2: the platform key delegates to IAM, whose policy allows
      // kms:CreateGrant when kms:GrantIsForAWSResource is true, which EC2's grant request carries.
      const operator = new EC2Client(clientConfig(emulator, 'dev-operator'));
      await operator.send(new StopInstancesCommand({ InstanceIds: [DEMO_WEB] }));
      await operator.send(new StartInstancesCommand({ InstanceIds: [DEMO_WEB] }));
      assert.equal((await stateOf(operator, DEMO_WEB))?.State?.Name, 'running');
    });

    it('refuses GetKeyPolicy to a role the key policy does not name for it, with no delegation to IAM; the diagnosis finishes at medium confidence', async () => {
      const refused = await rejection(
        new KMSClient(clientConfig(emulator, 'dev-operator')).send(new GetKeyPolicyCommand({ KeyId: APP_KEY })),
      );
      assert.equal(refused.name, 'AccessDeniedException');
      assert.equal(
        refused.message,
        `User: ${OPERATOR_SESSION} is not authorized to perform: kms:GetKeyPolicy on resource: ${APP_KEY} because no resource-based policy allows the kms:GetKeyPolicy action`,
      );
      // The same role may DescribeKey: the key policy names it for that action.
      const key = await new KMSClient(clientConfig(emulator, 'dev-operator')).send(
        new DescribeKeyCommand({ KeyId: APP_KEY }),
      );
      assert.equal(key.KeyMetadata?.KeyState, 'Enabled');

      assert.ok(existsSync(CLI), 'dist/cli.js is missing: run npm run build');
      const dir = mkdtempSync(path.join(tmpdir(), 'ec2ld-authz-'));
      try {
        const files = writeAwsConfig(dir, emulator, emulator.scenario);
        const env = {
          PATH: process.env.PATH ?? '',
          HOME: dir,
          AWS_CONFIG_FILE: files.configFile,
          AWS_SHARED_CREDENTIALS_FILE: files.credentialsFile,
        };
        const stdout = await new Promise<string>((resolve) =>
          execFile(
            process.execPath,
            [
              CLI,
              'diagnose',
              '--profile',
              'dev-operator',
              '--region',
              REGION,
              '--instance',
              DEMO_APP,
              '--format',
              'json',
            ],
            { env },
            (_error, out) => resolve(out),
          ),
        );
        const report = JSON.parse(stdout) as {
          verdict: { code: string; confidence: string; caveats?: string[] };
          steps: { name: string; status: string; nextStep?: string }[];
        };
        assert.equal(report.verdict.code, 'kms-create-grant-not-allowed');
        assert.equal(report.verdict.confidence, 'medium', 'a key policy it could not read lowers the confidence');
        const keyStep = report.steps.find((s) => s.name === 'key-policy');
        assert.equal(keyStep?.status, 'error');
        assert.match(keyStep?.nextStep ?? '', /kms:GetKeyPolicy/, 'says which permission would let the check run');
        assert.ok(report.verdict.caveats?.some((c) => c.includes('kms:GetKeyPolicy')));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('issues AssumeRole credentials that work, and refuses them without their session token', async () => {
      const sts = new STSClient(clientConfig(emulator, 'dev-admin'));
      const out = await sts.send(
        new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${DEV}:role/Operator`, RoleSessionName: 'audit' }),
      );
      const c = out.Credentials;
      assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken);
      assert.notEqual(
        c.AccessKeyId,
        emulator.scenario.principals.find((p) => p.name === 'dev-operator')?.accessKeyId,
        "fresh keys, not the scenario's",
      );
      const credentials = {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
      };
      const identity = await new STSClient(clientConfig(emulator, 'dev-admin', { credentials })).send(
        new GetCallerIdentityCommand({}),
      );
      assert.equal(identity.Arn, `arn:aws:sts::${DEV}:assumed-role/Operator/audit`);
      const noToken = await rejection(
        new KMSClient(
          clientConfig(emulator, 'dev-admin', { credentials: { ...credentials, sessionToken: undefined } }),
        ).send(new DescribeKeyCommand({ KeyId: APP_KEY })),
      );
      assert.equal(noToken.name, 'UnrecognizedClientException');
      // Once the session expires, every service answers its expired-token error.
      const expiry = (await (await fetch(`${emulator.url}/__emulator/sessions/expire`, { method: 'POST' })).json()) as {
        expired: number;
      };
      assert.equal(expiry.expired, 1);
      const expired = await rejection(
        new KMSClient(clientConfig(emulator, 'dev-admin', { credentials })).send(
          new DescribeKeyCommand({ KeyId: APP_KEY }),
        ),
      );
      assert.equal(expired.name, 'ExpiredTokenException');
      const expiredSts = await rejection(
        new STSClient(clientConfig(emulator, 'dev-admin', { credentials })).send(new GetCallerIdentityCommand({})),
      );
      assert.equal(expiredSts.name, 'ExpiredToken');
      // The auditor may not assume the role: its identity policies do not allow sts:AssumeRole.
      const refused = await rejection(
        new STSClient(clientConfig(emulator, 'dev-auditor')).send(
          new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${DEV}:role/Operator`, RoleSessionName: 'x' }),
        ),
      );
      assert.equal(refused.name, 'AccessDenied');
      assert.match(
        refused.message,
        /is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111111111111:role\/Operator because no identity-based policy allows the sts:AssumeRole action$/,
      );
    });

    it("refuses a wrong secret key with each service's code, repeating the canonical request where AWS does", async () => {
      const admin = emulator.scenario.principals.find((p) => p.name === 'dev-admin')!;
      const credentials = { accessKeyId: admin.accessKeyId, secretAccessKey: 'not-the-secret-key-of-this-access-key' };
      const kms = await rejection(
        new KMSClient(clientConfig(emulator, admin, { credentials })).send(new DescribeKeyCommand({ KeyId: APP_KEY })),
      );
      assert.equal(kms.name, 'InvalidSignatureException');
      assert.match(kms.message, /^The request signature we calculated does not match the signature you provided\./);
      assert.match(kms.message, /The Canonical String for this request should have been\n'POST\n\/\n/);
      assert.match(
        kms.message,
        /The String-to-Sign should have been\n'AWS4-HMAC-SHA256\n\d{8}T\d{6}Z\n\d{8}\/eu-west-1\/kms\/aws4_request\n[0-9a-f]{64}'/,
      );
      const sts = await rejection(
        new STSClient(clientConfig(emulator, admin, { credentials })).send(new GetCallerIdentityCommand({})),
      );
      assert.equal(sts.name, 'SignatureDoesNotMatch');
      assert.equal(sts.$metadata?.httpStatusCode, 403);
      const ec2 = await rejection(
        new EC2Client(clientConfig(emulator, admin, { credentials })).send(new DescribeInstancesCommand({})),
      );
      assert.equal(ec2.name, 'AuthFailure');
      const iam = await rejection(
        new IAMClient(clientConfig(emulator, admin, { credentials })).send(
          new SimulatePrincipalPolicyCommand({ PolicySourceArn: admin.arn, ActionNames: ['ec2:StartInstances'] }),
        ),
      );
      assert.equal(iam.name, 'SignatureDoesNotMatch');
    });

    it('refuses a wrong or missing session token as an unknown credential', async () => {
      const operator = emulator.scenario.principals.find((p) => p.name === 'dev-operator')!;
      const wrong = {
        accessKeyId: operator.accessKeyId,
        secretAccessKey: operator.secretAccessKey,
        sessionToken: 'another-token',
      };
      const missing = { accessKeyId: operator.accessKeyId, secretAccessKey: operator.secretAccessKey };
      assert.equal(
        (
          await rejection(
            new KMSClient(clientConfig(emulator, operator, { credentials: wrong })).send(
              new DescribeKeyCommand({ KeyId: APP_KEY }),
            ),
          )
        ).name,
        'UnrecognizedClientException',
      );
      assert.equal(
        (
          await rejection(
            new STSClient(clientConfig(emulator, operator, { credentials: missing })).send(
              new GetCallerIdentityCommand({}),
            ),
          )
        ).name,
        'InvalidClientTokenId',
      );
      assert.equal(
        (
          await rejection(
            new EC2Client(clientConfig(emulator, operator, { credentials: missing })).send(
              new DescribeInstancesCommand({}),
            ),
          )
        ).name,
        'AuthFailure',
      );
      const trail = await rejection(
        new CloudTrailClient(clientConfig(emulator, operator, { credentials: wrong })).send(
          new LookupEventsCommand({}),
        ),
      );
      assert.equal(trail.name, 'UnrecognizedClientException');
    });

    it('refuses a request signed with a skewed clock; the SDK corrects its clock from the answer and retries', async () => {
      const skew = -15 * 60_000;
      const kms = await rejection(
        new KMSClient(clientConfig(emulator, 'dev-admin', { systemClockOffset: skew })).send(
          new DescribeKeyCommand({ KeyId: APP_KEY }),
        ),
      );
      assert.equal(kms.name, 'InvalidSignatureException');
      assert.match(
        kms.message,
        /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/,
      );
      const ec2 = await rejection(
        new EC2Client(clientConfig(emulator, 'dev-admin', { systemClockOffset: skew })).send(
          new DescribeInstancesCommand({}),
        ),
      );
      assert.equal(ec2.name, 'RequestExpired');
      const sts = await rejection(
        new STSClient(clientConfig(emulator, 'dev-admin', { systemClockOffset: -skew })).send(
          new GetCallerIdentityCommand({}),
        ),
      );
      assert.equal(sts.name, 'SignatureDoesNotMatch');
      assert.match(sts.message, /^Signature not yet current:/);
      const recovered = await new KMSClient(
        clientConfig(emulator, 'dev-admin', { systemClockOffset: skew, maxAttempts: 3 }),
      ).send(new DescribeKeyCommand({ KeyId: APP_KEY }));
      assert.equal(recovered.KeyMetadata?.Arn, APP_KEY);
      assert.equal(recovered.$metadata.attempts, 2);
    });

    it('answers DryRun with DryRunOperation when allowed and UnauthorizedOperation when not', async () => {
      const dryRun = await rejection(
        new EC2Client(clientConfig(emulator, 'dev-operator')).send(
          new StopInstancesCommand({ InstanceIds: [DEMO_WEB], DryRun: true }),
        ),
      );
      assert.equal(dryRun.name, 'DryRunOperation');
      assert.equal(
        (await stateOf(new EC2Client(clientConfig(emulator, 'dev-operator')), DEMO_WEB))?.State?.Name,
        'running',
        'a dry run changes nothing',
      );
      const refused = await rejection(
        new EC2Client(clientConfig(emulator, 'dev-auditor')).send(
          new StopInstancesCommand({ InstanceIds: [DEMO_WEB], DryRun: true }),
        ),
      );
      assert.equal(refused.name, 'UnauthorizedOperation');
    });
  });

  describe('organization policies, boundaries, session policies and orphaned principals', () => {
    const ORG = 'o-exampleorg01';
    let emulator: Emulator;
    let ids: Record<string, string>;
    let keys: Record<string, string>;

    before(async () => {
      const b = new ScenarioBuilder('authorization', 0).account(DEV).account(SEC).region(REGION).region('us-east-1');
      const ops = allowPolicy('Ops', [
        'ec2:*',
        'kms:CreateGrant',
        'kms:DescribeKey',
        'kms:GetKeyPolicy',
        'cloudtrail:LookupEvents',
      ]);
      b.principal({
        name: 'scp-bound',
        account: DEV,
        arn: `arn:aws:iam::${DEV}:role/ScpBound`,
        sessionName: 's',
        policies: [ops],
      });
      b.principal({
        name: 'bounded',
        account: DEV,
        arn: `arn:aws:iam::${DEV}:role/Bounded`,
        sessionName: 's',
        policies: [ops],
        permissionsBoundary: allowPolicy('Ec2OnlyBoundary', ['ec2:*', 'cloudtrail:LookupEvents']),
      });
      b.principal({
        name: 'boundary-deny',
        account: DEV,
        arn: `arn:aws:iam::${DEV}:role/BoundaryDeny`,
        sessionName: 's',
        policies: [ops],
        permissionsBoundary: {
          name: 'NoKeyPolicies',
          document: {
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Action: '*', Resource: '*' },
              { Effect: 'Deny', Action: 'kms:GetKeyPolicy', Resource: '*' },
            ],
          },
        },
      });
      b.principal({
        name: 'scoped-session',
        account: DEV,
        arn: `arn:aws:iam::${DEV}:role/Scoped`,
        sessionName: 's',
        policies: [ops],
        sessionPolicy: allowPolicy('session', ['ec2:Describe*']).document,
      });
      b.principal({
        name: 'denying-session',
        account: DEV,
        arn: `arn:aws:iam::${DEV}:role/DenyingSession`,
        sessionName: 's',
        policies: [ops],
        sessionPolicy: {
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: '*', Resource: '*' },
            { Effect: 'Deny', Action: 'kms:DescribeKey', Resource: '*' },
          ],
        },
      });
      b.principal({ name: 'grouped', account: DEV, groups: ['readers'] });
      b.principal({ name: 'admin', account: DEV, policies: [adminPolicy()] });
      b.principal({ name: 'sec-admin', account: SEC, policies: [adminPolicy()] });
      // Keys: one with delegation, one whose policy kept a deleted role's unique id, one in the other account.
      const delegated = b.key({ account: DEV, region: REGION });
      const orphanPolicy = keyPolicy(DEV, {
        Sid: 'Former operators',
        Effect: 'Allow',
        Principal: { AWS: 'AROAQDELETEDROLE00001' },
        Action: 'kms:*',
        Resource: '*',
      });
      const orphaned = b.key({ account: DEV, region: REGION, policy: orphanPolicy });
      const remote = b.key({
        account: SEC,
        region: REGION,
        policy: keyPolicy(SEC, {
          Sid: 'Dev use',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${DEV}:root` },
          Action: 'kms:*',
          Resource: '*',
        }),
      });
      const mrk = b.key({
        account: DEV,
        region: REGION,
        id: 'mrk-1234abcd12ab34cd56ef1234567890ab',
        multiRegion: true,
      });
      // Keys without delegation whose only grant statement is conditioned on EC2's request context.
      const viaEc2 = (region: string): Record<string, unknown> => ({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'Admin',
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${DEV}:user/admin` },
            Action: ['kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:PutKeyPolicy'],
            Resource: '*',
          },
          {
            Sid: 'Grants through EC2',
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${DEV}:user/admin` },
            Action: 'kms:CreateGrant',
            Resource: '*',
            Condition: {
              StringEquals: { 'kms:ViaService': `ec2.${region}.amazonaws.com`, 'kms:CallerAccount': DEV },
              Bool: { 'kms:GrantIsForAWSResource': 'true' },
            },
          },
        ],
      });
      const lockable = b.key({ account: DEV, region: REGION });
      const viaHere = b.key({ account: DEV, region: REGION, policy: viaEc2(REGION) });
      const viaElsewhere = b.key({ account: DEV, region: REGION, policy: viaEc2('us-east-1') });
      const scenario = b.build();
      scenario.groups = [{ name: 'readers', account: DEV, policies: [allowPolicy('ReadEc2', ['ec2:Describe*'])] }];
      scenario.organization = {
        id: ORG,
        accounts: [DEV, SEC],
        serviceControlPolicies: [
          {
            name: 'KmsAndCloudTrailOnly',
            targets: [SEC],
            document: {
              Version: '2012-10-17',
              Statement: [{ Effect: 'Allow', Action: ['kms:*', 'cloudtrail:*'], Resource: '*' }],
            },
          },
          {
            name: 'NoGrantsForScpBound',
            targets: [DEV],
            document: {
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Deny',
                  Action: ['kms:CreateGrant', 'ec2:StopInstances'],
                  Resource: '*',
                  Condition: { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${DEV}:role/ScpBound` } },
                },
              ],
            },
          },
        ],
        // acme-security runs on an allow list: FullAWSAccess detached, only KMS and CloudTrail allowed.
        detachFullAwsAccess: [SEC],
        resourceControlPolicies: [
          {
            name: 'KeysStayInTheOrganization',
            targets: [SEC],
            document: {
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Deny',
                  Principal: '*',
                  Action: 'kms:*',
                  Resource: '*',
                  Condition: { StringNotEquals: { 'aws:PrincipalAccount': SEC } },
                },
              ],
            },
          },
        ],
      };
      keys = {
        delegated: delegated.arn,
        orphaned: orphaned.arn,
        remote: remote.arn,
        mrk: mrk.arn,
        viaHere: viaHere.arn,
        lockable: lockable.arn,
        viaElsewhere: viaElsewhere.arn,
        deleted: `arn:aws:kms:${REGION}:${DEV}:key/0deleted-0000-4000-8000-000000000000`,
      };
      scenario.deletedKeys = [keys.deleted];
      ids = {};
      const add = (name: string, kmsKeyId: string): void => {
        const volumeId = `vol-0a${String(scenario.volumes.length).padStart(15, '0')}`;
        const instanceId = `i-0a${String(scenario.instances.length).padStart(15, '0')}`;
        scenario.volumes.push({ id: volumeId, account: DEV, region: REGION, encrypted: true, kmsKeyId });
        scenario.instances.push({
          id: instanceId,
          account: DEV,
          region: REGION,
          state: 'stopped',
          blockDevices: [{ deviceName: '/dev/xvda', volumeId }],
        });
        ids[name] = instanceId;
      };
      add('delegated', keys.delegated);
      add('orphaned', keys.orphaned);
      add('remote', keys.remote);
      add('deleted', keys.deleted);
      add('viaHere', keys.viaHere);
      add('viaElsewhere', keys.viaElsewhere);
      emulator = await startEmulator({ scenario });
    });
    after(async () => emulator?.close());

    it("EC2's grant carries kms:ViaService, kms:CallerAccount and kms:GrantIsForAWSResource, which key policies can require", async () => {
      const client = new EC2Client(clientConfig(emulator, 'admin'));
      await client.send(new StartInstancesCommand({ InstanceIds: [ids.viaHere, ids.viaElsewhere] }));
      assert.equal(
        (await stateOf(client, ids.viaHere))?.State?.Name,
        'running',
        'the grant came through EC2 in this region',
      );
      assert.equal(
        (await stateOf(client, ids.viaElsewhere))?.State?.Name,
        'stopped',
        'the key policy wants EC2 of another region',
      );
      const trail = new CloudTrailClient(clientConfig(emulator, 'admin'));
      const events = await trail.send(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CreateGrant' }],
          MaxResults: 10,
        }),
      );
      const records = (events.Events ?? []).map(
        (e) =>
          JSON.parse(e.CloudTrailEvent ?? '{}') as { errorMessage?: string; requestParameters?: { keyId?: string } },
      );
      const refused = records.find((r) => r.requestParameters?.keyId === keys.viaElsewhere);
      assert.match(refused?.errorMessage ?? '', /because no resource-based policy allows the kms:CreateGrant action$/);
      assert.equal(records.find((r) => r.requestParameters?.keyId === keys.viaHere)?.errorMessage, undefined);
      await client.send(new StopInstancesCommand({ InstanceIds: [ids.viaHere] }));
    });

    it("an SCP Deny refuses EC2's grant at launch and a direct call, in SCP wording", async () => {
      const client = new EC2Client(clientConfig(emulator, 'scp-bound'));
      await client.send(new StartInstancesCommand({ InstanceIds: [ids.delegated] }));
      assert.equal((await stateOf(client, ids.delegated))?.State?.Name, 'stopped');
      const record = await lastGrantRecord(emulator, 'scp-bound');
      assert.equal(record.errorCode, 'AccessDenied');
      assert.match(
        record.errorMessage ?? '',
        /kms:CreateGrant on resource: arn:aws:kms:\S+ with an explicit deny in a service control policy$/,
      );
      const stop = await rejection(client.send(new StopInstancesCommand({ InstanceIds: [ids.delegated] })));
      assert.equal(stop.name, 'UnauthorizedOperation');
      assert.match(
        stop.message,
        /ec2:StopInstances on resource: \S+ with an explicit deny in a service control policy\. Encoded authorization failure message:/,
      );
      // Other principals of the account are not affected by this SCP.
      const admin = new EC2Client(clientConfig(emulator, 'admin'));
      await admin.send(new StartInstancesCommand({ InstanceIds: [ids.delegated] }));
      assert.equal((await stateOf(admin, ids.delegated))?.State?.Name, 'running');
      await admin.send(new StopInstancesCommand({ InstanceIds: [ids.delegated] }));
    });

    it('a permissions boundary without kms:CreateGrant stops the launch; a boundary Deny refuses GetKeyPolicy', async () => {
      const client = new EC2Client(clientConfig(emulator, 'bounded'));
      await client.send(new StartInstancesCommand({ InstanceIds: [ids.delegated] }));
      assert.equal((await stateOf(client, ids.delegated))?.State?.Name, 'stopped');
      const record = await lastGrantRecord(emulator, 'bounded');
      assert.match(record.errorMessage ?? '', /because no permissions boundary allows the kms:CreateGrant action$/);
      const denied = await rejection(
        new KMSClient(clientConfig(emulator, 'boundary-deny')).send(new GetKeyPolicyCommand({ KeyId: keys.delegated })),
      );
      assert.equal(denied.name, 'AccessDeniedException');
      assert.match(denied.message, /with an explicit deny in a permissions boundary$/);
      const iam = new IAMClient(clientConfig(emulator, 'admin'));
      const simulated = await iam.send(
        new SimulatePrincipalPolicyCommand({
          PolicySourceArn: `arn:aws:iam::${DEV}:role/Bounded`,
          ActionNames: ['kms:CreateGrant'],
          ResourceArns: [keys.delegated],
        }),
      );
      assert.equal(simulated.EvaluationResults?.[0]?.EvalDecision, 'implicitDeny');
      assert.equal(
        simulated.EvaluationResults?.[0]?.PermissionsBoundaryDecisionDetail?.AllowedByPermissionsBoundary,
        false,
      );
    });

    it('a session policy limits the session to what it allows', async () => {
      const kms = await rejection(
        new KMSClient(clientConfig(emulator, 'scoped-session')).send(new DescribeKeyCommand({ KeyId: keys.delegated })),
      );
      assert.equal(kms.name, 'AccessDeniedException');
      assert.match(kms.message, /because no session policy allows the kms:DescribeKey action$/);
      const listed = await new EC2Client(clientConfig(emulator, 'scoped-session')).send(
        new DescribeInstancesCommand({}),
      );
      assert.ok((listed.Reservations?.length ?? 0) >= 4);
    });

    it('an explicit Deny in a session policy is worded as AWS writes it ("sessions policy")', async () => {
      const refused = await rejection(
        new KMSClient(clientConfig(emulator, 'denying-session')).send(
          new DescribeKeyCommand({ KeyId: keys.delegated }),
        ),
      );
      assert.match(refused.message, /with an explicit deny in a sessions policy$/);
    });

    it('an SCP allow list without the action reads as an explicit SCP deny, as AWS words it', async () => {
      const refused = await rejection(
        new EC2Client(clientConfig(emulator, 'sec-admin')).send(new DescribeInstancesCommand({})),
      );
      assert.equal(refused.name, 'UnauthorizedOperation');
      assert.match(
        refused.message,
        /ec2:DescribeInstances with an explicit deny in a service control policy\. Encoded/,
      );
      await new KMSClient(clientConfig(emulator, 'sec-admin')).send(new DescribeKeyCommand({ KeyId: keys.remote }));
    });

    it('group policies apply to their members', async () => {
      const listed = await new EC2Client(clientConfig(emulator, 'grouped')).send(new DescribeInstancesCommand({}));
      assert.ok((listed.Reservations?.length ?? 0) >= 4);
      const start = await rejection(
        new EC2Client(clientConfig(emulator, 'grouped')).send(
          new StartInstancesCommand({ InstanceIds: [ids.delegated] }),
        ),
      );
      assert.equal(start.name, 'UnauthorizedOperation');
      // Outside the group's policies each service refuses with its own code.
      const trail = await rejection(
        new CloudTrailClient(clientConfig(emulator, 'grouped')).send(new LookupEventsCommand({})),
      );
      assert.equal(trail.name, 'AccessDeniedException');
      assert.match(
        trail.message,
        /is not authorized to perform: cloudtrail:LookupEvents because no identity-based policy allows the cloudtrail:LookupEvents action$/,
      );
      const simulate = await rejection(
        new IAMClient(clientConfig(emulator, 'grouped')).send(
          new SimulatePrincipalPolicyCommand({
            PolicySourceArn: `arn:aws:iam::${DEV}:user/grouped`,
            ActionNames: ['ec2:StartInstances'],
          }),
        ),
      );
      assert.equal(simulate.name, 'AccessDenied');
      assert.equal(simulate.$metadata?.httpStatusCode, 403);
    });

    it('a resource control policy refuses other accounts the key even when its key policy allows them', async () => {
      const refused = await rejection(
        new KMSClient(clientConfig(emulator, 'admin')).send(new DescribeKeyCommand({ KeyId: keys.remote })),
      );
      assert.equal(refused.name, 'AccessDeniedException');
      assert.match(refused.message, /with an explicit deny in a resource control policy$/);
      const owner = await new KMSClient(clientConfig(emulator, 'sec-admin')).send(
        new DescribeKeyCommand({ KeyId: keys.remote }),
      );
      assert.equal(owner.KeyMetadata?.AWSAccountId, SEC);
    });

    it('an orphaned principal in a key policy grants nothing, and KMS refuses to store a policy that still holds it', async () => {
      const admin = new KMSClient(clientConfig(emulator, 'admin'));
      const text = (await admin.send(new GetKeyPolicyCommand({ KeyId: keys.orphaned }))).Policy ?? '';
      assert.match(text, /AROAQDELETEDROLE00001/);
      const withFix = JSON.parse(text) as { Statement: unknown[] };
      withFix.Statement.push({
        Sid: 'Grants',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${DEV}:role/ScpBound` },
        Action: 'kms:CreateGrant',
        Resource: '*',
      });
      const refused = await rejection(
        admin.send(new PutKeyPolicyCommand({ KeyId: keys.orphaned, Policy: JSON.stringify(withFix) })),
      );
      assert.equal(refused.name, 'MalformedPolicyDocumentException');
      assert.equal(refused.message, 'Policy contains a statement with one or more invalid principals.');
      const unknownRole = await rejection(
        admin.send(
          new PutKeyPolicyCommand({
            KeyId: keys.delegated,
            Policy: JSON.stringify(
              keyPolicy(DEV, {
                Effect: 'Allow',
                Principal: { AWS: `arn:aws:iam::${DEV}:role/NoSuchRole` },
                Action: 'kms:Decrypt',
                Resource: '*',
              }),
            ),
          }),
        ),
      );
      assert.equal(unknownRole.name, 'MalformedPolicyDocumentException');
      withFix.Statement = withFix.Statement.filter((s) => !JSON.stringify(s).includes('AROAQDELETEDROLE00001'));
      await admin.send(new PutKeyPolicyCommand({ KeyId: keys.orphaned, Policy: JSON.stringify(withFix) }));
    });

    it('refuses a key policy that would lock its author out, unless told to bypass the check', async () => {
      const admin = new KMSClient(clientConfig(emulator, 'admin'));
      const lockout = JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${DEV}:role/Bounded` },
            Action: 'kms:Decrypt',
            Resource: '*',
          },
        ],
      });
      const refused = await rejection(admin.send(new PutKeyPolicyCommand({ KeyId: keys.lockable, Policy: lockout })));
      assert.equal(refused.name, 'MalformedPolicyDocumentException');
      await admin.send(
        new PutKeyPolicyCommand({ KeyId: keys.lockable, Policy: lockout, BypassPolicyLockoutSafetyCheck: true }),
      );
      // KMS warned: now nobody, the account administrator included, may read or change the policy.
      const locked = await rejection(admin.send(new GetKeyPolicyCommand({ KeyId: keys.lockable })));
      assert.equal(locked.name, 'AccessDeniedException');
      assert.match(locked.message, /because no resource-based policy allows the kms:GetKeyPolicy action$/);
    });

    it('a volume whose key was deleted fails its launch with NotFoundException; DescribeKey says the key does not exist', async () => {
      const client = new EC2Client(clientConfig(emulator, 'admin'));
      await client.send(new StartInstancesCommand({ InstanceIds: [ids.deleted] }));
      const instance = await stateOf(client, ids.deleted);
      assert.equal(instance?.State?.Name, 'stopped');
      assert.equal(instance?.StateReason?.Code, 'Client.InternalError');
      const record = await lastGrantRecord(emulator, 'admin');
      assert.equal(record.errorCode, 'NotFoundException');
      const missing = await rejection(
        new KMSClient(clientConfig(emulator, 'admin')).send(new DescribeKeyCommand({ KeyId: keys.deleted })),
      );
      assert.equal(missing.name, 'NotFoundException');
    });

    it('describes a multi-Region key as KMS does', async () => {
      const out = await new KMSClient(clientConfig(emulator, 'admin')).send(
        new DescribeKeyCommand({ KeyId: keys.mrk }),
      );
      assert.equal(out.KeyMetadata?.MultiRegion, true);
      assert.equal(out.KeyMetadata?.MultiRegionConfiguration?.MultiRegionKeyType, 'PRIMARY');
      assert.equal(out.KeyMetadata?.MultiRegionConfiguration?.PrimaryKey?.Arn, keys.mrk);
    });

    it('pages SimulatePrincipalPolicy and reports missing context per resource', async () => {
      const iam = new IAMClient(clientConfig(emulator, 'admin'));
      const input = {
        PolicySourceArn: `arn:aws:iam::${DEV}:role/ScpBound`,
        ActionNames: ['kms:CreateGrant', 'kms:DescribeKey', 'ec2:StartInstances'],
        ResourceArns: [keys.delegated, keys.orphaned],
        ContextEntries: [
          {
            ContextKeyName: 'aws:PrincipalArn',
            ContextKeyType: 'string' as const,
            ContextKeyValues: [`arn:aws:iam::${DEV}:role/ScpBound`],
          },
        ],
        MaxItems: 4,
      };
      const first = await iam.send(new SimulatePrincipalPolicyCommand(input));
      assert.equal(first.IsTruncated, true);
      assert.equal(first.EvaluationResults?.length, 4);
      const second = await iam.send(new SimulatePrincipalPolicyCommand({ ...input, Marker: first.Marker }));
      assert.equal(second.IsTruncated, false);
      assert.equal(second.EvaluationResults?.length, 2);
      const grant = first.EvaluationResults?.[0];
      assert.equal(grant?.EvalActionName, 'kms:CreateGrant');
      assert.equal(grant?.EvalDecision, 'explicitDeny', 'the SCP denies it');
      assert.equal(grant?.OrganizationsDecisionDetail?.AllowedByOrganizations, false);
      assert.equal(grant?.ResourceSpecificResults?.[0]?.EvalResourceName, keys.delegated);
      assert.deepEqual(grant?.MissingContextValues, [], 'with ResourceArns, missing context is reported per resource');
      assert.deepEqual(grant?.ResourceSpecificResults?.[0]?.MissingContextValues, []);
      assert.deepEqual(grant?.EvalDecisionDetails ?? {}, {}, 'same-account: present but empty');
      const describe = first.EvaluationResults?.[2];
      assert.equal(describe?.EvalActionName, 'kms:DescribeKey');
      assert.equal(describe?.EvalDecision, 'allowed');
      assert.equal(describe?.MatchedStatements?.[0]?.SourcePolicyId, 'Ops');
    });
  });
});
