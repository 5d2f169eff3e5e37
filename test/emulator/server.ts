/**
 * The HTTP front of the emulator: one port for every service. The service and region come
 * from the SigV4 credential scope, the caller from its access key id, the action from the
 * Query body or `X-Amz-Target`. Paths under `/__emulator/` are a plain JSON control API.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseQuery, type CallContext, type Handler } from './context';
import { accessDenied } from './authz/denials';
import { validatePolicies } from './authz/validate';
import { authenticate } from './authz/authenticate';
import { parseAuthorization, type Authorization } from './authz/sigv4';
import {
  authFailure,
  AwsError,
  expiredToken,
  internalError,
  renderError,
  SERVICES,
  throttled,
  unknownAction,
  type ServiceName,
  type WireResponse,
} from './errors';
import { FaultInjector, sendSpoiled, type FaultOutcome, type FaultRule } from './faults';
import { loadScenario, type Scenario } from './scenario';
import { autoScalingHandlers } from './services/autoscaling';
import { cloudTrailHandlers, LookupRateLimiter } from './services/cloudtrail';
import { ec2Handlers, instanceSnapshot } from './services/ec2';
import { ec2LaunchHandlers } from './services/ec2Launch';
import { ec2RunHandlers } from './services/ec2Run';
import { iamHandlers } from './services/iam';
import { kmsHandlers } from './services/kms';
import { kmsGrantHandlers } from './services/kmsGrant';
import { stsHandlers } from './services/sts';
import { World } from './state';

export interface EmulatorOptions {
  /** A scenario object, a scenario name under `test/emulator/scenarios`, or a JSON file path. */
  scenario: Scenario | string;
  faults?: FaultRule[];
  /** 0 (default) picks a free port. */
  port?: number;
  /** Overrides the scenario's pending/stopping duration. */
  launchDelayMs?: number;
  /** Seed of the fault injector's random rates. */
  seed?: number;
  /** Enforce CloudTrail's LookupEvents limit (2/s per account and region) when set. */
  lookupEventsPerSecond?: number;
  /** How far a request's signing time may be from the emulator's clock; AWS allows 5 minutes. */
  maxClockSkewMs?: number;
}

/** One row of the call counter. */
export interface CallCount {
  service: ServiceName;
  action: string;
  region: string;
  /** The scenario principal's name, or `(unknown)` for an unknown access key. */
  principal: string;
  count: number;
}

export interface Emulator {
  /** `http://127.0.0.1:<port>`: the `endpoint` / `endpoint_url` for every service. */
  readonly url: string;
  readonly port: number;
  /** The live world (instances, keys, trail). Replaced by `reset()`. */
  readonly state: World;
  readonly scenario: Scenario;
  calls(): CallCount[];
  /** Sum of the counts matching every given field. */
  callCount(filter?: Partial<Omit<CallCount, 'count'>>): number;
  resetCalls(): void;
  setFaults(rules: FaultRule[]): void;
  faults(): FaultRule[];
  /** Back to the scenario as loaded: world, calls and start-up faults. */
  reset(): void;
  close(): Promise<void>;
}

const HANDLERS: Record<ServiceName, Record<string, Handler>> = {
  ec2: { ...ec2Handlers, ...ec2LaunchHandlers, ...ec2RunHandlers },
  kms: { ...kmsHandlers, ...kmsGrantHandlers },
  sts: stsHandlers,
  iam: iamHandlers,
  cloudtrail: cloudTrailHandlers,
  autoscaling: autoScalingHandlers,
};

const MAX_BODY_BYTES = 4 * 1024 * 1024;
interface Signed extends Authorization {
  service: ServiceName;
}

function readSignature(req: IncomingMessage): Signed | undefined {
  const auth = parseAuthorization(req.headers.authorization);
  if (!auth) return undefined;
  const service = auth.service as ServiceName;
  if (!SERVICES.includes(service)) return undefined;
  return { ...auth, service };
}

