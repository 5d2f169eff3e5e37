import * as vscode from 'vscode';
import { COMMAND_IDS } from '../../core/commandIds';
import type { LaunchPrediction, LaunchSubject } from '../../core/diagnosis/predict';
import { readinessMarkdown, subjectShortName } from '../../core/diagnosis/readinessText';
import { REPORT_COMMANDS } from '../../core/diagnosis/render';
import type { DiagnosisReport, GroupDiagnosisReport } from '../../core/diagnosis/types';
import { KEPT_REPORTS, dropOldest } from './keptReports';
import type { KeyDefinitionLink } from './reportActions';
import { readinessWithChanges, withChanges, withGroupActions, type ReportChange } from './reportChange';

/**
 * The report links may run exactly these commands and no others (Diagnose again and Check
 * launch readiness are the view's own).
 */
const ALLOWED_COMMANDS = [
  ...Object.values(REPORT_COMMANDS),
  COMMAND_IDS.diagnoseStoppedInstance,
  COMMAND_IDS.diagnoseAutoScalingGroup,
  COMMAND_IDS.checkLaunchReadiness,
  COMMAND_IDS.fixInCode,
];

/** A launch readiness prediction as the view holds it. */
export interface RenderedReadiness {
  profile: string;
  region: string;
  prediction: LaunchPrediction;
  /** ISO 8601. */
  predictedAt: string;
  /** What changed since (a saved key policy, an enabled key); shown on top. */
  changes: ReportChange[];
}

/** The view's key of an instance's report. */
function reportKey(report: Pick<DiagnosisReport, 'profile' | 'region' | 'instanceId'>): string {
  return `${report.profile}/${report.region}/${report.instanceId}`;
}

/** The view's key of a group's report. */
function groupKey(report: Pick<GroupDiagnosisReport, 'profile' | 'region' | 'groupName'>): string {
  return `group/${report.profile}/${report.region}/${report.groupName}`;
}

/** The view's key of a prediction: where, and the subject as it was asked. */
function readinessKey(profile: string, region: string, subject: LaunchSubject): string {
  return `readiness/${profile}/${region}/${JSON.stringify(subject)}`;
}

/** A report with its Markdown, rendered by the engine's bundle (with and without command links). */
export interface RenderedReport {
  report: DiagnosisReport;
  linked: string;
  plain: string;
  /** What changed since, or compared with the diagnosis before; shown at the top. */
  changes: ReportChange[];
  /** True once something was changed after this diagnosis: its verdict may be out of date. */
  stale: boolean;
  /** The workspace files that define the key of a key policy fix: Fix in <file> comes first. */
  definitions?: readonly KeyDefinitionLink[];
}

/** A group report as the view keeps it: its linked Markdown and what changed since. */
interface RenderedGroupReport {
  report: GroupDiagnosisReport;
  linked: string;
  changes: ReportChange[];
}

/** The panel title: the instance's Name tag and id, or the id alone. */
export function reportTitle(report: Pick<DiagnosisReport, 'instanceId' | 'instance'>): string {
  return report.instance?.name
    ? `Diagnosis: ${report.instance.name} (${report.instanceId})`
    : `Diagnosis: ${report.instanceId}`;
}

/**
 * Shows diagnosis reports. The Markdown is rendered by VS Code's own Markdown engine into a
 * webview: the built-in Markdown preview refuses `command:` links for security reasons, and
 * the report's actions (Open key policy, Copy statement, Start instance again, Copy report)
 * are such links. The webview allows exactly those commands; Copy report gives the Markdown.
 */
export class ReportView implements vscode.Disposable {
  /** Latest report per instance; the newest is always last (see show()). At most KEPT_REPORTS closed ones. */
  private readonly reports = new Map<string, RenderedReport>();
  /** The open pages, by the key of what they show (the key of `reports`, `groupReports` or `predictions`). */
  private readonly panels = new Map<string, vscode.WebviewPanel>();
  /** Latest report per Auto Scaling group, the newest last. At most KEPT_REPORTS closed ones. */
  private readonly groupReports = new Map<string, RenderedGroupReport>();
  /** Latest launch readiness prediction per subject, the newest last. At most KEPT_REPORTS closed ones. */
  private readonly predictions = new Map<string, RenderedReadiness>();

  /** `findDefinitions` names the workspace files defining the key a report's fix edits. */
  constructor(private readonly findDefinitions?: (report: DiagnosisReport) => Promise<readonly KeyDefinitionLink[]>) {}

  /** The latest report for an instance, for Copy report and tests. */
  latest(profile: string, region: string, instanceId: string): RenderedReport | undefined {
    return this.reports.get(reportKey({ profile, region, instanceId }));
  }

