/**
 * The emulator's live world: a mutable copy of a scenario with the indexes the handlers
 * need (access key -> principal, account+region -> instances, key references -> key).
 */
import { randomUUID } from 'node:crypto';
import {
  callerArnOf,
  keyArnOf,
  type Scenario,
  type ScenarioInstance,
  type ScenarioKey,
  type ScenarioPrincipal,
  type ScenarioRegion,
  type ScenarioVolume,
  uniqueIdOf,
} from './scenario';
import { Authorizer } from './authz/authorizer';
import { GrantStore } from './authz/grants';

export interface InstanceRecord extends ScenarioInstance {
  reservationId: string;
  ownerId: string;
}

/**
 * How long EC2 keeps a terminated instance in DescribeInstances: "Recently terminated
 * instances might appear in the returned results. This interval is usually less than one
 * hour." (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstances.html).
 * Past it the instance is neither listed nor found by id: EC2 answers InvalidInstanceID.NotFound
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html).
 */
export const TERMINATED_LISTED_MS = 60 * 60 * 1000;

/**
 * Whether DescribeInstances still shows the instance at `now` (epoch ms): any state but
 * terminated, or terminated less than TERMINATED_LISTED_MS ago. A terminated instance with
 * no termination time (a scenario's that gives none) counts as just terminated.
 */
export function isListed(instance: Pick<InstanceRecord, 'state' | 'terminatedAt'>, now = Date.now()): boolean {
  if (instance.state !== 'terminated' || instance.terminatedAt === undefined) return true;
  const ended = Date.parse(instance.terminatedAt);
  return Number.isNaN(ended) || now - ended < TERMINATED_LISTED_MS;
}

export interface VolumeRecord extends ScenarioVolume {
  /** Always the key ARN when the scenario names a known key. */
  kmsKeyId?: string;
  createTime: string;
}

export interface KeyRecord extends Omit<ScenarioKey, 'policy' | 'aliases'> {
  arn: string;
  /** The `default` policy exactly as stored (GetKeyPolicy returns the text it was given). */
  policyText: string;
  aliases: string[];
  creationDate: string;
}

/** One CloudTrail record plus the fields LookupEvents lifts out of it. */
export interface TrailRecord {
  eventId: string;
  eventName: string;
  eventSource: string;
  /** Epoch ms. */
  eventTime: number;
  username?: string;
  accessKeyId?: string;
  readOnly: boolean;
  resources: { ResourceType?: string; ResourceName?: string }[];
  /** The serialized CloudTrail record. */
  json: string;
}

/** The principal behind an access key, with the ARN it calls as. */
export interface Caller {
  principal: ScenarioPrincipal;
  arn: string;
  account: string;
  userId: string;
  /** Epoch ms after which temporary credentials are refused (issued by AssumeRole). */
  expiresAt?: number;
}

/** Credentials STS issued during the run: a session of a scenario role. */
interface IssuedSession {
  principal: ScenarioPrincipal;
  expiresAt: number;
}

const scopeKey = (account: string, region: string): string => `${account}|${region}`;

