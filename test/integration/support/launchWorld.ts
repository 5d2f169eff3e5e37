/**
 * What the integration tests over an emulator scenario share: an emulator started on the
 * scenario with an AWS config for its principals in a temporary home; the names the
 * `autoscaling` scenario gives its account, admin, group, key and service-linked role; the
 * launches a caller makes through the real SDK; and the key policy change the editor makes once
 * the person confirms a fix. The checks stay in the tests: nothing here asserts more than that
 * an AWS call answered.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateFleetCommand,
  RunInstancesCommand,
  type CreateFleetCommandInput,
  type CreateFleetCommandOutput,
  type RunInstancesCommandInput,
  type RunInstancesCommandOutput,
} from '@aws-sdk/client-ec2';
import { GetKeyPolicyCommand, PutKeyPolicyCommand } from '@aws-sdk/client-kms';
import { AwsSession } from '../../../src/aws';
import { describeInstancesById } from '../../../src/aws/ec2';
import type { KeyPolicyFix } from '../../../src/core/diagnosis';
import type { InstanceSummary, Outcome } from '../../../src/core/model';
import { startEmulator, writeAwsConfig, type Emulator, type NamedPolicy, type Scenario } from '../../emulator';

// The names test/emulator/scenarios/autoscaling.json gives them.
export const REGION = 'us-west-2';
export const ACCOUNT = '333333333333';
/** The account's administrator (user dana). */
export const ADMIN = 'platform-admin';
export const GROUP = 'eks-nodes-asg';
/** The template the group launches, whose root volume is encrypted with KEY_ARN. */
export const LAUNCH_TEMPLATE_ID = 'lt-0a1b2c3d4e5f60001';
export const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/5c466b7d-0001-4abc-8def-000000000001`;
export const SLR_ARN = autoScalingRoleArn(ACCOUNT);

/** The ARN of Auto Scaling's service-linked role in `account`, the principal of a group's launches. */
export function autoScalingRoleArn(account: string): string {
  return `arn:aws:iam::${account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;
}

/** The value of a call that must succeed; a failure fails the test with its kind and message. */
export function value<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) assert.fail(`${outcome.error.kind}: ${outcome.error.message}`);
  return outcome.value;
}

/** An identity policy that allows `actions` on every resource. */
export function allowing(name: string, actions: string | string[]): NamedPolicy {
  return {
    name,
    document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] },
  };
}

/** A key policy that only delegates to the key's own account (the default key policy of KMS). */
export function ownAccountKeyPolicy(account: string): unknown {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Enable IAM User Permissions',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${account}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
    ],
  };
}

export interface LaunchWorld {
  readonly emulator: Emulator;
  readonly session: AwsSession;
}

/**
 * Registers the suite's `before` and `after` hooks: before, the emulator starts on `scenario()`
 * with launches that settle at once, and a session reads the AWS config written for its
 * principals into a temporary home; after, all of it goes. The world is there from the first test.
 */
export function useLaunchWorld(name: string, scenario: () => Scenario): LaunchWorld {
  let home: string | undefined;
  let emulator: Emulator | undefined;
  let session: AwsSession | undefined;

  before(async () => {
    home = mkdtempSync(join(tmpdir(), `eld-${name}-`));
    const world = scenario();
    emulator = await startEmulator({ scenario: world, launchDelayMs: 0 });
    const files = writeAwsConfig(home, emulator, world);
    session = new AwsSession({ configFile: files.configFile, credentialsFile: files.credentialsFile });
  });

  after(async () => {
    session?.dispose();
    await emulator?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  return {
    get emulator(): Emulator {
      return emulator ?? assert.fail('the emulator starts in the before hook');
    },
    get session(): AwsSession {
      return session ?? assert.fail('the session starts in the before hook');
    },
  };
}

/** RunInstances as `profile` in REGION; the call itself must be accepted. */
export async function runInstances(
  session: AwsSession,
  profile: string,
  input: RunInstancesCommandInput,
): Promise<RunInstancesCommandOutput> {
  return value(await session.send('EC2', profile, REGION, new RunInstancesCommand(input), 'ec2:RunInstances'));
}

/**
 * One instance from the template LAUNCH_TEMPLATE_ID (its default version) by RunInstances as
 * `profile`: what RunInstances answered, and the instance as the administrator then reads it. Whether
 * it runs is the test's to check.
 */
export async function launchFromTemplate(
  session: AwsSession,
  profile: string,
): Promise<{ output: RunInstancesCommandOutput; instance: InstanceSummary | undefined }> {
  const output = await runInstances(session, profile, {
    LaunchTemplate: { LaunchTemplateId: LAUNCH_TEMPLATE_ID },
    MinCount: 1,
    MaxCount: 1,
  });
  const id = output.Instances?.[0]?.InstanceId ?? assert.fail('RunInstances names the instance it launched');
  const [instance] = value(await describeInstancesById(session, ADMIN, REGION, [id]));
  return { output, instance };
}

/** CreateFleet as `profile` in REGION; the call itself must be accepted. */
export async function createFleet(
  session: AwsSession,
  profile: string,
  input: CreateFleetCommandInput,
): Promise<CreateFleetCommandOutput> {
  return value(await session.send('EC2', profile, REGION, new CreateFleetCommand(input), 'ec2:CreateFleet'));
}

/**
 * Applies key policy fixes to the default policy of a key in REGION as `profile`, as the editor
 * does after the person confirms them: GetKeyPolicy, the fixes' statements added at the end,
 * PutKeyPolicy.
 */
export async function applyKeyPolicyFixes(
  session: AwsSession,
  profile: string,
  keyArn: string,
  fixes: readonly KeyPolicyFix[],
): Promise<void> {
  const current = value(
    await session.send(
      'KMS',
      profile,
      REGION,
      new GetKeyPolicyCommand({ KeyId: keyArn, PolicyName: 'default' }),
      'kms:GetKeyPolicy',
    ),
  );
  const policy = JSON.parse(current.Policy ?? '{}') as { Statement: unknown[] };
  policy.Statement.push(...fixes.map((f) => f.statement));
  value(
    await session.send(
      'KMS',
      profile,
      REGION,
      new PutKeyPolicyCommand({ KeyId: keyArn, PolicyName: 'default', Policy: JSON.stringify(policy) }),
      'kms:PutKeyPolicy',
    ),
  );
}
