// Turns the raw samples of the benchmark processes into the figures, the target verdicts,
// the console table, the Markdown table for the README and commit-friendly JSON.
import * as os from 'node:os';

/** Median, quartiles and extremes of a list of samples. */
export function summarize(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q) => {
    const position = (sorted.length - 1) * q;
    const low = Math.floor(position);
    const high = Math.ceil(position);
    return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
  };
  return {
    n: sorted.length,
    median: at(0.5),
    p25: at(0.25),
    p75: at(0.75),
    min: sorted[0],
    max: sorted[sorted.length - 1],
  };
}

/** Rounds to a precision that keeps the figure and drops the noise digits. */
export function round(value) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return value;
  const magnitude = Math.abs(value);
  const digits = magnitude >= 1000 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 3;
  return Number(value.toFixed(digits));
}

/** The machine the figures were measured on. */
export function machine(loadBefore) {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model?.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: round(os.totalmem() / 1024 ** 3),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAverageBefore: loadBefore.map(round),
    loadAverageAfter: os.loadavg().map(round),
  };
}

const KIB = 1024;
const fmt = {
  ms: (v) => `${round(v)} ms`,
  kb: (v) => `${(v / KIB).toFixed(1)} KB`,
  perSecond: (v) => `${Math.round(v).toLocaleString('en-US')}/s`,
  ratio: (v) => `${v.toFixed(2)}x`,
  mib: (v) => `${round(v)} MB`,
  count: (v) => String(v),
};

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

function spread(summary, unit) {
  if (!summary || summary.n < 2) return '';
  return `${fmt[unit](summary.min)} – ${fmt[unit](summary.max)}`;
}

function row(id, benchmark, value, unit, { summary, detail = '', target, pass } = {}) {
  return {
    id,
    benchmark,
    median: round(value),
    display: fmt[unit](value),
    spread: spread(summary, unit),
    runs: summary?.n ?? 1,
    detail,
    target: target ?? '',
    result: target ? (pass ? 'PASS' : 'FAIL') : '',
  };
}

/**
 * The linearity curve of the policy analysis: one row per minified document size, and per
 * kind a row comparing the cost per byte of the largest with the smallest (linear: about 1x;
 * each fix used to cost the whole one-line document, which made it grow with the size).
 */
function linearityRows(points) {
  const rows = [];
  const byKind = new Map();
  for (const point of points) {
    const summary = summarize(point.samplesMs);
    const slug = point.kind.replace(/\W+/g, '-');
    rows.push(
      row(
        `policy.linear.${slug}.${Math.round(point.bytes / KIB)}k`,
        `Analyze a minified ${point.kind} of ${fmt.kb(point.bytes)}, every fix's edits made`,
        summary.median,
        'ms',
        {
          summary,
          detail: `${point.findings} findings, ${point.edits} edits; first call ${fmt.ms(point.firstCallMs)}`,
          target: point.bytes < 64 * KIB && point.kind === 'key policy' ? '< 50 ms' : undefined,
          pass: summary.median < 50,
        },
      ),
    );
    const list = byKind.get(point.kind) ?? [];
    list.push({ bytes: point.bytes, median: summary.median });
    byKind.set(point.kind, list);
  }
  for (const [kind, list] of byKind) {
    if (list.length < 2) continue;
    const small = list[0];
    const large = list[list.length - 1];
    const growth = large.median / large.bytes / (small.median / small.bytes);
    rows.push(
      row(
        `policy.linear.${kind.replace(/\W+/g, '-')}.growth`,
        `Cost per byte, ${fmt.kb(large.bytes)} ÷ ${fmt.kb(small.bytes)} minified ${kind}`,
        growth,
        'ratio',
        {
          detail: `${fmt.ms(small.median)} for ${fmt.kb(small.bytes)}, ${fmt.ms(large.median)} for ${fmt.kb(large.bytes)}`,
          target: '<= 3x',
          pass: growth <= 3,
        },
      ),
    );
  }
  return rows;
}

/** The rows of the infrastructure-code formats: a 1 MB YAML template and a 1 MB Terraform file. */
function iacRows(policy) {
  const rows = [];
  if (policy.yamlTemplate) {
    const yaml = summarize(policy.yamlTemplate.samplesMs);
    rows.push(
      row('policy.yamlTemplate', 'Analyze a 1 MB CloudFormation template in YAML', yaml.median, 'ms', {
        summary: yaml,
        detail: `${policy.yamlTemplate.bytes.toLocaleString('en-US')} bytes, ${policy.yamlTemplate.findings} findings; first call ${fmt.ms(policy.yamlTemplate.firstCallMs)}`,
      }),
    );
  }
  if (policy.terraform) {
    const terraform = summarize(policy.terraform.samplesMs);
    rows.push(
      row('policy.terraform', 'Analyze a 1 MB Terraform file (jsonencode key policies)', terraform.median, 'ms', {
        summary: terraform,
        detail: `${policy.terraform.bytes.toLocaleString('en-US')} bytes, ${policy.terraform.findings} findings; parser load ${fmt.ms(policy.terraform.parserLoadMs)}, first call ${fmt.ms(policy.terraform.firstCallMs)}`,
      }),
    );
  }
  return rows;
}