/** The policy KMS attaches to an AWS managed `aws/ebs` key (trimmed to its effective statements). */
export function awsManagedEbsKeyPolicy(account: string, region: string): unknown {
  return {
    Version: '2012-10-17',
    Id: 'auto-ebs-2',
    Statement: [
      {
        Sid: 'Allow access through EBS for all principals in the account that are authorized to use EBS',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: [
          'kms:Encrypt',
          'kms:Decrypt',
          'kms:ReEncrypt*',
          'kms:GenerateDataKey*',
          'kms:CreateGrant',
          'kms:DescribeKey',
        ],
        Resource: '*',
        Condition: { StringEquals: { 'kms:CallerAccount': account, 'kms:ViaService': `ec2.${region}.amazonaws.com` } },
      },
      {
        Sid: 'Allow direct access to key metadata to the account',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${account}:root` },
        Action: ['kms:Describe*', 'kms:Get*', 'kms:List*', 'kms:RevokeGrant'],
        Resource: '*',
      },
    ],
  };
}

export class World {
  readonly principalsByAccessKey = new Map<string, ScenarioPrincipal>();
  readonly instances = new Map<string, InstanceRecord>();
  readonly volumes = new Map<string, VolumeRecord>();
  /** By key ARN. */
  readonly keys = new Map<string, KeyRecord>();
  readonly regions = new Map<string, ScenarioRegion>();
  readonly launchDelayMs: number;
  private readonly instancesByScope = new Map<string, InstanceRecord[]>();
  private readonly volumesByScope = new Map<string, VolumeRecord[]>();
  private readonly keysById = new Map<string, KeyRecord[]>();
  private readonly aliases = new Map<string, KeyRecord>();
  private readonly trail = new Map<string, TrailRecord[]>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly issued = new Map<string, IssuedSession>();
  private readonly parsedPolicies = new Map<string, { text: string; document: unknown }>();
  /** Every call is authorized here; see authz/authorizer.ts. */
  readonly authorizer: Authorizer;
  /** Grants made with CreateGrant during the run; the authorizer reads them. */
  readonly grants = new GrantStore();
  /** IAM users and roles that exist (scenario principals and `identities`). */
  readonly identities = new Set<string>();
  /** Key ARNs that were deleted; volumes may still name them. */
  readonly deletedKeys: Set<string>;

  constructor(
    readonly scenario: Scenario,
    launchDelayMs?: number,
  ) {
    this.launchDelayMs = launchDelayMs ?? scenario.launchDelayMs ?? 1500;
    this.authorizer = new Authorizer(scenario, this.grants);
    this.deletedKeys = new Set(scenario.deletedKeys ?? []);
    for (const p of scenario.principals) this.identities.add(p.arn);
    for (const arn of scenario.identities ?? []) this.identities.add(arn);
    for (const r of scenario.regions) this.regions.set(r.name, r);
    for (const p of scenario.principals) this.principalsByAccessKey.set(p.accessKeyId, p);
    for (const k of scenario.keys) this.addKey(k);
    for (const v of scenario.volumes) {
      const key = v.kmsKeyId ? this.findKeyByIdOrArn(v.kmsKeyId, v.account, v.region) : undefined;
      const record: VolumeRecord = {
        ...v,
        kmsKeyId: key ? key.arn : v.kmsKeyId,
        createTime: '2024-01-15T09:00:00.000Z',
      };
      this.volumes.set(v.id, record);
      pushScoped(this.volumesByScope, scopeKey(v.account, v.region), record);
    }
    for (const i of scenario.instances) {
      const record: InstanceRecord = {
        ...structuredClone(i),
        // EC2 sets LaunchTime at every start attempt, failed ones included; scenarios write
        // it relative (`now-3h`) so that it lines up with their CloudTrail events.
        ...(i.launchTime ? { launchTime: resolveEventTime(i.launchTime) } : {}),
        // Written relative too (`now-2h`), so a scenario can hold an instance EC2 no longer lists.
        ...(i.terminatedAt ? { terminatedAt: resolveEventTime(i.terminatedAt) } : {}),
        reservationId: 'r-' + i.id.replace(/^i-/, '').padStart(17, '0').slice(-17),
        ownerId: i.account,
      };
      this.instances.set(i.id, record);
      pushScoped(this.instancesByScope, scopeKey(i.account, i.region), record);
    }
    for (const list of this.instancesByScope.values()) list.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const list of this.volumesByScope.values()) list.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const event of scenario.trailEvents ?? []) this.recordTrailEvent(event);
    // A scenario may be caught mid-transition; without a caller to judge, it completes normally.
    for (const record of this.instances.values()) {
      const from = record.state;
      if (from !== 'pending' && from !== 'stopping') continue;
      this.later(() => {
        if (record.state === from) record.state = from === 'pending' ? 'running' : 'stopped';
      });
    }
  }

  private addKey(k: ScenarioKey): void {
    const arn = keyArnOf(k);
    const policy = k.policy ?? (k.manager === 'AWS' ? awsManagedEbsKeyPolicy(k.account, k.region) : undefined);
    const record: KeyRecord = {
      id: k.id,
      account: k.account,
      region: k.region,
      state: k.state,
      manager: k.manager,
      description:
        k.description ??
        (k.manager === 'AWS' ? 'Default key that protects my EBS volumes when no other key is defined' : ''),
      deletionDate: k.deletionDate,
      multiRegion: k.multiRegion,
      arn,
      policyText:
        typeof policy === 'string'
          ? policy
          : JSON.stringify(policy ?? { Version: '2012-10-17', Statement: [] }, null, 2),
      aliases: [...(k.aliases ?? [])],
      creationDate: k.creationDate ?? '2023-06-01T10:00:00.000Z',
    };
    this.keys.set(arn, record);
    pushScoped(this.keysById, k.id, record);
    for (const alias of record.aliases) this.aliases.set(`${k.account}|${k.region}|${alias}`, record);
  }

  /** Whether calls to `region` work for `account` (opt-in regions must be enabled). */
  regionEnabled(account: string, region: string): boolean {
    const r = this.regions.get(region);
    if (!r) return false;
    if (!r.optIn) return true;
    const acct = this.scenario.accounts.find((a) => a.id === account);
    if (acct?.enabledOptInRegions) return acct.enabledOptInRegions.includes(region);
    return r.enabled === true;
  }

  callerFor(accessKeyId: string): Caller | undefined {
    const issued = this.issued.get(accessKeyId);
    const principal = issued?.principal ?? this.principalsByAccessKey.get(accessKeyId);
    if (!principal) return undefined;
    const arn = callerArnOf(principal);
    const uniqueId = this.uniqueIdOf(principal);
    const userId = principal.sessionName ? `${uniqueId}:${principal.sessionName}` : uniqueId;
    return { principal, arn, account: principal.account, userId, ...(issued ? { expiresAt: issued.expiresAt } : {}) };
  }

  /** The IAM unique id of a user (`AIDA...`) or role (`AROA...`). */
  uniqueIdOf(principal: Pick<ScenarioPrincipal, 'arn' | 'uniqueId'>): string {
    return uniqueIdOf(principal);
  }

  /** Remembers credentials STS issued for a session of `role` and returns them. */
  issueSession(
    role: ScenarioPrincipal,
    sessionName: string,
    durationSeconds: number,
    sessionPolicy?: unknown,
  ): ScenarioPrincipal {
    const n = this.issued.size + 1;
    const accessKeyId = `ASIAEMUISSUED${String(n).padStart(7, '0')}`;
    const principal: ScenarioPrincipal = {
      ...role,
      sessionName,
      accessKeyId,
      secretAccessKey: randomUUID().replace(/-/g, '') + randomUUID().replace(/-/g, '').slice(0, 8),
      sessionToken: `IQoJb3JpZ2luX2VtdWxhdG9y${Buffer.from(randomUUID()).toString('base64')}`,
      expired: false,
      ...(sessionPolicy !== undefined ? { sessionPolicy } : {}),
    };
    this.issued.set(accessKeyId, { principal, expiresAt: Date.now() + durationSeconds * 1000 });
    return principal;
  }

  /** Expires every session STS issued; returns how many. */
  expireIssuedSessions(): number {
    for (const session of this.issued.values()) session.expiresAt = Date.now() - 1;
    return this.issued.size;
  }

  /** The key's policy as a document (parsed once per text). */
  keyPolicyOf(key: KeyRecord): unknown {
    const cached = this.parsedPolicies.get(key.arn);
    if (cached && cached.text === key.policyText) return cached.document;
    let document: unknown;
    try {
      document = JSON.parse(key.policyText);
    } catch {
      document = { Version: '2012-10-17', Statement: [] };
    }
    this.parsedPolicies.set(key.arn, { text: key.policyText, document });
    return document;
  }

  /** Call after a policy changes: cached authorization decisions are dropped. */
  policiesChanged(): void {
    this.authorizer.invalidate();
  }

  /** The scenario principals whose IAM identity (user or role) is `arn`. */
  principalsWithIdentity(arn: string): ScenarioPrincipal[] {
    return this.scenario.principals.filter((p) => p.arn === arn);
  }

  /**
   * Adds an instance launched while the emulator runs (RunInstances, CreateFleet) with the
   * volumes created for it; listings stay in id order.
   */
  addLaunched(instance: InstanceRecord, volumes: readonly VolumeRecord[]): void {
    for (const v of volumes) {
      this.volumes.set(v.id, v);
      pushScoped(this.volumesByScope, scopeKey(v.account, v.region), v);
      this.volumesByScope.get(scopeKey(v.account, v.region))?.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    }
    this.instances.set(instance.id, instance);
    pushScoped(this.instancesByScope, scopeKey(instance.account, instance.region), instance);
    this.instancesByScope
      .get(scopeKey(instance.account, instance.region))
      ?.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Every instance record of the account and region, those EC2 no longer lists included. */
  instancesIn(account: string, region: string): readonly InstanceRecord[] {
    return this.instancesByScope.get(scopeKey(account, region)) ?? [];
  }

  /** The instances DescribeInstances shows now (`isListed`), in id order. */
  listedInstancesIn(account: string, region: string): InstanceRecord[] {
    const now = Date.now();
    return this.instancesIn(account, region).filter((i) => isListed(i, now));
  }

  /** The instance by id while EC2 still shows it; undefined for an unknown id or one terminated too long ago. */
  listedInstance(id: string): InstanceRecord | undefined {
    const record = this.instances.get(id);
    return record && isListed(record) ? record : undefined;
  }

  volumesIn(account: string, region: string): readonly VolumeRecord[] {
    return this.volumesByScope.get(scopeKey(account, region)) ?? [];
  }

  keysIn(account: string, region: string): KeyRecord[] {
    return [...this.keys.values()].filter((k) => k.account === account && k.region === region);
  }

  /** Resolves a key id or key ARN as KMS does: a bare id only within the caller's account and region. */
  findKeyByIdOrArn(ref: string, account: string, region: string): KeyRecord | undefined {
    if (ref.startsWith('arn:')) return this.keys.get(ref);
    return this.keysById.get(ref)?.find((k) => k.account === account && k.region === region);
  }

  /** Resolves any KMS key reference: id, key ARN, alias name or alias ARN. */
  findKey(ref: string, account: string, region: string): KeyRecord | undefined {
    const aliasArn = /^arn:aws:kms:([^:]+):(\d{12}):(alias\/.+)$/.exec(ref);
    if (aliasArn) return this.aliases.get(`${aliasArn[2]}|${aliasArn[1]}|${aliasArn[3]}`);
    if (ref.startsWith('alias/')) return this.aliases.get(`${account}|${region}|${ref}`);
    return this.findKeyByIdOrArn(ref, account, region);
  }

  /** Every alias of the account and region, including `aws/` ones. */
  aliasesIn(account: string, region: string): { name: string; key: KeyRecord }[] {
    const out: { name: string; key: KeyRecord }[] = [];
    for (const [scoped, key] of this.aliases) {
      const [a, r, name] = scoped.split('|');
      if (a === account && r === region) out.push({ name, key });
    }
    return out.sort((x, y) => (x.name < y.name ? -1 : 1));
  }

  ebsDefault(account: string, region: string): { encryptionByDefault: boolean; kmsKeyId: string } {
    const defaults = this.scenario.ebsDefaults ?? [];
    const hit =
      defaults.find((d) => d.account === account && d.region === region) ??
      defaults.find((d) => d.account === account && !d.region);
    if (!hit) return { encryptionByDefault: false, kmsKeyId: 'alias/aws/ebs' };
    const key = hit.kmsKeyId ? this.findKey(hit.kmsKeyId, account, region) : undefined;
    return { encryptionByDefault: hit.encryptionByDefault, kmsKeyId: key?.arn ?? hit.kmsKeyId ?? 'alias/aws/ebs' };
  }

  /**
   * Stores a CloudTrail record under its recipient account and region. Scenario files may
   * write `eventTime`, a session's `creationDate` (and instances their `launchTime` and `terminatedAt`) as `now-3h` (s, m, h, d) so shipped
   * events stay inside the 90-day window.
   */
  recordTrailEvent(input: Record<string, unknown>): TrailRecord {
    const event: Record<string, unknown> & { eventTime: string } = {
      ...input,
      eventTime: resolveEventTime(input.eventTime),
    };
    const account = String(event.recipientAccountId ?? '');
    const region = String(event.awsRegion ?? '');
    const identity = (event.userIdentity ?? {}) as Record<string, unknown>;
    const attributes = (identity.sessionContext as { attributes?: Record<string, unknown> } | undefined)?.attributes;
    if (attributes && typeof attributes.creationDate === 'string')
      attributes.creationDate = resolveEventTime(attributes.creationDate);
    const resources = Array.isArray(event.resources) ? (event.resources as Record<string, unknown>[]) : [];
    const eventId = typeof event.eventID === 'string' ? event.eventID : randomUUID();
    const record: TrailRecord = {
      eventId,
      eventName: String(event.eventName ?? ''),
      eventSource: String(event.eventSource ?? ''),
      eventTime: Date.parse(event.eventTime),
      username: usernameOf(identity),
      accessKeyId: typeof identity.accessKeyId === 'string' ? identity.accessKeyId : undefined,
      readOnly: event.readOnly === true,
      resources: resources.map((r) => ({
        ResourceType: r.type as string | undefined,
        ResourceName: lookupResourceName(r.type, (r.ARN ?? r.arn) as string | undefined),
      })),
      json: JSON.stringify({ ...event, eventID: eventId }),
    };
    pushScoped(this.trail, scopeKey(account, region), record);
    return record;
  }

  trailIn(account: string, region: string): readonly TrailRecord[] {
    return this.trail.get(scopeKey(account, region)) ?? [];
  }

  /** Runs `fn` after the launch delay (at once when it is 0); pending timers die with the world. */
  later(fn: () => void): void {
    if (this.launchDelayMs <= 0) {
      fn();
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, this.launchDelayMs);
    timer.unref();
    this.timers.add(timer);
  }

  dispose(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `now-3h` (s, m, h, d) as an ISO time; other values unchanged. */
export function resolveEventTime(value: unknown): string {
  if (typeof value !== 'string') return new Date().toISOString();
  const relative = /^now(?:-(\d+)([smhd]))?$/.exec(value);
  if (!relative) return value;
  const offset = relative[1] ? Number(relative[1]) * UNIT_MS[relative[2]] : 0;
  return new Date(Date.now() - offset).toISOString();
}

function usernameOf(identity: Record<string, unknown>): string | undefined {
  if (typeof identity.userName === 'string') return identity.userName;
  const arn = typeof identity.arn === 'string' ? identity.arn : undefined;
  // CloudTrail shows the session name as the user name of an assumed role.
  return arn?.split('/').pop();
}

/**
 * The `ResourceName` LookupEvents reports for a record's resource: "i-1234567" for an EC2
 * instance, the ARN for a KMS key (CloudTrail API reference, Resource.ResourceName; KMS
 * Developer Guide, logging-using-cloudtrail.html).
 */
function lookupResourceName(type: unknown, arn: string | undefined): string | undefined {
  if (type === 'AWS::EC2::Instance' && arn) return /:instance\/(i-[0-9a-f]+)$/.exec(arn)?.[1] ?? arn;
  return arn;
}

function pushScoped<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
