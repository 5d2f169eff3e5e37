/**
 * A diagnosis reading a key policy that still names a deleted role by unique id: the report
 * says so, since KMS refuses to save that policy (and so the fix) until the id is gone.
 */
import * as assert from 'node:assert/strict';
import { ADMIN_ONLY_POLICY, KEY_ARN, baseWorld, diagnose } from './fakes';

const DELETED_ROLE = 'AROAEXAMPLEDELETED001';

function withOrphan(policy: string): string {
  const document = JSON.parse(policy) as { Statement: unknown[] };
  document.Statement.push({
    Sid: 'Former operators',
    Effect: 'Allow',
    Principal: { AWS: DELETED_ROLE },
    Action: 'kms:Decrypt',
    Resource: '*',
  });
  return JSON.stringify(document);
}

describe('diagnosis: a key policy naming a deleted principal', () => {
  it('says in the key policy step that KMS will refuse to save the policy until the id is removed', async () => {
    const report = await diagnose(baseWorld({ keyPolicies: { [KEY_ARN]: withOrphan(ADMIN_ONLY_POLICY) } }));
    const step = report.steps.find((s) => s.id === 'key-policy');
    assert.ok(step);
    const text = JSON.stringify(step);
    assert.match(
      text,
      new RegExp(`The key policy also names ${DELETED_ROLE}, the unique id of a deleted user or role`),
    );
    assert.match(text, /Policy contains a statement with one or more invalid principals\./);
    assert.equal(report.verdict.code, 'kms-create-grant-not-allowed');
    // The verdict says it too: the fix it proposes cannot be saved while the id stays.
    assert.match(report.verdict.summary, new RegExp(`names ${DELETED_ROLE}.*removed or replaced`));
  });

  it('says nothing of it for a policy without one', async () => {
    const report = await diagnose(baseWorld());
    assert.doesNotMatch(JSON.stringify(report), /unique id of a deleted/);
  });
});
