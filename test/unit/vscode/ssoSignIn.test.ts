import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ssoSignInTerminal } from '../../../src/vscode/explorer/ssoSignIn';

/** Profile names that a shell would read as commands, options or expansions. */
const HOSTILE = [
  "dev'; touch pwned; echo '",
  'dev; (touch pwned)',
  'dev`touch pwned`',
  'dev$(touch pwned)',
  'dev & calc.exe',
  'dev | Remove-Item -Recurse .',
  '--endpoint-url=http://attacker.example',
  'dev\ntouch pwned',
  'dev "quoted" %PATH% !x! ^&',
];

describe('the SSO sign-in terminal', () => {
  it('runs the AWS CLI directly, the profile name inside one argument', () => {
    for (const name of HOSTILE) {
      const terminal = ssoSignInTerminal(name);
      assert.equal(terminal.shellPath, 'aws');
      assert.deepEqual(terminal.shellArgs, ['sso', 'login', `--profile=${name}`]);
    }
  });

  it('hands a hostile profile name to the process unchanged, with nothing run on the way', function () {
    if (process.platform === 'win32') return; // the stand-in below is a POSIX script
    const dir = mkdtempSync(path.join(tmpdir(), 'sso-sign-in-'));
    try {
      // A stand-in `aws` that prints the arguments it received.
      const fake = path.join(dir, 'aws');
      writeFileSync(fake, `#!${process.execPath}\nprocess.stdout.write(JSON.stringify(process.argv.slice(2)));\n`);
      chmodSync(fake, 0o755);
      for (const name of HOSTILE) {
        const terminal = ssoSignInTerminal(name);
        // What the terminal does with shellPath/shellArgs: start the program with this argv, no shell.
        const run = spawnSync(terminal.shellPath, terminal.shellArgs, {
          cwd: dir,
          env: { ...process.env, PATH: `${dir}${path.delimiter}${process.env.PATH ?? ''}` },
          encoding: 'utf8',
        });
        assert.equal(run.status, 0, run.stderr);
        assert.deepEqual(JSON.parse(run.stdout), ['sso', 'login', `--profile=${name}`]);
      }
      assert.equal(spawnSync('ls', [dir], { encoding: 'utf8' }).stdout.trim(), 'aws', 'no command of a name ran');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
