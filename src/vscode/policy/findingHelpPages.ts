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

/**
 * Serves the explanation pages under HELP_SCHEME. A diagnostic's link opens its page as a
 * text editor; the page is shown rendered instead (the Markdown preview, beside the editor
 * the person was in), and its source tab is closed, so the policy editor stays where it was.
 */
export function registerFindingHelpPages(): vscode.Disposable {
  const rendering = new Set<string>();
  return vscode.Disposable.from(
    vscode.workspace.registerTextDocumentContentProvider(HELP_SCHEME, { provideTextDocumentContent: helpPage }),
    vscode.window.onDidChangeVisibleTextEditors((editors) => {
      for (const editor of editors) {
        const uri = editor.document.uri;
        if (uri.scheme !== HELP_SCHEME || rendering.has(uri.toString())) continue;
        rendering.add(uri.toString());
        void showRendered(uri).finally(() => rendering.delete(uri.toString()));
      }
    }),
  );
}

/** Closes the page's source tabs and shows the page in the Markdown preview beside. */
async function showRendered(uri: vscode.Uri): Promise<void> {
  const sources = vscode.window.tabGroups.all
    .flatMap((group) => group.tabs)
    .filter((tab) => tab.input instanceof vscode.TabInputText && tab.input.uri.toString() === uri.toString());
  await vscode.window.tabGroups.close(sources);
  await vscode.commands.executeCommand('markdown.showPreviewToSide', uri);
}
