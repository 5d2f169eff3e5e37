// What a report says once something it diagnosed changed: a "What changed" section at its top,
// with Diagnose again. No `vscode` import: the wording is tested in plain mocha.
import type { DiagnosisReport, GroupDiagnosisReport } from '../../core/diagnosis/types';
import { markdownCode, markdownText } from '../../core/diagnosis/escape';
import {
  actionsMarkdown,
  groupReportActions,
  groupVerdictLine,
  reportActions,
  verdictLine,
  type KeyDefinitionLink,
} from './reportActions';

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
  lines.push(...changesSection(changes));
  const body = options.stale && changes.length > 0 ? beforeTheChanges(markdown) : markdown;
  // The section goes after the report's title and the context line below it.
  const at = indexAfterHeader(body);
  return `${body.slice(0, at)}${lines.join('\n')}\n${body.slice(at)}`;
}

/**
 * A group report's Markdown as the view shows it: its verdict in one line and its actions
 * (the first fix's action, Diagnose again, Check launch readiness) after the title, then what
 * changed since (a saved key policy, an enabled key), its verdict then marked as from before.
 */
export function withGroupActions(
  report: GroupDiagnosisReport,
  markdown: string,
  changes: readonly ReportChange[] = [],
): string {
  const lines = [`**${markdownText(groupVerdictLine(report))}**`, '', actionsMarkdown(groupReportActions(report)), ''];
  lines.push(...changesSection(changes));
  const body = changes.length > 0 ? beforeTheChanges(markdown) : markdown;
  const at = indexAfterHeader(body);
  return `${body.slice(0, at)}${lines.join('\n')}\n${body.slice(at)}`;
}

/**
 * A readiness page once something changed after it (a key policy saved, a key enabled): a
 * "What changed" section before its reasons, and its headline marked as from before the
 * change, since the prediction may no longer hold. Check again makes a new one.
 */
export function readinessWithChanges(markdown: string, changes: readonly ReportChange[]): string {
  if (changes.length === 0) return markdown;
  const lines = changesSection(changes);
  lines.push('The prediction below is from before these changes: use Check again.', '');
  const body = markdown.replace(/^# Prediction: /m, '# Prediction before these changes: ');
  const at = indexAfterHeader(body);
  return `${body.slice(0, at)}${lines.join('\n')}\n${body.slice(at)}`;
}

/** "What changed": one line per change, with its time; nothing when there is none. */
function changesSection(changes: readonly ReportChange[]): string[] {
  if (changes.length === 0) return [];
  const lines = ['## What changed', ''];
  for (const change of changes) lines.push(`- ${markdownCode(timeOf(change.at))} ${markdownText(change.text)}`);
  lines.push('');
  return lines;
}

/** The report with its verdict heading marked as from before the changes. */
function beforeTheChanges(markdown: string): string {
  return markdown.replace(/^## Verdict: /m, '## Verdict before these changes: ');
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
