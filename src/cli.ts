// The command-line entry point (dist/cli.js, bin `ec2-launch-doctor`): the same core and
// AWS layers as the extension, from a terminal.
const USAGE = `usage: ec2-launch-doctor <command> [options]

commands:
  lint [--principal ARN]... [--format text|json|sarif] FILE...
      check key policy / IAM policy / CloudFormation JSON files for kms:CreateGrant problems
  help
      print this text
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return 0;
    default:
      process.stderr.write(command ? `unknown command: ${command}\n\n${USAGE}` : USAGE);
      void rest;
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`ec2-launch-doctor: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
