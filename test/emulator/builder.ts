/**
 * Builds scenarios in code, for tests and benchmarks that need thousands of instances or
 * profiles. Ids are deterministic so two runs of a test see the same world.
 */
import {
  callerArnOf,
  keyArnOf,
  uniqueIdOf,
  type NamedPolicy,
  type Scenario,
  type ScenarioInstance,
  type ScenarioKey,
  type ScenarioPrincipal,
  type ScenarioVolume,
} from './scenario';

const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0').slice(-width);

/** The delegation statement every customer managed key gets by default (src/domain.md section 4). */
export function delegationStatement(account: string): Record<string, unknown> {
  return {
    Sid: 'Enable IAM User Permissions',
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${account}:root` },
    Action: 'kms:*',
    Resource: '*',
  };
}

/** A key policy: the account delegation plus any extra statements. */
export function keyPolicy(account: string, ...statements: Record<string, unknown>[]): Record<string, unknown> {
  return { Version: '2012-10-17', Id: 'key-default-1', Statement: [delegationStatement(account), ...statements] };
}

/**
 * A key policy statement that lets `principalArn` have EC2 create grants, for tests that set up
 * a key policy. It is not AWS behaviour: a test of the product's own fix builds the statement
 * with the product's builder, never with this one.
 */
export function createGrantFixStatement(principalArn: string): Record<string, unknown> {
  return {
    Sid: 'AllowEC2GrantsForEncryptedVolumes',
    Effect: 'Allow',
    Principal: { AWS: principalArn },
    Action: 'kms:CreateGrant',
    Resource: '*',
    Condition: { Bool: { 'kms:GrantIsForAWSResource': true } },
  };
}

/** An identity policy allowing everything: what an administrator carries. */
export function adminPolicy(name = 'AdministratorAccess'): NamedPolicy {
  return { name, document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } };
}

/** An identity policy allowing `actions` on `resources`. */
export function allowPolicy(
  name: string,
  actions: string[],
  resources: string[] = ['*'],
  condition?: Record<string, unknown>,
): NamedPolicy {
  return {
    name,
    document: {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: actions, Resource: resources, ...(condition ? { Condition: condition } : {}) },
      ],
    },
  };
}

export interface BulkInstanceOptions {
  account: string;
  region: string;
  /** Default `running`. */
  state?: ScenarioInstance['state'];
  /** Key (id or ARN) encrypting each instance's root volume; unencrypted when absent. */
  kmsKeyId?: string;
  namePrefix?: string;
}

/** Collects a scenario piece by piece; `build()` returns the plain JSON-able object. */
export class ScenarioBuilder {
  private readonly scenario: Scenario;
  private instanceSeq = 0;
  private volumeSeq = 0;
  private keySeq = 0;
  private principalSeq = 0;

  constructor(name = 'generated', launchDelayMs?: number) {
    this.scenario = {
      name,
      accounts: [],
      regions: [],
      principals: [],
      keys: [],
      volumes: [],
      instances: [],
      ebsDefaults: [],
      trailEvents: [],
    };
    if (launchDelayMs !== undefined) this.scenario.launchDelayMs = launchDelayMs;
  }

  account(id: string, alias?: string, enabledOptInRegions?: string[]): this {
    this.scenario.accounts.push({
      id,
      ...(alias ? { alias } : {}),
      ...(enabledOptInRegions ? { enabledOptInRegions } : {}),
    });
    return this;
  }

  region(name: string, options: { optIn?: boolean; enabled?: boolean } = {}): this {
    this.scenario.regions.push({ name, ...options });
    return this;
  }

  /**
   * Adds a principal. Without `arn` it is an IAM user named after it; with `sessionName`
   * the caller is a session of the role `arn`. Access keys are generated unless given.
   */
  principal(input: Partial<ScenarioPrincipal> & { name: string; account: string }): ScenarioPrincipal {
    const n = ++this.principalSeq;
    const session = input.sessionName !== undefined;
    const principal: ScenarioPrincipal = {
      arn: `arn:aws:iam::${input.account}:user/${input.name}`,
      accessKeyId: `${session ? 'ASIA' : 'AKIA'}EMU${String(n).padStart(13, '0')}`,
      secretAccessKey: `emulatorSecret${String(n).padStart(26, '0')}`,
      ...(session ? { sessionToken: `emulator-session-token-${n}` } : {}),
      ...input,
    };
    this.scenario.principals.push(principal);
    return principal;
  }

  /**
   * Adds `count` IAM users `<prefix>-<n>` with the given policies (for many-profile configs);
   * administrators when no policies are given, since the emulator grants nothing by default.
   */
  principals(
    count: number,
    options: { account: string; prefix?: string; region?: string; policies?: NamedPolicy[] },
  ): this {
    for (let i = 1; i <= count; i++) {
      this.principal({
        name: `${options.prefix ?? 'user'}-${i}`,
        account: options.account,
        region: options.region,
        policies: options.policies ?? [adminPolicy()],
      });
    }
    return this;
  }

  /** Adds a key; a customer managed key without a policy gets the account delegation only. */
  key(input: Partial<ScenarioKey> & { account: string; region: string }): ScenarioKey & { arn: string } {
    const n = ++this.keySeq;
    const key: ScenarioKey = {
      id: `${hex(n, 8)}-1234-4abc-8def-${hex(n * 7919, 12)}`,
      state: 'Enabled',
      manager: 'CUSTOMER',
      ...input,
    };
    if (key.policy === undefined && key.manager === 'CUSTOMER') key.policy = keyPolicy(key.account);
    this.scenario.keys.push(key);
    return { ...key, arn: keyArnOf(key) };
  }

  volume(input: Partial<ScenarioVolume> & { account: string; region: string }): ScenarioVolume {
    const volume: ScenarioVolume = {
      id: `vol-${hex(++this.volumeSeq, 17)}`,
      encrypted: input.kmsKeyId !== undefined,
      sizeGiB: 8,
      ...input,
    };
    this.scenario.volumes.push(volume);
    return volume;
  }

  /** Adds an instance with one root volume (encrypted with `kmsKeyId` when given). */
  instance(
    input: Partial<ScenarioInstance> & { account: string; region: string; kmsKeyId?: string },
  ): ScenarioInstance {
    const { kmsKeyId, ...rest } = input;
    const blockDevices = rest.blockDevices ?? [
      { deviceName: '/dev/xvda', volumeId: this.volume({ account: input.account, region: input.region, kmsKeyId }).id },
    ];
    const instance: ScenarioInstance = {
      id: `i-${hex(++this.instanceSeq, 17)}`,
      state: 'running',
      ...rest,
      blockDevices,
    };
    this.scenario.instances.push(instance);
    return instance;
  }

  /** Adds `count` instances in one account and region (each with its own root volume). */
  instances(count: number, options: BulkInstanceOptions): this {
    for (let i = 1; i <= count; i++) {
      this.instance({
        account: options.account,
        region: options.region,
        state: options.state ?? 'running',
        kmsKeyId: options.kmsKeyId,
        name: `${options.namePrefix ?? 'node'}-${i}`,
      });
    }
    return this;
  }

  ebsDefault(input: { account: string; region?: string; encryptionByDefault: boolean; kmsKeyId?: string }): this {
    this.scenario.ebsDefaults!.push(input);
    return this;
  }

  /** Adds a raw CloudTrail record (see `createGrantFailedEvent`). */
  trailEvent(event: Record<string, unknown>): this {
    this.scenario.trailEvents!.push(event);
    return this;
  }

  build(): Scenario {
    return structuredClone(this.scenario);
  }
}

/** The `userIdentity` CloudTrail writes for a scenario principal (src/aws-records.md F1, F5). */
export function trailUserIdentity(
  principal: ScenarioPrincipal,
  creationDate = new Date().toISOString(),
): Record<string, unknown> {
  const uniqueId = uniqueIdOf(principal);
  if (!principal.sessionName) {
    return {
      type: 'IAMUser',
      principalId: uniqueId,
      arn: principal.arn,
      accountId: principal.account,
      accessKeyId: principal.accessKeyId,
      userName: principal.arn.split('/').pop(),
    };
  }
  return {
    type: 'AssumedRole',
    principalId: `${uniqueId}:${principal.sessionName}`,
    arn: callerArnOf(principal),
    accountId: principal.account,
    accessKeyId: principal.accessKeyId,
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: uniqueId,
        arn: principal.arn,
        accountId: principal.account,
        userName: principal.arn.split('/').pop(),
      },
      attributes: { creationDate, mfaAuthenticated: 'false' },
    },
  };
}

/** What EC2's front end writes as invokedBy, sourceIPAddress and userAgent on the grants it makes (src/aws-records.md Q1). */
export const EC2_FRONT_END = 'ec2-frontend-api.amazonaws.com';

/**
 * A past failed `CreateGrant` record as EC2 leaves it in the caller's trail today (src/aws-records.md
 * F1): AccessDenied by default, or the key-state error given (e.g. `DisabledException`).
 */
export function createGrantFailedEvent(input: {
  principal: ScenarioPrincipal;
  region: string;
  keyArn: string;
  instanceId: string;
  volumeId: string;
  eventTime: string;
  /** The tail of AWS's AccessDenied sentence. */
  reason?: string;
  errorCode?: string;
  errorMessage?: string;
}): Record<string, unknown> {
  const callerArn = callerArnOf(input.principal);
  const errorCode = input.errorCode ?? 'AccessDenied';
  const errorMessage =
    input.errorMessage ??
    `User: ${callerArn} is not authorized to perform: kms:CreateGrant on resource: ${input.keyArn} ${input.reason ?? 'because no resource-based policy allows the kms:CreateGrant action'}`;
  return {
    eventVersion: '1.11',
    userIdentity: { ...trailUserIdentity(input.principal, input.eventTime), invokedBy: EC2_FRONT_END },
    eventTime: input.eventTime,
    eventSource: 'kms.amazonaws.com',
    eventName: 'CreateGrant',
    awsRegion: input.region,
    sourceIPAddress: EC2_FRONT_END,
    userAgent: EC2_FRONT_END,
    errorCode,
    errorMessage,
    requestParameters: {
      constraints: { encryptionContextSubset: { 'aws:ebs:id': input.volumeId } },
      retiringPrincipal: `ec2.${input.region}.amazonaws.com`,
      operations: ['Decrypt'],
      keyId: input.keyArn,
      granteePrincipal: `arn:aws:sts::${input.principal.account}:assumed-role/aws:ec2-infrastructure/${input.instanceId}`,
    },
    responseElements: null,
    readOnly: false,
    resources: [{ accountId: input.keyArn.split(':')[4], type: 'AWS::KMS::Key', ARN: input.keyArn }],
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: input.principal.account,
    eventCategory: 'Management',
  };
}

/** A past `StartInstances` record. */
export function startInstancesEvent(input: {
  principal: ScenarioPrincipal;
  region: string;
  instanceId: string;
  eventTime: string;
}): Record<string, unknown> {
  return {
    eventVersion: '1.11',
    userIdentity: trailUserIdentity(input.principal, input.eventTime),
    eventTime: input.eventTime,
    eventSource: 'ec2.amazonaws.com',
    eventName: 'StartInstances',
    awsRegion: input.region,
    sourceIPAddress: '198.51.100.7',
    userAgent: 'aws-cli/2.15.0',
    requestParameters: { instancesSet: { items: [{ instanceId: input.instanceId }] } },
    responseElements: {
      instancesSet: {
        items: [
          {
            instanceId: input.instanceId,
            currentState: { code: 0, name: 'pending' },
            previousState: { code: 80, name: 'stopped' },
          },
        ],
      },
    },
    readOnly: false,
    resources: [
      {
        accountId: input.principal.account,
        type: 'AWS::EC2::Instance',
        ARN: `arn:aws:ec2:${input.region}:${input.principal.account}:instance/${input.instanceId}`,
      },
    ],
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: input.principal.account,
    eventCategory: 'Management',
  };
}
