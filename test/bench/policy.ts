/**
 * Policy benchmarks: analysis time of a 32 KB key policy, of a 1 MB CloudFormation
 * template in JSON and in YAML and of a 1 MB Terraform file, the linearity curve (minified key policies and templates of 32 KB, 320 KB and
 * 3.2 MB, every fix's edits computed as `lint --format json` does), and the CreateGrant
 * evaluator's throughput against @cloud-copilot/iam-simulate on the same questions. Run by
 * run.mjs in its own process; sends raw samples back.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import {
  analyzePolicyText,
  type AnalysisResult,
  type AnalyzeOptions,
  evaluateCreateGrant,
  ec2GrantRequest,
  type CreateGrantVerdict,
} from '../../src/core/policy';
import { ACCOUNT, documentedNotPrincipal, KEY_ARN, REGION, type KeyPolicy } from '../unit/policy/generators';
import {
  grantQuestions,
  largeKeyPolicyText,
  largeTemplateText,
  minifiedKeyPolicyText,
  type GrantQuestion,
} from './policyFixtures';
import { analyzeTerraformText } from '../../src/core/policy/formats/terraform';
import { loadTerraformParser } from '../../src/core/policy/formats/terraformParser';
import { analyzeYamlText } from '../../src/core/policy/formats/yaml';
import { largeTerraformText, largeYamlTemplateText } from './iacFixtures';
import { progress, sendResult, timeMs } from './protocol';

async function timeMsAsync(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

const KEY_POLICY_RUNS = 60;
const TEMPLATE_RUNS = 9;
const QUESTIONS = 10_000;
const EVALUATOR_PASSES = 5;
const SIMULATOR_PASSES = 3;
const KMS_ALL = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] };
/** Principals a person has configured (ec2LaunchDoctor.principals), so the per-principal rules run too. */
const WATCHED = [
  `arn:aws:iam::${ACCOUNT}:role/team-7/app-7-0-service-role`,
  `arn:aws:iam::444455556666:role/team-4/app-4-1-service-role`,
];

function analysisSamples(
  text: string,
  runs: number,
  warmup: number,
  analyze: (text: string, options: AnalyzeOptions) => AnalysisResult = analyzePolicyText,
): { samplesMs: number[]; firstCallMs: number; kind: string; findings: number } {
  const first = timeMs(() => analyze(text, { principals: WATCHED }));
  for (let i = 0; i < warmup; i++) analyze(text, { principals: WATCHED });
  const samplesMs: number[] = [];
  for (let i = 0; i < runs; i++) samplesMs.push(timeMs(() => analyze(text, { principals: WATCHED })).ms);
  return { samplesMs, firstCallMs: first.ms, kind: first.value.kind, findings: first.value.findings.length };
}

/** Sizes of the linearity curve, and the runs at each (fewer for the larger ones). */
const CURVE = [
  { bytes: 32_768, runs: 15 },
  { bytes: 327_680, runs: 7 },
  { bytes: 3_276_800, runs: 3 },
];

/** One analysis with every fix's edits made, as the JSON and SARIF outputs need them. */
function analyzeWithEdits(text: string): { findings: number; edits: number } {
  const { findings } = analyzePolicyText(text, { principals: WATCHED });
  let edits = 0;
  for (const finding of findings) for (const fix of finding.fixes) edits += fix.edits.length;
  return { findings: findings.length, edits };
}

/** Analysis time against size, for one-line documents (each fix used to cost the whole line). */
function linearityCurve(): Record<string, unknown>[] {
  const points: Record<string, unknown>[] = [];
  for (const { bytes, runs } of CURVE) {
    for (const [kind, text] of [
      ['key policy', minifiedKeyPolicyText(bytes)],
      ['template', largeTemplateText(bytes, { minified: true })],
    ] as const) {
      const first = timeMs(() => analyzeWithEdits(text));
      const samplesMs: number[] = [];
      for (let i = 0; i < runs; i++) samplesMs.push(timeMs(() => analyzeWithEdits(text)).ms);
      points.push({
        kind,
        bytes: Buffer.byteLength(text),
        findings: first.value.findings,
        edits: first.value.edits,
        firstCallMs: first.ms,
        samplesMs,
      });
      progress(
        `policy: minified ${kind} of ${Math.round(bytes / 1024)} KB analysed (${first.value.findings} findings)`,
      );
    }
  }
  return points;
}

function evaluatorVerdict(q: GrantQuestion): CreateGrantVerdict {
  return evaluateCreateGrant(q.keyPolicy, q.caller, { region: REGION, keyArn: KEY_ARN }).verdict;
}

