// `npm run demo`: the whole product against a local AWS emulator, no AWS account needed.
//   node test/demo/run.mjs [--port N] [--desktop]
// Prints the URL of a real VS Code (code-server) with the extension and a demo workspace, and
// keeps running until Ctrl+C; then stops everything it started and removes its temporary files.
// --desktop opens a desktop `code` from PATH instead, with the same AWS config.
import { execFileSync, spawn } from 'node:child_process';
import * as path from 'node:path';
import { repoRoot } from '../host/codeServer.mjs';
import { childEnvironment, startDemo, startDemoBackend } from './session.mjs';

const USAGE = 'usage: npm run demo [-- --port N] [-- --desktop]';

/** Parses `--port N`, `--port=N`, `--desktop` and `--help`; throws on anything else. */
function parseDemoArgs(argv) {
  const options = { port: undefined, desktop: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i].split('=', 2);
    if (name === '--desktop') options.desktop = true;
    else if (name === '--help' || name === '-h') options.help = true;
    else if (name === '--port') {
      const raw = inline ?? argv[++i];
      const port = Number(raw);
      if (!Number.isInteger(port) || port < 1 || port > 65535)
        throw new Error(`--port expects a port number, got "${raw ?? ''}"`);
      options.port = port;
    } else throw new Error(`unknown argument "${argv[i]}"`);
  }
  return options;
}

function desktopCode() {
  try {
    return (
      execFileSync('bash', ['-c', 'command -v code'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim() || undefined
    );
  } catch {
    return undefined;
  }
}

/**
 * Resolves on the first Ctrl+C, SIGTERM or SIGHUP. Listening from the start means a signal
 * during start-up still ends in a clean stop instead of leaving code-server running.
 */
function stopRequested() {
  return new Promise((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(signal, () => resolve(signal));
  });
}

async function runDesktop(code, started, stop) {
  const backend = await startDemoBackend();
  // Its own profile folder makes `code` start a new instance that sees this environment
  // (an already running VS Code would otherwise open the window with its own).
  const userData = path.join(backend.tmp, 'vscode-user-data');
  const child = spawn(
    code,
    [
      '--new-window',
      '--wait',
      '--user-data-dir',
      userData,
      '--disable-workspace-trust',
      `--extensionDevelopmentPath=${repoRoot}`,
      backend.workspace,
    ],
    { stdio: 'inherit', env: childEnvironment(backend.env) },
  );
  const closed = new Promise((resolve) => child.on('exit', resolve));
  console.log(`demo: VS Code opened with the demo workspace ${backend.workspace} (${seconds(started)}).`);
  printCliHint(backend.env);
  console.log('demo: close its window or press Ctrl+C here to stop the demo.');
  await Promise.race([stop, closed]);
  if (child.exitCode === null) child.kill('SIGTERM');
  await backend.stop();
}

async function runCodeServer(options, started, stop) {
  const demo = await startDemo({ port: options.port });
  console.log('');
  console.log(`EC2 Launch Doctor demo is ready (${seconds(started)}). Open this URL in a browser:`);
  console.log('');
  console.log(`  ${demo.url}`);
  console.log('');
  console.log('Open the EC2 Launch Doctor view in the activity bar, expand dev-admin > eu-west-1,');
  console.log('and run "Diagnose Stopped Instance" on app-1. The policy files are in the workspace.');
  console.log('');
  printCliHint(demo.backend.env);
  console.log('Press Ctrl+C to stop the demo.');
  await stop;
  console.log('demo: stopping...');
  await demo.stop();
}

/** The lines that point a shell (the CLI, the AWS CLI) at the demo's emulator profiles. */
function printCliHint(env) {
  console.log('The command-line tool against the same emulator, from another shell in this repository:');
  console.log(`  export AWS_CONFIG_FILE=${env.AWS_CONFIG_FILE}`);
  console.log(`  export AWS_SHARED_CREDENTIALS_FILE=${env.AWS_SHARED_CREDENTIALS_FILE}`);
  console.log('  node dist/cli.js diagnose --profile dev-admin --region eu-west-1 --instance <app-1 instance id>');
  console.log('');
}

function seconds(started) {
  return `${((Date.now() - started) / 1000).toFixed(1)} s`;
}

async function main() {
  const started = Date.now();
  const stop = stopRequested();
  let options;
  try {
    options = parseDemoArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`demo: ${error.message}\n${USAGE}`);
    process.exit(2);
  }
  if (options.help) {
    console.log(USAGE);
    return;
  }
  console.log('demo: starting the AWS emulator and VS Code (the first run installs code-server, a few minutes)...');
  if (options.desktop) {
    const code = desktopCode();
    if (code) return runDesktop(code, started, stop);
    console.warn('demo: no desktop `code` on PATH; starting code-server instead.');
  }
  return runCodeServer(options, started, stop);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`demo: ${error?.stack ?? error}`);
    process.exit(1);
  },
);
