import * as assert from 'node:assert/strict';
import { analyzePolicyText, type Finding } from '../../../src/core/policy';
import { parseLintArguments, runLint } from '../../../src/cli/lint';

const OWNER = '111122223333';
const FOREIGN = '444455556666';
const APP = `arn:aws:iam::${OWNER}:role/App`;
const OTHER = `arn:aws:iam::${OWNER}:role/Other`;
const policy = (statements: unknown[]): string =>
  JSON.stringify({ Version: '2012-10-17', Statement: statements }, null, 2);
const delegation = (account: string, sid = 'Enable IAM User Permissions'): object => ({
  Sid: sid,
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${account}:root` },
  Action: 'kms:*',
  Resource: '*',
});
const APP_GRANTS = {
  Sid: 'AppGrants',
  Effect: 'Allow',
  Principal: { AWS: APP },
  Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:CreateGrant'],
  Resource: '*',
  Condition: { Bool: { 'kms:GrantIsForAWSResource': true } },
};
const FOREIGN_ATTACH = {
  Sid: 'Partner attachment',
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${FOREIGN}:root` },
  Action: ['kms:CreateGrant', 'kms:ListGrants', 'kms:RevokeGrant'],
  Resource: '*',
  Condition: { Bool: { 'kms:GrantIsForAWSResource': true } },
};
const verdicts = (findings: Finding[]): [string, string][] =>
  findings.filter((f) => f.code.startsWith('principal-')).map((f) => [f.code, f.message]);

describe("precision: the key's account", () => {
  it('a foreign kms:* delegation listed first does not make same-account principals cross-account', () => {
    const text = policy([delegation(FOREIGN, 'Partner full access'), delegation(OWNER), APP_GRANTS]);
    const found = verdicts(analyzePolicyText(text, { principals: [APP, OTHER] }).findings);
    assert.deepEqual(
      found.map(([code]) => code),
      ['principal-relies-on-iam'],
      'App is allowed by the key policy itself; only Other relies on IAM',
    );
    assert.match(found[0][1], /role\/Other/);
    assert.doesNotMatch(found[0][1], /another account/);
  });

  it('a foreign account allowed only the attachment grants is not taken for the owner', () => {
    const text = policy([FOREIGN_ATTACH, APP_GRANTS]);
    const findings = analyzePolicyText(text, { principals: [APP] }).findings;
    assert.deepEqual(verdicts(findings), [], 'App is allowed; nothing says it is in another account');
  });

  it('says which account it assumed and from which statement, in the message when the verdict turned on it', () => {
    const partner = `arn:aws:iam::${FOREIGN}:role/Partner`;
    const text = policy([delegation(OWNER), { ...APP_GRANTS, Principal: { AWS: [APP, partner] } }]);
    const findings = analyzePolicyText(text, { principals: [partner, OTHER] }).findings;
    const [partnerFinding] = findings.filter((f) => f.message.startsWith(partner));
    assert.equal(partnerFinding.code, 'principal-relies-on-iam');
    assert.match(
      partnerFinding.message,
      /The key's account is assumed to be 111122223333, the account statement "Enable IAM User Permissions" allows kms:\* \(set ec2LaunchDoctor.keyAccount or lint --key-arn if that is wrong\)\.$/,
    );
    const [otherFinding] = findings.filter((f) => f.message.startsWith(OTHER));
    assert.doesNotMatch(otherFinding.message, /key's account/, 'same account: the message stays as it was');
    assert.match(otherFinding.details?.at(-1) ?? '', /^The key's account is assumed to be 111122223333/);
  });

  it('the given account (setting, --key-arn, live key ARN) wins over the inference', () => {
    // The policy's only delegation names the foreign account: inferred, App would look cross-account.
    const text = policy([delegation(FOREIGN), APP_GRANTS]);
    const inferred = verdicts(analyzePolicyText(text, { principals: [APP] }).findings);
    assert.deepEqual(
      inferred.map(([code]) => code),
      ['principal-relies-on-iam'],
    );
    assert.match(inferred[0][1], /another account \(111122223333\).*assumed to be 444455556666/);
    const given = analyzePolicyText(text, { principals: [APP], keyAccount: OWNER }).findings;
    assert.deepEqual(verdicts(given), [], 'App is in the key account and allowed');
    const other = analyzePolicyText(text, { principals: [OTHER], keyAccount: OWNER }).findings;
    assert.match(
      other.find((f) => f.code.startsWith('principal-'))?.details?.at(-1) ?? '',
      /account is 111122223333, as given/,
    );
  });

  it('an account that is not 12 digits is ignored, not trusted', () => {
    const text = policy([delegation(FOREIGN), APP_GRANTS]);
    const bogus = verdicts(analyzePolicyText(text, { principals: [APP], keyAccount: 'nope' }).findings);
    assert.match(bogus[0]?.[1] ?? '', /assumed to be 444455556666/);
  });

  it('lint --key-arn decides who is cross-account, end to end', async () => {
    const text = policy([delegation(FOREIGN), APP_GRANTS]);
    const lint = async (args: string[]): Promise<string> => {
      let out = '';
      await runLint([...args, '--principal', APP, 'k.json'], {
        stdout: (s) => (out += s),
        stderr: () => undefined,
        readFile: async () => text,
      });
      return out;
    };
    assert.match(await lint([]), /principal-relies-on-iam .*assumed to be 444455556666/);
    const key = `arn:aws:kms:eu-west-1:${OWNER}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    assert.doesNotMatch(await lint(['--key-arn', key]), /principal-/);
  });

  it('lint --key-arn gives the account, and the Region when --region is absent', () => {
    const key = `arn:aws:kms:eu-west-1:${OWNER}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    const parsed = parseLintArguments(['--key-arn', key, 'a.json']);
    assert.ok(typeof parsed !== 'string');
    assert.equal(parsed.keyAccount, OWNER);
    assert.equal(parsed.region, 'eu-west-1');
    const both = parseLintArguments(['--key-arn', key, '--region', 'us-west-2', 'a.json']);
    assert.ok(typeof both !== 'string');
    assert.equal(both.region, 'us-west-2');
    assert.match(String(parseLintArguments(['--key-arn', 'alias/app', 'a.json'])), /--key-arn expects a KMS key ARN/);
  });
});
