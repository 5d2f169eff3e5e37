import * as assert from 'node:assert/strict';
import type { InstanceSummary, Outcome, ProfileSummary } from '../../../src/core/model';
import type { ProfileNode } from '../../../src/vscode/explorer/nodes';
import {
  ProfileListing,
  profileChildren,
  withDeadline,
  type ExplorerBackend,
  type RegionListing,
} from '../../../src/vscode/explorer/profileListing';
import { errorLabel } from '../../../src/vscode/explorer/tooltips';

const profile: ProfileNode = {
  type: 'profile',
  profile: { name: 'dev', signIn: 'static-keys' } as ProfileSummary,
};

function instance(id: string, region: string): InstanceSummary {
  return { id, region, state: 'running', blockDevices: [] };
}

/** A backend whose regions answer when the test says so. */
function controlledBackend(regions: string[]) {
  const answers = new Map<string, (outcome: Outcome<InstanceSummary[]>) => void>();
  const signals = new Map<string, AbortSignal>();
  const backend: ExplorerBackend = {
    profiles: async () => [profile.profile],
    callerIdentity: async () => ({ ok: true, value: { account: '111122223333', arn: 'arn', userId: 'u' } }),
    regions: async () => ({ ok: true, value: regions }),
    instances: (_profile, region, signal) => {
      if (signal) signals.set(region, signal);
      return new Promise((resolve) => answers.set(region, resolve));
    },
    instancesById: async () => ({ ok: true, value: [] }),
  };
  const answer = (region: string, ids: string[]) =>
    answers.get(region)?.({ ok: true, value: ids.map((id) => instance(id, region)) });
  return { backend, answer, signals };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('a profile listed region by region', () => {
  it('shows each region as it finishes while a stalled one shows as still listing', async () => {
    const { backend, answer } = controlledBackend(['us-east-1', 'eu-west-1', 'ap-east-1']);
    const settled: string[] = [];
    const listing = new ProfileListing(profile, backend, {
      signal: new AbortController().signal,
      deadlineMs: 60_000,
      onRegionSettled: (r) => settled.push(r.region),
    });
    await listing.ready;
    await tick();
    answer('eu-west-1', ['i-0000000000000000a']);
    await tick();
    assert.deepEqual(settled, ['eu-west-1']);
    const children = profileChildren(listing, { showEmptyRegions: false }, {});
    assert.deepEqual(
      children.map((c) =>
        c.type === 'region' ? `region ${c.region}` : c.type === 'message' ? `listing ${c.label}` : c.type,
      ),
      ['region eu-west-1', 'listing us-east-1', 'listing ap-east-1'],
    );
    answer('us-east-1', []);
    answer('ap-east-1', ['i-0000000000000000b']);
    await listing.settled;
    assert.deepEqual(
      profileChildren(listing, { showEmptyRegions: true }, {}).map((c) => (c.type === 'region' ? c.region : c.type)),
      ['us-east-1', 'eu-west-1', 'ap-east-1'],
      'listed regions keep the order of the region list',
    );
  });

  it('turns a region that passes the deadline into an error node with a next step, and aborts its call', async () => {
    const { backend, answer, signals } = controlledBackend(['us-east-1', 'eu-west-1', 'ap-east-1']);
    const listing = new ProfileListing(profile, backend, { signal: new AbortController().signal, deadlineMs: 50 });
    await listing.ready;
    await tick();
    answer('us-east-1', ['i-0000000000000000a']);
    await listing.settled;
    assert.equal(signals.get('eu-west-1')?.aborted, true, 'the stalled call is aborted');
    assert.equal(signals.get('us-east-1')?.aborted, false);
    const states = listing.regions().map((r: RegionListing) => `${r.region} ${r.state}`);
    assert.deepEqual(states, ['us-east-1 listed', 'eu-west-1 failed', 'ap-east-1 failed']);
    const children = profileChildren(listing, { showEmptyRegions: false }, {});
    const errors = children.filter((c) => c.type === 'error');
    assert.deepEqual(
      errors.map((e) => e.type === 'error' && e.region),
      ['eu-west-1', 'ap-east-1'],
      'error nodes in region order',
    );
    for (const error of errors) {
      assert.ok(error.type === 'error');
      assert.match(error.failure.message, /did not finish within/);
      assert.ok(error.failure.nextStep.length > 0);
    }
    // A late answer of a timed-out region changes nothing.
    answer('eu-west-1', ['i-0000000000000000c']);
    await tick();
    assert.equal(listing.regions()[1].state, 'failed');
  });

  it('shows a profile whose regions cannot be listed as one error node', async () => {
    const backend: ExplorerBackend = {
      ...controlledBackend([]).backend,
      regions: async () => ({
        ok: false,
        error: { kind: 'expired-credentials', message: 'expired', nextStep: 'aws sso login --profile dev' },
      }),
    };
    const listing = new ProfileListing(profile, backend, { signal: new AbortController().signal });
    await listing.settled;
    const children = profileChildren(listing, { showEmptyRegions: false }, {});
    assert.equal(children.length, 1);
    assert.ok(children[0].type === 'error' && children[0].failure.kind === 'expired-credentials');
  });

  it('ends a call at the deadline, and on abort, whatever the call does', async () => {
    const never = () => new Promise<Outcome<number>>(() => undefined);
    const failure = { kind: 'network' as const, message: 'late', nextStep: 'retry' };
    const late = await withDeadline(never, new AbortController().signal, 20, failure);
    assert.deepEqual(late, { ok: false, error: failure });
    const thrown = await withDeadline(
      async () => {
        throw new Error('boom');
      },
      new AbortController().signal,
      1000,
      failure,
    );
    assert.ok(!thrown.ok && thrown.error.message === 'boom');
    const parent = new AbortController();
    let seen: AbortSignal | undefined;
    const pending = withDeadline(
      (signal) => {
        seen = signal;
        return new Promise<Outcome<number>>((resolve) =>
          signal.addEventListener('abort', () =>
            resolve({ ok: false, error: { kind: 'cancelled', message: 'x', nextStep: '' } }),
          ),
        );
      },
      parent.signal,
      10_000,
      failure,
    );
    parent.abort();
    assert.equal((await pending).ok, false);
    assert.equal(seen?.aborted, true);
  });

  it('hides empty regions unless asked, and says so when nothing is left', async () => {
    const { backend, answer } = controlledBackend(['us-east-1']);
    const listing = new ProfileListing(profile, backend, { signal: new AbortController().signal });
    await listing.ready;
    await tick();
    answer('us-east-1', []);
    await listing.settled;
    const [only] = profileChildren(listing, { showEmptyRegions: false }, {});
    assert.ok(only.type === 'message' && /No instances/.test(only.label));
    const [filtered] = profileChildren(listing, { showEmptyRegions: true }, { text: 'web' });
    assert.ok(filtered.type === 'message' && /matches the filter/.test(filtered.label));
  });
});

describe('the label of a timed-out region', () => {
  it('says it timed out rather than that the network failed', () => {
    const base = { type: 'error' as const, profile: 'dev', sso: false, region: 'eu-west-1' };
    assert.equal(
      errorLabel({ ...base, failure: { kind: 'network', code: 'TimeoutError', message: 'm', nextStep: 'n' } }),
      'Timed out',
    );
    assert.equal(errorLabel({ ...base, failure: { kind: 'network', message: 'm', nextStep: 'n' } }), 'Network error');
  });
});

describe("the order of a profile's regions", () => {
  it('puts regions with instances stopped at launch first, then the others and failed ones in region order', async () => {
    const { backend, answers } = (() => {
      const pending = new Map<string, (outcome: Outcome<InstanceSummary[]>) => void>();
      const b: ExplorerBackend = {
        profiles: async () => [profile.profile],
        callerIdentity: async () => ({ ok: true, value: { account: '111122223333', arn: 'arn', userId: 'u' } }),
        regions: async () => ({ ok: true, value: ['us-east-1', 'eu-west-1', 'ap-east-1', 'sa-east-1'] }),
        instances: (_p, region) => new Promise((resolve) => pending.set(region, resolve)),
        instancesById: async () => ({ ok: true, value: [] }),
      };
      return { backend: b, answers: pending };
    })();
    const listing = new ProfileListing(profile, backend, { signal: new AbortController().signal });
    await listing.ready;
    await tick();
    answers.get('us-east-1')?.({ ok: true, value: [instance('i-0000000000000000a', 'us-east-1')] });
    answers.get('eu-west-1')?.({ ok: false, error: { kind: 'access-denied', message: 'denied', nextStep: 'ask' } });
    answers.get('ap-east-1')?.({ ok: true, value: [instance('i-0000000000000000b', 'ap-east-1')] });
    answers.get('sa-east-1')?.({
      ok: true,
      value: [
        {
          ...instance('i-0000000000000000c', 'sa-east-1'),
          state: 'stopped',
          stateReason: { code: 'Client.InternalError', message: 'Client.InternalError: Client error on launch' },
        },
      ],
    });
    await listing.settled;
    assert.deepEqual(
      profileChildren(listing, { showEmptyRegions: false }, {}).map((c) =>
        c.type === 'region' ? c.region : c.type === 'error' ? `error ${c.region}` : c.type,
      ),
      ['sa-east-1', 'us-east-1', 'error eu-west-1', 'ap-east-1'],
    );
  });
});
