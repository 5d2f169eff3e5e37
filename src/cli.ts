// The command-line entry point (dist/cli.js, bin `ec2-launch-doctor`): the same core and
// AWS layers as the extension, from a terminal.
import { promises as fs } from 'node:fs';
import { DIAGNOSE_USAGE, runDiagnose } from './cli/diagnose';
import { LINT_USAGE, runLint } from './cli/lint';
import { READINESS_USAGE, runReadiness } from './cli/readiness';

const USAGE = `usage: ec2-launch-doctor <command> [options]

commands:
  ${LINT_USAGE.replace('usage: ec2-launch-doctor ', '')}
      check key policy / IAM policy / CloudFormation JSON files for kms:CreateGrant problems
      (exit 0: no error finding, 1: an error finding, 2: usage error, unreadable or
      unanalyzable file)
  ${DIAGNOSE_USAGE.replace('usage: ec2-launch-doctor ', '')}
      find out why an EC2 instance stopped (read-only AWS calls; exit 0: verdict reached,
      2: usage or credential error, 3: no verdict, e.g. AWS could not be reached)
  ${READINESS_USAGE.replace('usage: ec2-launch-doctor ', '')}
      predict whether a group, a launch template or a stopped instance will launch, from key
      states, key policies and IAM (read-only AWS calls; exit 0: will launch, 1: will fail,
      2: usage or credential error or not found, 3: cannot tell)
  lsp --stdio
      a language server (LSP over stdin/stdout) with the same diagnostics, quick fixes and
      hovers as the extension, for other editors
  help
      print this text
`;

const io = {
  stdout: (s: string) => void process.stdout.write(s),
  stderr: (s: string) => void process.stderr.write(s),
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'lint':
      return runLint(rest, { ...io, readFile: (path) => fs.readFile(path) });
    case 'diagnose':
      // The AWS layer (and SDK) loads only for commands that talk to AWS.
      return runDiagnose(rest, { ...io, env: process.env }, await import('./aws'));
    case 'readiness':
      return runReadiness(rest, { ...io, env: process.env }, await import('./aws/bundle'));
    case 'lsp': {
      // The server runs until the client says exit; the library ends the process then.
      const { runLanguageServer } = await import('./lsp/server');
      return runLanguageServer(rest, io.stderr) ?? new Promise<number>(() => undefined);
    }
    case 'help':
    case '--help':
    case '-h':
      io.stdout(USAGE);
      return 0;
    default:
      io.stderr(command ? `unknown command: ${command}\n\n${USAGE}` : USAGE);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    io.stderr(`ec2-launch-doctor: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