/** The tree listing with every region expanded, its Auto Scaling groups read beside its instances. */
function treeGroupRows(listing) {
  const g = listing.groups;
  const withGroups = summarize(g.parallelMs);
  const bound = g.lowerBound;
  const s = listing.shape;
  return [
    row(
      'tree.groups',
      `Same tree, every region expanded: ${g.groups} Auto Scaling groups (${g.failingGroups} failing) beside the instances`,
      withGroups.median,
      'ms',
      {
        summary: withGroups,
        detail: `${g.calls.total} calls (${Object.entries(g.calls.byAction)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}), limit ${s.limit}`,
      },
    ),
    row('tree.groups.lowerBound', 'Lower bound with the groups (latency, calls, limit)', bound.ms, 'ms', {
      detail: `${bound.latencyMs} ms x max(ceil(${bound.calls}/${bound.limit}), 1 + ceil(${bound.waitingCalls}/${bound.limit}), 2 + ceil(${bound.activityCalls}/${bound.limit})) = ${bound.latencyMs} x ${bound.rounds}`,
    }),
    row('tree.groups.ratio', 'Tree listing with groups ÷ its lower bound', withGroups.median / bound.ms, 'ratio', {
      target: '<= 1.5x',
      pass: withGroups.median / bound.ms <= 1.5 && g.callsStable,
    }),
  ];
}

