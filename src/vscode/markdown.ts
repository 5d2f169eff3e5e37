/** Escapes text for a Markdown string VS Code renders (hovers, tooltips): no markup from data. */
export function escapeMarkdown(text: string): string {
  return text.replace(/([\\`*_{}[\]()#+!|<>])/g, '\\$1');
}