async function simulateDecision(
  q: GrantQuestion,
  context: Record<string, string>,
  identity: unknown[],
): Promise<string> {
  const response = await runSimulation(
    {
      request: {
        principal: q.caller,
        action: 'kms:CreateGrant',
        resource: { resource: KEY_ARN, accountId: ACCOUNT },
        contextVariables: context,
      },
      identityPolicies: identity.map((policy, i) => ({ name: `identity${i}`, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      // Deny + NotPrincipal: the simulator reads it otherwise than the IAM User Guide; it gets
      // the documented meaning, as in the differential test.
      resourcePolicy: documentedNotPrincipal(q.keyPolicy as KeyPolicy, q.caller) ?? q.keyPolicy,
    },
    {},
  );
  if (response.resultType !== 'single')
    throw new Error(`the simulator could not run: ${JSON.stringify(response).slice(0, 300)}`);
  return response.overallResult;
}

/**
 * The same verdict from the simulator: the key policy alone first; only when that does not
 * allow, again with an identity policy allowing kms:* (does IAM decide?).
 */
async function simulatorVerdict(q: GrantQuestion): Promise<{ verdict: CreateGrantVerdict; simulations: number }> {
  const request = ec2GrantRequest(q.caller, { region: REGION, keyArn: KEY_ARN });
  const context = Object.fromEntries(Object.entries(request.conditionKeys).map(([k, v]) => [k, String(v)]));
  if ((await simulateDecision(q, context, [])) === 'Allowed') return { verdict: 'allowed', simulations: 1 };
  const withIam = await simulateDecision(q, context, [KMS_ALL]);
  return { verdict: withIam === 'Allowed' ? 'relies-on-iam' : 'denied', simulations: 2 };
}

async function throughput(questions: GrantQuestion[]): Promise<Record<string, unknown>> {
  const evaluatorAnswers: CreateGrantVerdict[] = [];
  for (const q of questions.slice(0, 1000)) evaluatorVerdict(q);
  const evaluatorPerSecond: number[] = [];
  for (let pass = 0; pass < EVALUATOR_PASSES; pass++) {
    evaluatorAnswers.length = 0;
    const { ms } = timeMs(() => {
      for (const q of questions) evaluatorAnswers.push(evaluatorVerdict(q));
    });
    evaluatorPerSecond.push((questions.length / ms) * 1000);
  }
  progress(`policy: evaluator ${Math.round(evaluatorPerSecond[0])} questions/s; simulator running`);

  for (const q of questions.slice(0, 200)) await simulatorVerdict(q);
  const simulatorPerSecond: number[] = [];
  const simulationsPerSecond: number[] = [];
  let disagreements = 0;
  let simulations = 0;
  for (let pass = 0; pass < SIMULATOR_PASSES; pass++) {
    simulations = 0;
    disagreements = 0;
    const started = performance.now();
    for (let i = 0; i < questions.length; i++) {
      const answer = await simulatorVerdict(questions[i]);
      simulations += answer.simulations;
      if (answer.verdict !== evaluatorAnswers[i]) disagreements++;
    }
    const ms = performance.now() - started;
    simulatorPerSecond.push((questions.length / ms) * 1000);
    simulationsPerSecond.push((simulations / ms) * 1000);
  }
  const verdicts: Record<string, number> = {};
  for (const v of evaluatorAnswers) verdicts[v] = (verdicts[v] ?? 0) + 1;
  return {
    questions: questions.length,
    verdicts,
    disagreements,
    simulationsPerPass: simulations,
    evaluatorPerSecond,
    simulatorPerSecond,
    simulationsPerSecond,
  };
}

async function main(): Promise<void> {
  const keyPolicy = largeKeyPolicyText();
  const statements = (JSON.parse(keyPolicy) as { Statement: unknown[] }).Statement.length;
  const keyAnalysis = analysisSamples(keyPolicy, KEY_POLICY_RUNS, 20);
  progress(`policy: 32 KB key policy analysed (${keyAnalysis.findings} findings)`);
  const template = largeTemplateText();
  const templateAnalysis = analysisSamples(template, TEMPLATE_RUNS, 2);
  progress(`policy: 1 MB template analysed (${templateAnalysis.findings} findings)`);
  const yamlTemplate = largeYamlTemplateText();
  const yamlAnalysis = analysisSamples(yamlTemplate, TEMPLATE_RUNS, 2, analyzeYamlText);
  progress(`policy: 1 MB YAML template analysed (${yamlAnalysis.findings} findings)`);
  // The parser loads once (WebAssembly), as on the first .tf document; its load time is reported apart.
  const parserLoad = await timeMsAsync(() => loadTerraformParser());
  const terraform = largeTerraformText();
  const terraformAnalysis = analysisSamples(terraform, TEMPLATE_RUNS, 2, analyzeTerraformText);
  progress(`policy: 1 MB Terraform file analysed (${terraformAnalysis.findings} findings)`);
  const linearity = linearityCurve();
  const rates = await throughput(grantQuestions(QUESTIONS));
  sendResult({
    keyPolicy: { bytes: Buffer.byteLength(keyPolicy), statements, ...keyAnalysis },
    template: { bytes: Buffer.byteLength(template), ...templateAnalysis },
    yamlTemplate: { bytes: Buffer.byteLength(yamlTemplate), ...yamlAnalysis },
    terraform: { bytes: Buffer.byteLength(terraform), parserLoadMs: parserLoad, ...terraformAnalysis },
    linearity,
    throughput: rates,
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
