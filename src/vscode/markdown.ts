// Escaping for text from AWS or files that VS Code renders. No `vscode` import: the builders
// that use these are tested in plain mocha.

/**
 * Escapes text for the Markdown VS Code renders (hovers, tooltips): no markup from data. Use it
 * for pieces spliced into `appendMarkdown`; whole paragraphs of data go through `appendText`.
 * Escaping `(` also defeats `$(icon)` where theme icons are enabled.
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/([\\`*_{}[\]()#+!|<>~&])/g, '\\$1').replace(/\r?\n/g, ' ');
}

/**
 * Escapes `$(name)` icon syntax for labels, descriptions and details of quick picks, which
 * render it as an icon: a Name tag `$(warning) prod` must show as typed.
 */
export function escapeIcons(text: string): string {
  return text.replace(/\$\(/g, '\\$(');
}

/**
 * Neutralizes `[text](target)` in a notification or dialog message, which VS Code renders as a
 * link (a `command:` link would run a command): a Name tag or an error message from AWS must
 * read as text. Only the `](` joint changes, to `] (`.
 */
export function plainMessage(text: string): string {
  return text.replace(/\]\(/g, '] (');
}
