// What a report says once something it diagnosed changed: a "What changed" section at its top,
// with Diagnose again. No `vscode` import: the wording is tested in plain mocha.
import type { DiagnosisReport } from '../../core/diagnosis/types';
import { markdownCode, markdownText } from '../../core/diagnosis/escape';
import { actionsMarkdown, reportActions, verdictLine, type KeyDefinitionLink } from './reportActions';

/** A change made from the report (or seen after it), in words, with when it happened. */
export interface ReportChange {
  /** ISO 8601. */
  at: string;
  /** Plain text; escaped when rendered. */
  text: string;
}

/**
 * What a new diagnosis found compared with the one before it: the verdicts, then each check
 * whose result changed (a fixed key policy shows there even while an older CloudTrail denial
 * keeps the verdict).
 */
export function verdictChange(before: DiagnosisReport, after: DiagnosisReport): string {
  const verdict =
    before.verdict.code === after.verdict.code
      ? `Diagnosed again: the verdict is still ${after.verdict.code} (${after.verdict.title}).`
      : `Diagnosed again: the verdict was ${before.verdict.code} (${before.verdict.title}) and is now ${after.verdict.code} (${after.verdict.title}).`;
  const was = new Map((before.steps ?? []).map((step) => [step.id, step.status]));
  const changed = (after.steps ?? [])
    .filter((step) => was.has(step.id) && was.get(step.id) !== step.status)
    .map((step) => `${step.title}: ${was.get(step.id)} before, ${step.status} now`);
  return changed.length > 0 ? `${verdict} ${changed.join('; ')}.` : verdict;
}

/**
 * The report's Markdown as the view shows it: with links, its actions line on top (where the
 * edit goes, Start instance again, Diagnose again, Copy report), then what changed. When
 * something was changed after this diagnosis, its verdict heading says it is from before the
 * change: the report never keeps stating, as the present, a cause that may just have been fixed.
 */
export function withChanges(
  report: DiagnosisReport,
  markdown: string,
  changes: readonly ReportChange[],
  options: { links: boolean; stale: boolean; definitions?: readonly KeyDefinitionLink[] },
): string {
  const lines: string[] = [`**${markdownText(verdictLine(report))}**`, ''];
  if (options.links) lines.push(actionsMarkdown(reportActions(report, options.definitions)), '');
  if (changes.length > 0) {
    lines.push('## What changed', '');
    for (const change of changes) lines.push(`- ${markdownCode(timeOf(change.at))} ${markdownText(change.text)}`);
    lines.push('');
  }
  const body =
    options.stale && changes.length > 0
      ? markdown.replace(/^## Verdict: /m, '## Verdict before these changes: ')
      : markdown;
  // The section goes after the report's title and the context line below it.
  const at = indexAfterHeader(body);
  return `${body.slice(0, at)}${lines.join('\n')}\n${body.slice(at)}`;
}

/** The offset just past the report's title and the paragraph below it. */
function indexAfterHeader(markdown: string): number {
  const verdict = markdown.search(/^## /m);
  return verdict >= 0 ? verdict : 0;
}

/** `HH:MM:SS` of an ISO time (UTC), the whole text when it is not one. */
function timeOf(iso: string): string {
  const match = /T(\d\d:\d\d:\d\d)/.exec(iso);
  return match ? `${match[1]} UTC` : iso;
}
