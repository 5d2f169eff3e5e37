/** The report's timeline, from the instance and the principal stage. */
import type { InstanceSummary } from '../model';
import type { PrincipalStage } from './stages';
import { eventCaller, eventKeyRef, isAccessDenied, timeFromTransitionReason } from './trail';
import type { TimelineEntry } from './types';

/** What happened when, oldest first: the launch, the stop, the starts and the failed grants CloudTrail holds. */
export function timelineOf(
  instance: InstanceSummary | undefined,
  principal: PrincipalStage | undefined,
): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  if (instance?.launchTime) entries.push({ time: instance.launchTime, label: 'Last launch (LaunchTime)' });
  const stopped = timeFromTransitionReason(instance?.stateTransitionReason);
  if (stopped)
    entries.push({
      time: stopped.toISOString(),
      label: `Instance ${instance?.state ?? 'stopped'} (StateTransitionReason)`,
      detail: instance?.stateTransitionReason,
    });
  for (const event of principal?.starts ?? []) {
    entries.push({ time: event.eventTime, label: 'StartInstances', detail: `by ${event.userArn ?? 'unknown caller'}` });
  }
  for (const event of principal?.failedGrants ?? []) {
    const key = eventKeyRef(event);
    entries.push({
      time: event.eventTime,
      label: `${event.eventName} ${isAccessDenied(event) ? 'denied' : 'failed'}`,
      detail:
        `${eventCaller(event) ?? 'unknown caller'}${key ? ` on ${key}` : ''}: ${event.errorCode ?? ''}${event.errorMessage ? ` ${event.errorMessage}` : ''}`.trim(),
    });
  }
  for (const entry of entries) {
    const parsed = new Date(entry.time);
    if (!Number.isNaN(parsed.getTime())) entry.time = parsed.toISOString();
  }
  return entries.sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
}
