/**
 * One listing of the 10,000-instance region in a fresh process (run with --expose-gc), so the
 * memory it reports is this listing's alone: the baseline is taken after the AWS layer has
 * loaded and a collection, the "retained" figure after another collection with the result
 * still held, and the peak from the process's maximum resident set.
 */
import { loadAwsBundle } from './harness';
import { sendResult } from './protocol';
import { SCALE_REGION } from './scenarios';

const MIB = 1024 * 1024;

function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  gc();
  gc();
}

async function main(): Promise<void> {
  const [configFile, credentialsFile, profile] = process.argv.slice(2);
  const aws = loadAwsBundle();
  const session = new aws.AwsSession({ configFile, credentialsFile });
  collect();
  const before = process.memoryUsage();
  const started = performance.now();
  const outcome = await aws.listInstances(session, profile, SCALE_REGION);
  const listMs = performance.now() - started;
  const peakRss = process.resourceUsage().maxRSS * 1024;
  const afterList = process.memoryUsage();
  collect();
  const retained = process.memoryUsage();
  if (!outcome.ok) throw new Error(`listing failed: ${outcome.error.message}`);
  const instances = outcome.value.length;
  session.dispose();
  sendResult({
    listMs,
    instances,
    heapUsedDeltaMiB: (afterList.heapUsed - before.heapUsed) / MIB,
    heapRetainedDeltaMiB: (retained.heapUsed - before.heapUsed) / MIB,
    rssDeltaMiB: (afterList.rss - before.rss) / MIB,
    peakRssDeltaMiB: (peakRss - before.rss) / MIB,
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
