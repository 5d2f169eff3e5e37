import * as vscode from 'vscode';
import { findingHelp } from '../../core/findingHelp';

/** Scheme of the read-only explanation pages that diagnostic codes link to. */
export const HELP_SCHEME = 'ec2-launch-doctor-help';

/** The link a diagnostic's code points to. */
export function helpUri(code: string): vscode.Uri {
  return vscode.Uri.from({ scheme: HELP_SCHEME, path: `/${code}.md` });
}

/** The Markdown page explaining one finding code (an unknown code gets a page saying so). */
export function helpPage(uri: vscode.Uri): string {
  const code = uri.path.replace(/^\//, '').replace(/\.md$/, '');
  const help = findingHelp(code);
  return help ? `# ${help.title}\n\n\`${code}\`\n\n${help.markdown}\n` : `# Unknown finding code \`${code}\`\n`;
}

/** Serves the explanation pages under HELP_SCHEME. */
export function registerFindingHelpPages(): vscode.Disposable {
  return vscode.workspace.registerTextDocumentContentProvider(HELP_SCHEME, { provideTextDocumentContent: helpPage });
}
