import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { KMSClient } from '@aws-sdk/client-kms';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromIni, fromSSO } from '@aws-sdk/credential-providers';
import { createLimiter, createRateGate, type Limiter, type RateGate } from '../core/limiter';
import type { CallerIdentity, Outcome, ProfileSummary } from '../core/model';
import { resolveEndpoint, type ServiceId } from './endpoints';
import { classifyAwsError } from './errors';
import { listProfiles, loaderInit, type SharedFileOptions } from './profiles';

/** Settings of a session; the extension fills them from its configuration. */
export interface AwsSessionOptions extends SharedFileOptions {
  /** Calls in flight at once across every profile and region. Default 8. */
  maxConcurrentRequests?: number;
  /** Attempts per call including the first, with the SDK's adaptive retry mode. Default 5. */
  maxAttempts?: number;
  /** Milliseconds a request may wait for a response. Default 20000. */
  requestTimeoutMs?: number;
  /** Milliseconds to establish a connection. Default 5000. */
  connectionTimeoutMs?: number;
  /** A fixed region list that replaces DescribeRegions (the `ec2LaunchDoctor.regions` setting). */
  regions?: string[];
  /** Asked when a profile's role needs an MFA code; the VS Code layer shows an input box. */
  mfaCodeProvider?: (profile: string, mfaSerial: string) => Promise<string>;
}

/** The SDK client class for each service. */
export interface ClientFor {
  EC2: EC2Client;
  KMS: KMSClient;
  STS: STSClient;
  IAM: IAMClient;
  CloudTrail: CloudTrailClient;
}

/** Per call: cancellation and the `service:Action` that names the call in failures. */
export interface CallSettings {
  signal?: AbortSignal;
  action?: string;
  /** Told once per API request the call sends (every page counts), e.g. to count them. */
  onRequest?: () => void;
}

/** IAM is global; its endpoint lives in us-east-1 whatever region is being looked at. */
const IAM_REGION = 'us-east-1';
/** Credentials this close to expiry are refreshed before use. */
const EXPIRY_MARGIN_MS = 5 * 60 * 1000;

type AnyClient = ClientFor[ServiceId];
type AwsCredentialIdentityProvider = ReturnType<typeof fromIni>;
type AwsCredentialIdentity = Awaited<ReturnType<AwsCredentialIdentityProvider>>;

/**
 * Everything that talks to AWS for one configuration of the extension: clients created on
 * first use per (profile, region, service) and reused, one credential provider per profile
 * (so SSO and MFA happen once per profile, not once per region), one concurrency limit for
 * all calls, and caches of account ids. `invalidate()` drops it all when the config files or
 * settings change; `dispose()` when the extension stops.
 */
export class AwsSession {
  private options: AwsSessionOptions;
  private readonly limiter: Limiter;
  private readonly clients = new Map<string, Promise<AnyClient>>();
  private readonly credentials = new Map<string, AwsCredentialIdentityProvider>();
  private readonly accounts = new Map<string, Promise<Outcome<CallerIdentity>>>();
  /** Identities already answered, readable without waiting on a call in flight. */
  private readonly identities = new Map<string, CallerIdentity>();
  /** The last credentials each profile signed in with, to tell whether signing in again would prompt. */
  private readonly signedIn = new Map<string, AwsCredentialIdentity>();
  private readonly gates = new Map<string, RateGate>();
  private profileList: Promise<ProfileSummary[]> | undefined;
  /** Set after invalidate(): the next file read bypasses the SDK's file cache. */
  private reloadFiles = false;
  private disposed = false;

  constructor(options: AwsSessionOptions = {}) {
    this.options = { ...options };
    this.limiter = createLimiter(options.maxConcurrentRequests ?? 8);
  }

  /** The current settings (a copy). */
  get settings(): Readonly<AwsSessionOptions> {
    return { ...this.options };
  }

