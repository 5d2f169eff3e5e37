/**
 * The orphaned-principal fixes against the emulator's KMS through the real SDK: a key policy
 * that still holds a deleted role's or user's unique id is refused by PutKeyPolicy as it is
 * (MalformedPolicyDocumentException, "Policy contains a statement with one or more invalid
 * principals."), and accepted once the analyzer's fix is applied to the text GetKeyPolicy returned.
 */
import * as assert from 'node:assert/strict';
import { GetKeyPolicyCommand, KMSClient, PutKeyPolicyCommand } from '@aws-sdk/client-kms';
import { analyzePolicyText } from '../../src/core/policy';
import { applyEdits } from '../../src/core/policy/fixes';
import { adminPolicy, keyPolicy, ScenarioBuilder, startEmulator, type Emulator } from '../emulator';

const DEV = '111111111111';
const REGION = 'eu-west-1';
const DELETED_ROLE = 'AROAQDELETEDROLE00002';
const DELETED_USER = 'AIDAQDELETEDUSER00003';
const NEW_APP = `arn:aws:iam::${DEV}:role/NewApp`;

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  assert.fail('the call succeeded');
}

describe('orphaned principals: the fixes make PutKeyPolicy accept the policy', () => {
  let emulator: Emulator;
  let kms: KMSClient;
  const keys: Record<string, string> = {};

  before(async () => {
    const b = new ScenarioBuilder('orphaned-principals', 0).account(DEV).region(REGION);
    const admin = b.principal({ name: 'admin', account: DEV, policies: [adminPolicy()] });
    b.principal({ name: 'new-app', account: DEV, arn: NEW_APP, sessionName: 's' });
    keys.alone = b.key({
      account: DEV,
      region: REGION,
      policy: keyPolicy(DEV, {
        Sid: 'Former operators',
        Effect: 'Allow',
        Principal: { AWS: DELETED_ROLE },
        Action: 'kms:Decrypt',
        Resource: '*',
      }),
    }).arn;
    keys.listed = b.key({
      account: DEV,
      region: REGION,
      policy: keyPolicy(DEV, {
        Sid: 'Users',
        Effect: 'Allow',
        Principal: { AWS: [admin.arn, DELETED_USER] },
        Action: 'kms:Decrypt',
        Resource: '*',
      }),
    }).arn;
    emulator = await startEmulator({ scenario: b.build() });
    kms = new KMSClient({
      endpoint: emulator.url,
      region: REGION,
      maxAttempts: 1,
      credentials: { accessKeyId: admin.accessKeyId, secretAccessKey: admin.secretAccessKey },
    });
  });
  after(async () => emulator?.close());

  /** The live policy, refused as it is; then with the fix titled `title` applied, accepted. */
  async function fixAndPut(key: string, title: string, principals: string[] = []): Promise<string> {
    const text = (await kms.send(new GetKeyPolicyCommand({ KeyId: key }))).Policy ?? '';
    const refused = await rejection(kms.send(new PutKeyPolicyCommand({ KeyId: key, Policy: text })));
    assert.equal(refused.name, 'MalformedPolicyDocumentException');
    assert.equal(refused.message, 'Policy contains a statement with one or more invalid principals.');
    const finding = analyzePolicyText(text, { principals }).findings.find((f) => f.code === 'orphaned-principal');
    const fix = finding?.fixes.find((f) => f.title === title);
    assert.ok(fix, `no fix "${title}" in ${JSON.stringify(finding?.fixes.map((f) => f.title))}`);
    const fixed = applyEdits(text, fix.edits);
    await kms.send(new PutKeyPolicyCommand({ KeyId: key, Policy: fixed }));
    const stored = (await kms.send(new GetKeyPolicyCommand({ KeyId: key }))).Policy ?? '';
    assert.deepEqual(JSON.parse(stored), JSON.parse(fixed));
    return stored;
  }

  it('replacing the deleted role with the principal of interest', async () => {
    const stored = await fixAndPut(keys.alone, `Replace the deleted principal ${DELETED_ROLE} with ${NEW_APP}`, [
      NEW_APP,
    ]);
    assert.ok(stored.includes(NEW_APP) && !stored.includes(DELETED_ROLE));
  });

  it('removing the deleted user from a list', async () => {
    const stored = await fixAndPut(keys.listed, `Remove the deleted principal ${DELETED_USER} from Principal`);
    assert.ok(!stored.includes(DELETED_USER));
    assert.equal(analyzePolicyText(stored).findings.filter((f) => f.code === 'orphaned-principal').length, 0);
  });
});
