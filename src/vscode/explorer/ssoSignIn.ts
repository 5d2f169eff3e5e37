// The terminal that signs an SSO profile in again. No `vscode` import: the argument vector is
// tested in plain mocha.

/** What vscode.window.createTerminal gets to run `aws sso login` for one profile. */
export interface SignInTerminal {
  name: string;
  shellPath: string;
  shellArgs: string[];
}

/**
 * Runs the AWS CLI itself as the terminal's process, with the profile name as part of one
 * argument: no shell parses the name, so a section name of the credentials file cannot run
 * commands under fish, PowerShell or cmd any more than under a POSIX shell. `--profile=NAME`
 * keeps a name that starts with `-` from being read as another option.
 */
export function ssoSignInTerminal(profile: string): SignInTerminal {
  return { name: `AWS SSO: ${profile}`, shellPath: 'aws', shellArgs: ['sso', 'login', `--profile=${profile}`] };
}