  /**
   * Applies new settings. A different file, timeout or retry setting invalidates every
   * client; the concurrency limit and region list apply at once without that.
   */
  configure(options: AwsSessionOptions): void {
    const before = this.options;
    this.options = { ...options };
    this.limiter.setLimit(options.maxConcurrentRequests ?? 8);
    const clientAffecting: (keyof AwsSessionOptions)[] = [
      'configFile',
      'credentialsFile',
      'maxAttempts',
      'requestTimeoutMs',
      'connectionTimeoutMs',
      'mfaCodeProvider',
    ];
    if (clientAffecting.some((key) => before[key] !== options[key])) this.invalidate();
  }

  /** Drops clients, credentials and caches; the next call re-reads the config files. */
  invalidate(): void {
    for (const client of this.clients.values()) void client.then((c) => c.destroy(), () => undefined);
    this.clients.clear();
    this.credentials.clear();
    this.accounts.clear();
    this.identities.clear();
    this.signedIn.clear();
    this.profileList = undefined;
    this.reloadFiles = true;
  }

  /** Releases every client; the session must not be used afterwards. */
  dispose(): void {
    this.invalidate();
    this.disposed = true;
  }

  /** Profiles of the configured files, read once until invalidate(). */
  profiles(): Promise<ProfileSummary[]> {
    if (!this.profileList) {
      const ignoreCache = this.takeReload();
      const list = listProfiles({ ...this.files(), ignoreCache });
      this.profileList = list;
      list.catch(() => {
        if (this.profileList === list) this.profileList = undefined;
      });
    }
    return this.profileList;
  }

  /** The summary of one profile, if it exists. */
  async profile(name: string): Promise<ProfileSummary | undefined> {
    return (await this.profiles()).find((p) => p.name === name);
  }

  /**
   * Runs `task` with the client for (service, profile, region) under the shared limit and
   * turns any failure into a classified AwsFailure. Never rejects.
   */
  async call<S extends ServiceId, T>(
    service: S,
    profile: string,
    region: string,
    task: (client: ClientFor[S], abortSignal: AbortSignal | undefined) => Promise<T>,
    settings: CallSettings = {},
  ): Promise<Outcome<T>> {
    try {
      this.assertUsable();
      const client = await this.client(service, profile, region);
      const onRequest = settings.onRequest;
      const used = onRequest ? countingSends(client, onRequest) : client;
      const value = await this.limiter.run(() => task(used, settings.signal), settings.signal);
      return { ok: true, value };
    } catch (error) {
      const summary = await this.profile(profile).catch(() => undefined);
      return {
        ok: false,
        error: classifyAwsError(error, { profile, region, action: settings.action, signIn: summary?.signIn }),
      };
    }
  }

  /** The client for (service, profile, region), created on first use. */
  client<S extends ServiceId>(service: S, profile: string, region: string): Promise<ClientFor[S]> {
    this.assertUsable();
    const effectiveRegion = service === 'IAM' ? IAM_REGION : region;
    const key = `${service}\u0000${profile}\u0000${effectiveRegion}`;
    let client = this.clients.get(key);
    if (!client) {
      client = this.createClient(service, profile, effectiveRegion);
      this.clients.set(key, client);
      client.catch(() => {
        if (this.clients.get(key) === client) this.clients.delete(key);
      });
    }
    return client as Promise<ClientFor[S]>;
  }

