import * as assert from 'node:assert/strict';
import type { InstanceStateName } from '../../../src/core/model';
import {
  KEY_CHANGE_OFFER_LABELS,
  keyChangeOffers,
  pickedOffer,
  type KeyChangeOffer,
} from '../../../src/vscode/diagnose/keyChangeOffers';

describe('The offers after a key change', () => {
  const cases: { instanceState: InstanceStateName | undefined; groupReport: boolean; offers: KeyChangeOffer[] }[] = [
    { instanceState: undefined, groupReport: false, offers: [] },
    { instanceState: undefined, groupReport: true, offers: ['check-readiness'] },
    { instanceState: 'stopped', groupReport: false, offers: ['start-again', 'check-fix'] },
    { instanceState: 'stopped', groupReport: true, offers: ['start-again', 'check-fix', 'check-readiness'] },
    // An instance report that cannot be started again must not hide the group's offer.
    { instanceState: 'terminated', groupReport: true, offers: ['check-readiness'] },
    { instanceState: 'running', groupReport: true, offers: ['check-readiness'] },
    { instanceState: 'pending', groupReport: true, offers: ['check-readiness'] },
    { instanceState: 'terminated', groupReport: false, offers: [] },
    { instanceState: 'running', groupReport: false, offers: [] },
    { instanceState: 'stopping', groupReport: false, offers: [] },
  ];
  for (const { instanceState, groupReport, offers } of cases) {
    it(`instance ${instanceState ?? 'without a report'}, ${groupReport ? 'with' : 'without'} a group report: ${offers.join(', ') || 'nothing'}`, () => {
      assert.deepEqual(keyChangeOffers({ instanceState, groupReport }), offers);
    });
  }

  it('maps each button back to its offer, and a dismissed message to none', () => {
    for (const [offer, label] of Object.entries(KEY_CHANGE_OFFER_LABELS)) assert.equal(pickedOffer(label), offer);
    assert.equal(pickedOffer(undefined), undefined);
    assert.equal(pickedOffer('Something else'), undefined);
  });

  it('words the readiness offer as the command it runs', () => {
    assert.equal(KEY_CHANGE_OFFER_LABELS['check-readiness'], 'Check Launch Readiness');
    assert.equal(new Set(Object.values(KEY_CHANGE_OFFER_LABELS)).size, 3);
  });
});