/** The table rows, one per figure, with the targets of issue 8. */
export function buildRows(results) {
  const rows = [];
  const { activation, policy, listing, scale, diagnosis } = results;

  if (activation && !activation.error) {
    const total = summarize(activation.totalMs);
    const sdk = activation.proof.sdkModulesLoaded.length + (activation.proof.awsBundleLoadedByActivation ? 1 : 0);
    rows.push(
      row('activation.bundle', 'Activation bundle (dist/extension.js, production)', activation.bundle.bytes, 'kb', {
        detail: `${activation.bundle.bytes.toLocaleString('en-US')} bytes, ${fmt.kb(activation.bundle.gzipBytes)} gzipped; AWS layer loaded later: ${fmt.kb(activation.bundle.lazyAwsBundleBytes)}`,
        target: '< 150 KB',
        pass: activation.bundle.bytes < 150 * KIB,
      }),
      row('activation.time', 'Load + activate() with a vscode stand-in (fresh process each)', total.median, 'ms', {
        summary: total,
        detail: `require ${fmt.ms(summarize(activation.loadMs).median)}, activate() ${fmt.ms(summarize(activation.activateMs).median)}; ${activation.proof.subscriptions} disposables, ${activation.proof.commands} commands`,
        target: '< 30 ms',
        pass: total.median < 30,
      }),
      row('activation.sdk', 'AWS SDK modules loaded by activation', sdk, 'count', {
        detail: `modules loaded: ${activation.proof.modulesRequested.join(', ')}; control: expanding the tree loads dist/aws.js (${activation.proof.control.awsBundleLoadedAfterExpand ? 'seen' : 'NOT seen'})`,
        target: '0',
        pass: sdk === 0 && activation.proof.control.awsBundleLoadedAfterExpand,
      }),
    );
  }

  if (policy && !policy.error) {
    const key = summarize(policy.keyPolicy.samplesMs);
    const template = summarize(policy.template.samplesMs);
    const evaluator = summarize(policy.throughput.evaluatorPerSecond);
    const simulator = summarize(policy.throughput.simulatorPerSecond);
    const simulations = summarize(policy.throughput.simulationsPerSecond);
    const ratio = evaluator.median / simulator.median;
    const t = policy.throughput;
    rows.push(
      row(
        'policy.keyPolicy',
        `Analyze a 32 KB key policy (${policy.keyPolicy.statements} statements)`,
        key.median,
        'ms',
        {
          summary: key,
          detail: `${policy.keyPolicy.bytes.toLocaleString('en-US')} bytes, ${policy.keyPolicy.findings} findings; first call ${fmt.ms(policy.keyPolicy.firstCallMs)}`,
          target: '< 5 ms',
          pass: key.median < 5,
        },
      ),
      row('policy.template', 'Analyze a 1 MB CloudFormation template', template.median, 'ms', {
        summary: template,
        detail: `${policy.template.bytes.toLocaleString('en-US')} bytes, ${policy.template.findings} findings`,
      }),
      ...iacRows(policy),
      row(
        'policy.evaluator',
        `evaluateCreateGrant on ${t.questions.toLocaleString('en-US')} questions`,
        evaluator.median,
        'perSecond',
        {
          summary: evaluator,
          detail: `verdicts ${Object.entries(t.verdicts)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}`,
        },
      ),
      row('policy.simulator', '@cloud-copilot/iam-simulate on the same questions', simulator.median, 'perSecond', {
        summary: simulator,
        detail: `${t.simulationsPerPass.toLocaleString('en-US')} simulations a pass (${fmt.perSecond(simulations.median)}); ${t.disagreements} disagreements`,
      }),
      row('policy.ratio', 'Evaluator ÷ simulator throughput', ratio, 'ratio', {
        detail: `per simulation call: ${fmt.ratio(evaluator.median / simulations.median)}`,
        target: '>= 10x',
        pass: ratio >= 10 && t.disagreements === 0,
      }),
    );
    rows.push(...linearityRows(policy.linearity ?? []));
  }

  if (listing && !listing.error) {
    const parallel = summarize(listing.parallelMs);
    const sequential = summarize(listing.sequentialMs);
    const bound = listing.lowerBound;
    const s = listing.shape;
    rows.push(
      row(
        'tree.parallel',
        `Tree listing ${s.profiles} profiles x ${s.regions} regions x ${s.instancesPerRegion} instances, ${s.latencyMs} ms latency`,
        parallel.median,
        'ms',
        {
          summary: parallel,
          detail: `${listing.calls.total} calls (${Object.entries(listing.calls.byAction)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}), limit ${s.limit}`,
        },
      ),
      row('tree.sequential', 'Same calls one at a time (baseline)', sequential.median, 'ms', {
        summary: sequential,
        detail: `${listing.sequentialCalls} calls; the tree is ${fmt.ratio(sequential.median / parallel.median)} faster`,
      }),
      row('tree.lowerBound', 'Lower bound (latency, calls, limit)', bound.ms, 'ms', {
        detail: `${bound.latencyMs} ms x max(ceil(${bound.calls}/${bound.limit}), 1 + ceil(${bound.describeInstancesCalls}/${bound.limit})) = ${bound.latencyMs} x ${bound.rounds}`,
      }),
      row('tree.ratio', 'Tree listing ÷ lower bound', parallel.median / bound.ms, 'ratio', {
        detail: `sequential ÷ lower bound ${fmt.ratio(sequential.median / bound.ms)}`,
        target: '<= 1.5x',
        pass: parallel.median / bound.ms <= 1.5 && listing.callsStable,
      }),
    );
    if (listing.groups) rows.push(...treeGroupRows(listing));
  }

  if (scale && !scale.error) {
    const time = summarize(scale.instances.listMs);
    const peak = summarize(scale.instances.peakRssDeltaMiB);
    const retained = summarize(scale.instances.heapRetainedDeltaMiB);
    const heap = summarize(scale.instances.heapUsedDeltaMiB);
    const profiles = summarize(scale.profiles.listMs);
    rows.push(
      row(
        'scale.instances',
        `List ${scale.instances.instances.toLocaleString('en-US')} instances in one region`,
        time.median,
        'ms',
        {
          summary: time,
          detail: `${scale.instances.callsPerListing} DescribeInstances pages, fresh process each`,
          target: '< 3 s',
          pass: time.median < 3000,
        },
      ),
      row(
        'scale.memory',
        `Extra memory listing ${scale.instances.instances.toLocaleString('en-US')} instances (peak RSS)`,
        peak.median,
        'mib',
        {
          summary: peak,
          detail: `heap +${round(heap.median)} MB right after, +${round(retained.median)} MB retained after GC with the list held`,
          target: '< 200 MB',
          pass: peak.median < 200,
        },
      ),
      row(
        'scale.profiles',
        `listProfiles with ${scale.profiles.profiles.toLocaleString('en-US')} profiles`,
        profiles.median,
        'ms',
        {
          summary: profiles,
          detail: `${fmt.kb(scale.profiles.fileBytes)} of config + credentials, re-read each run; first call ${fmt.ms(scale.profiles.firstCallMs)}`,
          target: '< 500 ms',
          pass: profiles.median < 500,
        },
      ),
    );
  }

  if (diagnosis && !diagnosis.error) {
    for (const c of diagnosis.cases) {
      const wall = summarize(c.wallMs);
      rows.push(
        row(
          `diagnosis.${c.instanceId}`,
          `Diagnose ${c.instanceId} (${c.cause}), ${diagnosis.latencyMs} ms latency`,
          wall.median,
          'ms',
          {
            summary: wall,
            detail: `${c.verdict}; ${plural(c.rounds, 'round')}, ${plural(c.calls, 'port call')}, ${plural(c.emulatorCalls, 'AWS call')}; wall ÷ latency ${(wall.median / diagnosis.latencyMs).toFixed(1)}`,
            target: '<= 5 rounds',
            pass: c.rounds <= 5 && c.stable,
          },
        ),
      );
    }
  }

  for (const [name, result] of Object.entries(results)) {
    if (result?.error)
      rows.push({
        id: `${name}.error`,
        benchmark: `${name}: CRASHED`,
        median: null,
        display: '',
        spread: '',
        runs: 0,
        detail: result.error,
        target: '',
        result: 'ERROR',
      });
  }
  return rows;
}