  /**
   * The caller identity of a profile, asked once (STS GetCallerIdentity) and cached until
   * invalidate(). Failures are not cached, so a fixed sign-in works on the next try.
   *
   * Concurrent callers share one request, sent without any caller's signal: each caller's
   * `signal` cancels only that caller's wait, so one cancelled diagnosis never cancels the
   * others. `onRequest` is told when this caller's ask sent the request (not when it was
   * answered from the cache or joined one in flight).
   */
  callerIdentity(
    profile: string,
    region: string,
    signal?: AbortSignal,
    onRequest?: () => void,
  ): Promise<Outcome<CallerIdentity>> {
    const action = 'sts:GetCallerIdentity';
    if (signal?.aborted) return Promise.resolve(cancelledOutcome(profile, region, action));
    let shared = this.accounts.get(profile);
    if (!shared) {
      const pending = this.call(
        'STS',
        profile,
        region,
        async (sts) => {
          const out = await sts.send(new GetCallerIdentityCommand({}));
          return { account: out.Account ?? '', arn: out.Arn ?? '', userId: out.UserId ?? '' };
        },
        { action, ...(onRequest ? { onRequest } : {}) },
      );
      shared = pending;
      this.accounts.set(profile, pending);
      void pending.then((outcome) => {
        if (this.accounts.get(profile) !== pending) return;
        if (outcome.ok) this.identities.set(profile, outcome.value);
        else this.accounts.delete(profile);
      });
    }
    return raceSignal(shared, signal, () => cancelledOutcome(profile, region, action));
  }

  /**
   * Account id -> names of the profiles known to be in it, from the config files and from
   * identities already answered. Never calls AWS and never waits for a call in flight.
   */
  async profilesByAccount(): Promise<Record<string, string[]>> {
    const byAccount: Record<string, string[]> = {};
    for (const profile of await this.profiles().catch(() => [])) {
      const account = profile.accountId ?? this.identities.get(profile.name)?.account;
      if (account) (byAccount[account] ??= []).push(profile.name);
    }
    return byAccount;
  }

  /**
   * True while the session holds unexpired credentials of the profile, so signing in with
   * it again asks for nothing and runs nothing.
   */
  hasLiveCredentials(profile: string): boolean {
    const identity = this.signedIn.get(profile);
    return !!identity && !expiresSoon(identity);
  }

  /** The account of a profile when already known, without calling AWS. */
  async knownAccountId(profile: string): Promise<string | undefined> {
    const fromConfig = (await this.profile(profile))?.accountId;
    if (fromConfig) return fromConfig;
    const cached = this.accounts.get(profile);
    if (!cached) return undefined;
    const outcome = await cached;
    return outcome.ok ? outcome.value.account : undefined;
  }

  /** A rate gate per key (e.g. CloudTrail per account and region), kept for the session. */
  rateGate(key: string, perSecond: number): RateGate {
    let gate = this.gates.get(key);
    if (!gate) {
      gate = createRateGate(perSecond);
      this.gates.set(key, gate);
    }
    return gate;
  }

  /** The region list fixed by settings, if any. */
  fixedRegions(): string[] | undefined {
    return this.options.regions && this.options.regions.length > 0 ? [...this.options.regions] : undefined;
  }

  private files(): SharedFileOptions {
    return { configFile: this.options.configFile, credentialsFile: this.options.credentialsFile };
  }

  private takeReload(): boolean {
    const reload = this.reloadFiles;
    this.reloadFiles = false;
    return reload;
  }

  private assertUsable(): void {
    if (this.disposed) throw new Error('The AWS session was disposed.');
  }

  private async createClient(service: ServiceId, profile: string, region: string): Promise<AnyClient> {
    const endpoint = await resolveEndpoint(profile, service, { ...this.files(), ignoreCache: this.takeReload() });
    const config = {
      region,
      credentials: this.credentialsFor(profile),
      // The endpoint was resolved above for this very profile; without this flag the SDK
      // would add the endpoint of the AWS_PROFILE profile to clients of other profiles.
      ignoreConfiguredEndpointUrls: true,
      ...(endpoint ? { endpoint } : {}),
      retryMode: 'adaptive',
      maxAttempts: this.options.maxAttempts ?? 5,
      requestHandler: {
        requestTimeout: this.options.requestTimeoutMs ?? 20_000,
        connectionTimeout: this.options.connectionTimeoutMs ?? 5_000,
      },
    };
    switch (service) {
      case 'EC2':
        return new EC2Client(config);
      case 'KMS':
        return new KMSClient(config);
      case 'STS':
        return new STSClient(config);
      case 'IAM':
        return new IAMClient(config);
      case 'CloudTrail':
        return new CloudTrailClient(config);
    }
  }