  /** The latest report whose fix concerns this key, to offer "Start instance again" after a save. */
  latestForKey(keyArn: string): DiagnosisReport | undefined {
    return [...this.reports.values()].reverse().find((r) => r.report.fixes.some((f) => f.keyArn === keyArn))?.report;
  }

  /**
   * Records a change about the instance's report (a start, a check) and shows it on top of
   * the report; `stale` when the change may have fixed what the report states.
   */
  async noteChange(profile: string, region: string, instanceId: string, text: string, stale: boolean): Promise<void> {
    const rendered = this.latest(profile, region, instanceId);
    if (!rendered) return;
    rendered.changes.push({ at: new Date().toISOString(), text });
    rendered.stale ||= stale;
    await this.render(rendered);
  }

  /**
   * Records a change to a key (saved policy, enabled, deletion cancelled) on every report
   * whose fix concerns it, and on every prediction that read the key.
   */
  async noteKeyChange(keyArn: string, text: string): Promise<void> {
    for (const rendered of this.predictions.values()) {
      const { prediction } = rendered;
      const concerns =
        prediction.keys.some((k) => k.arn === keyArn) || prediction.fixes.some((f) => f.keyArn === keyArn);
      if (!concerns) continue;
      rendered.changes.push({ at: new Date().toISOString(), text });
      // An open page is updated where it is; a closed one is not opened again for this.
      if (this.panels.has(readinessKey(rendered.profile, rendered.region, prediction.subject)))
        await this.renderReadiness(rendered, false);
    }
    const concerned = [...this.reports.values()].filter(
      ({ report }) => report.fixes.some((f) => f.keyArn === keyArn) || report.verdict.keyArn === keyArn,
    );
    // The latest such report opens with what changed (that is the page of the fix just made);
    // older ones keep the change and are redrawn only where their page is open.
    const latest = concerned.at(-1);
    for (const rendered of concerned) {
      rendered.changes.push({ at: new Date().toISOString(), text });
      rendered.stale = true;
      if (rendered === latest || this.panels.has(reportKey(rendered.report))) await this.render(rendered);
    }
    for (const rendered of this.groupReports.values()) {
      const { report } = rendered;
      const concerns = report.fixes.some((f) => f.keyArn === keyArn) || report.keys.some((k) => k.arn === keyArn);
      if (!concerns) continue;
      rendered.changes.push({ at: new Date().toISOString(), text });
      if (this.panels.has(groupKey(report))) await this.renderGroup(rendered, false);
    }
  }

  /** Shows (or updates) the report's panel; `changes` go on top (e.g. how it differs from the diagnosis before). */
  async show(
    report: DiagnosisReport,
    markdown: { linked: string; plain: string },
    changes: ReportChange[] = [],
  ): Promise<vscode.WebviewPanel> {
    const key = reportKey(report);
    // A failed workspace scan costs the Fix in <file> links, never the report.
    const definitions = await this.findDefinitions?.(report).catch(() => []);
    // Re-inserting moves the key to the end, so "latest" lookups see insertion order as age.
    this.reports.delete(key);
    const rendered: RenderedReport = {
      report,
      ...markdown,
      changes,
      stale: false,
      ...(definitions?.length ? { definitions } : {}),
    };
    this.reports.set(key, rendered);
    this.keepLatest(this.reports);
    return this.render(rendered);
  }

  /** The latest group report whose fix concerns this key, to offer its launch readiness after a save. */
  latestGroupForKey(keyArn: string): GroupDiagnosisReport | undefined {
    return [...this.groupReports.values()]
      .reverse()
      .map((r) => r.report)
      .find((r) => r.fixes.some((f) => f.keyArn === keyArn));
  }

  /** The latest report of an Auto Scaling group, for tests. */
  latestGroup(profile: string, region: string, groupName: string): GroupDiagnosisReport | undefined {
    return this.groupReports.get(groupKey({ profile, region, groupName }))?.report;
  }

  /** What changed since the latest report of a group, for tests. */
  groupChanges(profile: string, region: string, groupName: string): readonly ReportChange[] {
    return this.groupReports.get(groupKey({ profile, region, groupName }))?.changes ?? [];
  }

  /**
   * Shows (or updates) an Auto Scaling group's report in the same view; its fixes carry their
   * own links (Open key policy, Copy statement).
   */
  async showGroup(
    report: GroupDiagnosisReport,
    markdown: { linked: string; plain: string },
  ): Promise<vscode.WebviewPanel> {
    const key = groupKey(report);
    const rendered: RenderedGroupReport = { report, linked: markdown.linked, changes: [] };
    // Re-inserting moves the key to the end, so "latest" lookups see insertion order as age.
    this.groupReports.delete(key);
    this.groupReports.set(key, rendered);
    this.keepLatest(this.groupReports);
    return this.renderGroup(rendered);
  }

