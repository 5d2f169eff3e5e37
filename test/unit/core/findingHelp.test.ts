import * as assert from 'node:assert/strict';
import { FINDING_HELP, findingHelp } from '../../../src/core/findingHelp';
import { FINDING_CODES, FINDING_TITLES } from '../../../src/core/policy';

describe('finding explanations', () => {
  it('explain every finding code the analyzer can report, under the one title of the code', () => {
    assert.deepEqual(Object.keys(FINDING_HELP).sort(), [...FINDING_CODES].sort());
    for (const code of FINDING_CODES) {
      const help = FINDING_HELP[code];
      assert.equal(help.title, FINDING_TITLES[code]);
      assert.ok(help.markdown.length > 50, `${code} needs a real explanation`);
    }
  });

  it('look codes up from outside (a link) without reaching inherited properties', () => {
    assert.equal(findingHelp('policy-too-large')?.title, FINDING_TITLES['policy-too-large']);
    for (const code of ['constructor', '__proto__', 'toString', 'no-such-code'])
      assert.equal(findingHelp(code), undefined, code);
  });
});
