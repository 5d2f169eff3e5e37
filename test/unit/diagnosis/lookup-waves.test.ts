/**
 * lookupInWaves: CloudTrail allows two LookupEvents a second per account and Region, so a
 * launch's KMS calls are asked in waves that stop once the denial is found.
 */
import * as assert from 'node:assert/strict';
import { LAUNCH_LOOKUP_WAVES, lookupInWaves } from '../../../src/core/diagnosis/trail';
import type { Outcome, TrailEvent } from '../../../src/core/model';
import { failure } from './fakes';
import { F3_DENIED_DATA_KEY } from './realRecords';

const denied = (eventName: string): TrailEvent => ({ ...F3_DENIED_DATA_KEY, eventName });
const isDenied = (e: TrailEvent): boolean => e.errorCode !== undefined;

/** Lookups that record which names were asked together: those asked before any answer came are one wave. */
function trail(answers: Record<string, Outcome<TrailEvent[]>>) {
  const asked: string[][] = [];
  let current: string[] | undefined;
  const lookup = async (eventName: string): Promise<Outcome<TrailEvent[]>> => {
    if (!current) asked.push((current = []));
    current.push(eventName);
    // The answer comes a tick later, once every name of the wave has been asked.
    await Promise.resolve();
    current = undefined;
    return answers[eventName] ?? { ok: true, value: [] };
  };
  return { asked, lookup };
}

describe('lookupInWaves', () => {
  it('asks no more than two event names at once', () => {
    assert.ok(LAUNCH_LOOKUP_WAVES.every((wave) => wave.length <= 2));
    assert.deepEqual(LAUNCH_LOOKUP_WAVES.flat().sort(), [
      'CreateGrant',
      'Decrypt',
      'GenerateDataKeyWithoutPlaintext',
      'ReEncrypt',
    ]);
  });

  it('stops after the first wave when it names the denial', async () => {
    const t = trail({
      GenerateDataKeyWithoutPlaintext: { ok: true, value: [denied('GenerateDataKeyWithoutPlaintext')] },
    });
    const outcomes = await lookupInWaves(LAUNCH_LOOKUP_WAVES, t.lookup, isDenied);
    assert.deepEqual(t.asked, [['CreateGrant', 'GenerateDataKeyWithoutPlaintext']]);
    assert.equal(outcomes.length, 2);
  });

  it('goes on to Decrypt and ReEncrypt when the first wave names none, one wave after the other', async () => {
    const t = trail({ ReEncrypt: { ok: true, value: [denied('ReEncrypt')] } });
    const outcomes = await lookupInWaves(LAUNCH_LOOKUP_WAVES, t.lookup, isDenied);
    assert.deepEqual(t.asked, [
      ['CreateGrant', 'GenerateDataKeyWithoutPlaintext'],
      ['Decrypt', 'ReEncrypt'],
    ]);
    assert.ok(outcomes.some((o) => o.ok && o.value.some((e) => e.eventName === 'ReEncrypt')));
  });

  it('does not stop at a failed lookup: the next wave may still find the denial', async () => {
    const t = trail({
      CreateGrant: { ok: false, error: failure('throttled') },
      Decrypt: { ok: true, value: [denied('Decrypt')] },
    });
    const outcomes = await lookupInWaves(LAUNCH_LOOKUP_WAVES, t.lookup, isDenied);
    assert.equal(t.asked.length, 2);
    assert.equal(outcomes.filter((o) => !o.ok).length, 1);
    assert.ok(outcomes.some((o) => o.ok && o.value.some((e) => e.eventName === 'Decrypt')));
  });
});