  /**
   * One provider per profile shared by all its clients. Failures are not kept, so after
   * `aws sso login` the next call signs in without a reload.
   */
  private credentialsFor(profile: string): AwsCredentialIdentityProvider {
    let provider = this.credentials.get(profile);
    if (provider) return provider;
    let base: Promise<AwsCredentialIdentityProvider> | undefined;
    let current: Promise<AwsCredentialIdentity> | undefined;
    provider = async () => {
      if (current) {
        const identity = await current.catch(() => undefined);
        if (identity && !expiresSoon(identity)) return identity;
      }
      base ??= this.baseProvider(profile);
      const next = base.then((resolve) => resolve());
      current = next;
      next.then(
        (identity) => {
          if (current === next && this.credentials.get(profile) === provider) this.signedIn.set(profile, identity);
        },
        () => {
          if (current === next) current = undefined;
        },
      );
      return next;
    };
    this.credentials.set(profile, provider);
    return provider;
  }

  /**
   * The SDK provider for a profile. SSO profiles go to `fromSSO` directly because `fromIni`
   * does not hand the configured file paths on to its SSO step, which would then read the
   * default files and miss profiles of a config chosen in the settings.
   */
  private async baseProvider(profile: string): Promise<AwsCredentialIdentityProvider> {
    const files = { ...loaderInit(this.files()), ignoreCache: true };
    const signIn = (await this.profile(profile).catch(() => undefined))?.signIn;
    if (signIn === 'sso' || signIn === 'sso-legacy') return fromSSO({ profile, ...files });
    const mfa = this.options.mfaCodeProvider;
    // Role profiles call STS to assume the role; that call must go where the profile's
    // endpoint_url says too, not to the endpoint of whichever profile AWS_PROFILE names.
    const stsEndpoint =
      signIn === 'assume-role' || signIn === 'web-identity'
        ? await resolveEndpoint(profile, 'STS', this.files()).catch(() => undefined)
        : undefined;
    return fromIni({
      profile,
      ...files,
      clientConfig: { ignoreConfiguredEndpointUrls: true, ...(stsEndpoint ? { endpoint: stsEndpoint } : {}) },
      ...(mfa ? { mfaCodeProvider: (serial: string) => mfa(profile, serial) } : {}),
    });
  }
}

/**
 * The client with `send` counted. Tasks only send commands, but the rest of the client
 * (config, middleware) stays reachable unchanged.
 */
function countingSends<C extends AnyClient>(client: C, onRequest: () => void): C {
  return new Proxy(client, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (property !== 'send' || typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        onRequest();
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/** `shared`, or the cancelled outcome as soon as `signal` aborts, whichever comes first. */
function raceSignal<T>(
  shared: Promise<Outcome<T>>,
  signal: AbortSignal | undefined,
  cancelled: () => Outcome<T>,
): Promise<Outcome<T>> {
  if (!signal) return shared;
  return new Promise((resolve) => {
    const onAbort = (): void => resolve(cancelled());
    signal.addEventListener('abort', onAbort, { once: true });
    void shared.then((outcome) => {
      signal.removeEventListener('abort', onAbort);
      resolve(outcome);
    });
  });
}

function cancelledOutcome<T>(profile: string, region: string, action: string): Outcome<T> {
  const abort = Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' });
  return { ok: false, error: classifyAwsError(abort, { profile, region, action }) };
}

function expiresSoon(identity: AwsCredentialIdentity): boolean {
  return !!identity.expiration && identity.expiration.getTime() - Date.now() < EXPIRY_MARGIN_MS;
}