  private async renderGroup(rendered: RenderedGroupReport, reveal = true): Promise<vscode.WebviewPanel> {
    const { report } = rendered;
    const panel = this.panel(groupKey(report), `Diagnosis: Auto Scaling group ${report.groupName}`);
    panel.webview.html = await this.html(panel.webview, withGroupActions(report, rendered.linked, rendered.changes));
    if (reveal) panel.reveal();
    return panel;
  }

  /** The latest prediction for a subject, for tests. */
  latestReadiness(profile: string, region: string, subject: LaunchSubject): RenderedReadiness | undefined {
    return this.predictions.get(readinessKey(profile, region, subject));
  }

  /**
   * Shows (or updates) a launch readiness prediction in the same view, titled as a
   * prediction; its fixes carry the links a diagnosis report's have.
   */
  async showReadiness(
    where: { profile: string; region: string },
    prediction: LaunchPrediction,
  ): Promise<vscode.WebviewPanel> {
    const rendered: RenderedReadiness = {
      ...where,
      prediction,
      predictedAt: new Date().toISOString(),
      changes: [],
    };
    const key = readinessKey(where.profile, where.region, prediction.subject);
    // Re-inserting moves the key to the end, so the oldest prediction is the first dropped.
    this.predictions.delete(key);
    this.predictions.set(key, rendered);
    this.keepLatest(this.predictions);
    return this.renderReadiness(rendered);
  }

  private async renderReadiness(rendered: RenderedReadiness, reveal = true): Promise<vscode.WebviewPanel> {
    const { prediction, profile, region } = rendered;
    const key = readinessKey(profile, region, prediction.subject);
    const panel = this.panel(key, `Prediction: ${subjectShortName(prediction.subject)}`);
    const markdown = readinessMarkdown(
      prediction,
      { profile, region, predictedAt: rendered.predictedAt },
      { links: true },
    );
    panel.webview.html = await this.html(panel.webview, readinessWithChanges(markdown, rendered.changes));
    if (reveal) panel.reveal();
    return panel;
  }

  private async render(rendered: RenderedReport): Promise<vscode.WebviewPanel> {
    const { report } = rendered;
    const panel = this.panel(reportKey(report), reportTitle(report));
    const options = { links: true, stale: rendered.stale, definitions: rendered.definitions };
    panel.webview.html = await this.html(
      panel.webview,
      withChanges(report, rendered.linked, rendered.changes, options),
    );
    panel.reveal();
    return panel;
  }

  /**
   * Keeps the newest KEPT_REPORTS of `map` (the one just shown among them) and every one whose
   * page is open: an open page is updated where it is when its key changes.
   */
  private keepLatest(map: Map<string, unknown>): void {
    dropOldest(map, KEPT_REPORTS, (key) => this.panels.has(key));
  }

  /** The panel of a report key, created on first use, titled `title`. */
  private panel(key: string, title: string): vscode.WebviewPanel {
    let panel = this.panels.get(key);
    if (!panel) {
      panel = vscode.window.createWebviewPanel('ec2LaunchDoctor.report', title, vscode.ViewColumn.Active, {
        enableScripts: false,
        enableCommandUris: ALLOWED_COMMANDS,
        localResourceRoots: [],
      });
      this.panels.set(key, panel);
      panel.onDidDispose(() => this.panels.delete(key));
    }
    panel.title = title;
    return panel;
  }

  private async html(webview: vscode.Webview, markdown: string): Promise<string> {
    let body: string;
    try {
      body = await vscode.commands.executeCommand<string>('markdown.api.render', markdown);
    } catch {
      // Without the built-in Markdown extension the source is still readable.
      body = `<pre>${escapeHtml(markdown)}</pre>`;
    }
    const csp = `default-src 'none'; style-src ${webview.cspSource} 'unsafe-inline'; img-src ${webview.cspSource} data:;`;
    return `<!DOCTYPE html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${csp}">
<style>
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); padding: 0 24px 24px; line-height: 1.5; }
table { border-collapse: collapse; margin: 8px 0; } th, td { border: 1px solid var(--vscode-panel-border, #8884); padding: 3px 8px; text-align: left; vertical-align: top; }
code, pre { font-family: var(--vscode-editor-font-family); } pre { background: var(--vscode-textCodeBlock-background); padding: 8px; overflow-x: auto; }
a { color: var(--vscode-textLink-foreground); } blockquote { border-left: 3px solid var(--vscode-textBlockQuote-border); margin: 0; padding-left: 10px; }
</style></head><body>${body}</body></html>`;
  }

  dispose(): void {
    for (const panel of this.panels.values()) panel.dispose();
  }
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