/** The table for a terminal. */
export function consoleTable(rows) {
  const headers = ['Benchmark', 'Median', 'Spread (min – max)', 'Runs', 'Target', 'Result'];
  const cells = rows.map((r) => [r.benchmark, r.display, r.spread, String(r.runs), r.target, r.result]);
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (values) => values.map((v, i) => v.padEnd(widths[i])).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

const escapeCell = (text) => String(text).replace(/\|/g, '\\|');

/** The Markdown section the README carries. */
export function markdown(rows, info) {
  const m = info.machine;
  const lines = [
    `Measured with \`npm run bench\` on ${m.cpu} (${m.cores} cores, ${m.memoryGiB} GiB), ${m.os}, Node ${m.node}; load average ${m.loadAverageBefore.join(' / ')} at the start.`,
    '',
    '| Benchmark | Median | Spread (min – max) | Runs | Detail | Target | Result |',
    '|---|---:|---:|---:|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${escapeCell(r.benchmark)} | ${escapeCell(r.display)} | ${escapeCell(r.spread)} | ${r.runs} | ${escapeCell(r.detail)} | ${escapeCell(r.target)} | ${r.result ? `**${r.result}**` : ''} |`,
    ),
    '',
    'How each figure is taken:',
    '',
    '- Activation: `esbuild.mjs --production` is built into a temporary directory; each run is a new Node process that loads `dist/extension.js` with a hand-written `vscode` stand-in and calls `activate()`. Every module loaded is recorded; expanding the tree afterwards (control run) must load `dist/aws.js`, which proves the check would see the SDK.',
    '- Policy: `analyzePolicyText` with two principals configured; a question is "may this caller obtain EC2\'s grant under this key policy?" (`evaluateCreateGrant`). The simulator answers the same question with one `runSimulation` of the key policy alone, and a second one with an identity policy allowing `kms:*` when the first does not allow; both must give the same verdicts.',
    "- Tree: the call pattern of the Instances view (caller identity, DescribeRegions, then every region at once) against the local emulator with 100 ms added to every call, one concurrency limit shared by all profiles. The lower bound: DescribeInstances calls cannot start before their profile's DescribeRegions answers (one round), and no round holds more than the limit, so rounds >= max(ceil(C / L), 1 + ceil(D / L)). With the groups, every region is also expanded as soon as it is listed, which reads its groups as the view does (one DescribeAutoScalingGroups, then DescribeScalingActivities for the groups short of capacity only); the activities also wait for their region's group listing, so rounds >= max(ceil(C / L), 1 + ceil(W / L), 2 + ceil(A / L)).",
    '- Scale: each 10,000-instance listing runs in a new process started with `--expose-gc`; memory is measured from a collected baseline after the AWS layer loaded. The emulator runs in its own process, so neither its CPU nor its memory is counted.',
    "- Diagnosis: `diagnoseInstance` over the AWS layer as dev-admin in eu-west-1 against the demo scenario with 100 ms per call; rounds and port calls from `report.calls`, AWS calls from the emulator's counter.",
  ];
  return `${lines.join('\n')}\n`;
}

/** JSON with keys in sorted order at every level, so two runs diff line by line. */
export function stableJson(value) {
  const sort = (v) => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object')
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, sort(v[k])]),
      );
    return round(v);
  };
  return `${JSON.stringify(sort(value), null, 2)}\n`;
}

/** Replaces every list of numbers (raw samples) by its summary, for the committed JSON. */
export function summarizeSamples(value) {
  if (Array.isArray(value)) {
    if (value.length > 0 && value.every((v) => typeof v === 'number')) return summarize(value);
    return value.map(summarizeSamples);
  }
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, summarizeSamples(v)]));
  return value;
}