/** The service an unsigned request was meant for, to answer it in the right shape. */
function guessService(req: IncomingMessage, body: string): ServiceName {
  const target = String(req.headers['x-amz-target'] ?? '');
  if (target.startsWith('TrentService.')) return 'kms';
  if (target.includes('CloudTrail')) return 'cloudtrail';
  if (body.includes('Version=2011-06-15')) return 'sts';
  if (body.includes('Version=2010-05-08')) return 'iam';
  if (body.includes('Version=2011-01-01')) return 'autoscaling';
  return 'ec2';
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, wire: WireResponse, requestId: string, faults?: FaultOutcome): void {
  if (faults?.response) return sendSpoiled(res, wire, { 'x-amzn-requestid': requestId }, faults);
  res.writeHead(wire.status, {
    'content-type': wire.contentType,
    'content-length': Buffer.byteLength(wire.body),
    'x-amzn-requestid': requestId,
  });
  res.end(wire.body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function forcedError(service: ServiceName, outcome: FaultOutcome, callerArn: string, action: string): AwsError {
  switch (outcome.error) {
    case 'AccessDenied':
      return accessDenied(service, callerArn, `${service}:${action}`);
    case 'AuthFailure':
      return authFailure(service);
    case 'ExpiredToken':
      return expiredToken(service);
    case 'InternalError':
      return internalError(service);
    default:
      return throttled(service);
  }
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts the emulator on 127.0.0.1. Close it when done: pending launch timers and
 * keep-alive sockets die with it.
 */
export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  const scenario = typeof options.scenario === 'string' ? loadScenario(options.scenario) : options.scenario;
  await validatePolicies(scenario);
  const pristine = structuredClone(scenario);
  let world = new World(structuredClone(pristine), options.launchDelayMs);
  const injector = new FaultInjector(options.faults ?? [], options.seed ?? 1);
  const limiter = options.lookupEventsPerSecond ? new LookupRateLimiter(options.lookupEventsPerSecond) : undefined;
  const counts = new Map<string, CallCount>();

  const count = (service: ServiceName, action: string, region: string, principal: string): void => {
    const key = `${service}\u0000${action}\u0000${region}\u0000${principal}`;
    const row = counts.get(key);
    if (row) row.count++;
    else counts.set(key, { service, action, region, principal, count: 1 });
  };

  const resetWorld = (): void => {
    world.dispose();
    world = new World(structuredClone(pristine), options.launchDelayMs);
    counts.clear();
    injector.set(options.faults ?? []);
  };

  async function handleAws(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
    const requestId = randomUUID();
    const signed = readSignature(req);
    if (!signed) {
      const service = guessService(req, body);
      // No Authorization header at all, or one that is not a complete SigV4 header.
      const error = req.headers.authorization
        ? new AwsError(
            'IncompleteSignature',
            `Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters.`,
            400,
          )
        : new AwsError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403);
      send(res, renderError(service, error, requestId), requestId);
      return;
    }
    const { service, region, accessKeyId } = signed;
    const isJson = service === 'kms' || service === 'cloudtrail';
    const query = isJson ? {} : parseQuery(body || (req.url?.split('?')[1] ?? ''));
    let json: Record<string, unknown> = {};
    let action: string;
    if (isJson) {
      action =
        String(req.headers['x-amz-target'] ?? '')
          .split('.')
          .pop() ?? '';
      try {
        json = body ? (JSON.parse(body) as Record<string, unknown>) : {};
      } catch {
        send(
          res,
          renderError(service, new AwsError('SerializationException', 'Invalid JSON body'), requestId),
          requestId,
        );
        return;
      }
    } else {
      action = typeof query.Action === 'string' ? query.Action : '';
    }
    const caller = world.callerFor(accessKeyId);
    count(service, action, region, caller?.principal.name ?? '(unknown)');

    const outcome = injector.decide({
      service,
      region,
      action,
      principalName: caller?.principal.name,
      accessKeyId,
      callerArn: caller?.arn,
    });
    if (outcome.latencyMs) await delay(outcome.latencyMs);
    if (outcome.drop) {
      req.socket.destroy();
      return;
    }
    const fail = (error: AwsError): void => send(res, renderError(service, error, requestId), requestId, outcome);
    if (!caller) return fail(authFailure(service));
    if (outcome.error) return fail(forcedError(service, outcome, caller.arn, action));
    const refused = await authenticate(service, req, body, signed, caller, options.maxClockSkewMs);
    if (refused) return fail(refused);
    if (service !== 'iam' && !world.regionEnabled(caller.account, region)) return fail(authFailure(service));
    const handler = HANDLERS[service][action];
    if (!handler) return fail(unknownAction(service, action));
    if (
      limiter &&
      service === 'cloudtrail' &&
      action === 'LookupEvents' &&
      !limiter.admit(`${caller.account}|${region}`)
    )
      return fail(throttled(service));
    const ctx: CallContext = { world, caller, service, region, action, requestId, query, json };
    try {
      const responseBody = await handler(ctx);
      send(
        res,
        {
          status: 200,
          contentType: isJson ? 'application/x-amz-json-1.1' : 'text/xml;charset=UTF-8',
          body: responseBody,
        },
        requestId,
        outcome,
      );
    } catch (error) {
      if (error instanceof AwsError) return fail(error);
      process.stderr.write(
        `emulator: ${service}:${action} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      fail(internalError(service));
    }
  }

  function handleControl(req: IncomingMessage, res: ServerResponse, body: string): void {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const route = `${req.method ?? 'GET'} ${url.pathname.replace(/\/+$/, '')}`;
    const parseBody = (): unknown => (body ? JSON.parse(body) : {});
    if (route === 'GET /__emulator/health') return sendJson(res, 200, { ok: true, scenario: pristine.name ?? null });
    if (route === 'GET /__emulator/calls') {
      const rows = [...counts.values()];
      return sendJson(res, 200, { total: rows.reduce((n, r) => n + r.count, 0), calls: rows });
    }
    if (route === 'DELETE /__emulator/calls' || route === 'POST /__emulator/calls/reset') {
      counts.clear();
      return sendJson(res, 200, { ok: true });
    }
    if (route === 'GET /__emulator/faults') return sendJson(res, 200, { faults: injector.list() });
    if (route === 'POST /__emulator/faults' || route === 'PUT /__emulator/faults') {
      const parsed = parseBody() as { faults?: unknown } | unknown[];
      const rules = Array.isArray(parsed) ? parsed : parsed.faults;
      if (!Array.isArray(rules))
        return sendJson(res, 400, { error: 'expected {"faults": [...]} or an array of rules' });
      injector.set(rules as FaultRule[]);
      return sendJson(res, 200, { faults: injector.list() });
    }
    if (route === 'POST /__emulator/reset') {
      resetWorld();
      return sendJson(res, 200, { ok: true });
    }
    if (route === 'POST /__emulator/sessions/expire') {
      // Every session STS issued so far expires now: its next call answers the expired-token error.
      return sendJson(res, 200, { expired: world.expireIssuedSessions() });
    }
    const instance = /^GET \/__emulator\/instances\/([^/]+)$/.exec(route);
    if (instance) {
      const record = world.instances.get(decodeURIComponent(instance[1]));
      return record ? sendJson(res, 200, instanceSnapshot(record)) : sendJson(res, 404, { error: 'no such instance' });
    }
    const key = /^GET \/__emulator\/keys\/(.+)$/.exec(route);
    if (key) {
      const ref = decodeURIComponent(key[1]);
      const record = world.keys.get(ref) ?? [...world.keys.values()].find((k) => k.id === ref);
      return record ? sendJson(res, 200, record) : sendJson(res, 404, { error: 'no such key' });
    }
    return sendJson(res, 404, { error: `unknown control route ${route}` });
  }

  const server = createServer((req, res) => {
    readBody(req)
      .then((body) => {
        if ((req.url ?? '').startsWith('/__emulator/')) {
          try {
            handleControl(req, res, body);
          } catch (error) {
            sendJson(res, 400, { error: error instanceof Error ? error.message : String(error) });
          }
          return undefined;
        }
        return handleAws(req, res, body);
      })
      .catch((error: unknown) => {
        if (!res.headersSent && !req.socket.destroyed)
          sendJson(res, 500, { error: error instanceof Error ? error.message : String(error) });
      });
  });
  server.keepAliveTimeout = 5000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    port,
    get state() {
      return world;
    },
    scenario: pristine,
    calls: () => [...counts.values()].map((r) => ({ ...r })),
    callCount: (filter = {}) => {
      let total = 0;
      for (const row of counts.values()) {
        if (filter.service !== undefined && row.service !== filter.service) continue;
        if (filter.action !== undefined && row.action !== filter.action) continue;
        if (filter.region !== undefined && row.region !== filter.region) continue;
        if (filter.principal !== undefined && row.principal !== filter.principal) continue;
        total += row.count;
      }
      return total;
    },
    resetCalls: () => counts.clear(),
    setFaults: (rules) => injector.set(rules),
    faults: () => injector.list(),
    reset: resetWorld,
    close: () =>
      new Promise<void>((resolve) => {
        world.dispose();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
