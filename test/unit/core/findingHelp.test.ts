import * as assert from 'node:assert/strict';
import { FINDING_HELP } from '../../../src/core/findingHelp';
import { FINDING_CODES } from '../../../src/core/policy';

describe('finding explanations', () => {
  it('explain every finding code the analyzer can report, and no other', () => {
    assert.deepEqual(Object.keys(FINDING_HELP).sort(), [...FINDING_CODES].sort());
    for (const [code, help] of Object.entries(FINDING_HELP)) {
      assert.ok(help.title.length > 10 && help.markdown.length > 50, `${code} needs a real explanation`);
    }
  });
});
