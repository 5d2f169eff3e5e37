// What the message after a key change (a saved key policy, an enabled key) offers. No `vscode`
// import: the decision is tested in plain mocha.
import type { InstanceStateName } from '../../core/model';

/** One offer of the message, as the command it leads to. */
export type KeyChangeOffer = 'start-again' | 'check-fix' | 'check-readiness';

/** The buttons' words, in the order of the offers. */
export const KEY_CHANGE_OFFER_LABELS: Readonly<Record<KeyChangeOffer, string>> = {
  'start-again': 'Start Instance Again…',
  'check-fix': 'Check the Fix',
  'check-readiness': 'Check Launch Readiness',
};

/** What the view holds about the changed key. */
export interface KeyChangeSubjects {
  /** The state of the instance in the latest report whose fix concerns the key; undefined without one. */
  instanceState: InstanceStateName | undefined;
  /** True when a group report's fix concerns the key. */
  groupReport: boolean;
}

/**
 * The offers, each row for itself (so a stopped instance and a group both get theirs):
 * - only a stopped instance can be started again, or its fix checked by diagnosing it again
 *   (a running or terminated one has nothing to start; Diagnose says so already);
 * - a group whose fix concerns the key can be predicted again whatever any instance report
 *   says: the group launches new instances, it does not start the diagnosed one.
 */
const OFFER_RULES: readonly { offers: readonly KeyChangeOffer[]; when: (s: KeyChangeSubjects) => boolean }[] = [
  { offers: ['start-again', 'check-fix'], when: (s) => s.instanceState === 'stopped' },
  { offers: ['check-readiness'], when: (s) => s.groupReport },
];

/** The offers after a key change, in the order they are shown. */
export function keyChangeOffers(subjects: KeyChangeSubjects): KeyChangeOffer[] {
  return OFFER_RULES.filter((rule) => rule.when(subjects)).flatMap((rule) => rule.offers);
}

/** The offer a picked button stands for; undefined when the message was dismissed. */
export function pickedOffer(label: string | undefined): KeyChangeOffer | undefined {
  return (Object.keys(KEY_CHANGE_OFFER_LABELS) as KeyChangeOffer[]).find((o) => KEY_CHANGE_OFFER_LABELS[o] === label);
}
