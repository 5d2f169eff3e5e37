// The steps of the palette paths (Diagnose Stopped Instance, Check Launch Readiness): one quick
// pick per step, busy while its items load, with a Back button but on the first step; an item
// that only informs (an error) keeps the pick open when accepted.
import * as vscode from 'vscode';
import type { PickItem } from './pickItems';

/** What one step of the palette path answers: a choice, Back, or nothing (the pick was closed). */
export type StepAnswer<T> = { chosen: T } | 'back' | undefined;

/**
 * One step: a quick pick of the items `load` gives (busy until then), with Back when `back`.
 * `load`'s signal aborts once the step is answered (a choice, Back, or the pick closed): a
 * listing still running then is of no use.
 */
export function pickStep<T extends PickItem>(
  title: string,
  placeholder: string,
  back: boolean,
  load: (signal: AbortSignal) => Promise<T[]>,
): Promise<StepAnswer<T>> {
  type Item = vscode.QuickPickItem & T;
  const pick = vscode.window.createQuickPick<Item>();
  pick.title = title;
  pick.placeholder = placeholder;
  pick.buttons = back ? [vscode.QuickInputButtons.Back] : [];
  pick.busy = true;
  const abort = new AbortController();
  void load(abort.signal).then(
    (items) => {
      if (abort.signal.aborted) return;
      pick.busy = false;
      pick.items = items.map(toQuickPickItem) as Item[];
    },
    () => (pick.busy = false),
  );
  return runPick(pick, (item) => (item.pickable === false ? 'stay' : { chosen: item as T })).finally(() =>
    abort.abort(),
  );
}

/** A pure item as VS Code takes it: a separator keeps only its label. */
export function toQuickPickItem<T extends PickItem>(item: T): vscode.QuickPickItem & T {
  return item.separator
    ? ({ ...item, kind: vscode.QuickPickItemKind.Separator } as vscode.QuickPickItem & T)
    : (item as vscode.QuickPickItem & T);
}

/** Shows the pick until an item is accepted ('stay' keeps it open), Back is pressed or it is closed. */
export function runPick<I extends vscode.QuickPickItem, R>(
  pick: vscode.QuickPick<I>,
  accept: (item: I) => { chosen: R } | 'stay',
): Promise<StepAnswer<R>> {
  return new Promise((resolve) => {
    let answered = false;
    const answer = (value: StepAnswer<R>) => {
      if (answered) return;
      answered = true;
      resolve(value);
      pick.hide();
    };
    pick.onDidTriggerButton((button) => button === vscode.QuickInputButtons.Back && answer('back'));
    pick.onDidAccept(() => {
      const chosen = pick.selectedItems[0];
      if (!chosen) return;
      const result = accept(chosen);
      if (result !== 'stay') answer(result);
    });
    pick.onDidHide(() => {
      answer(undefined);
      pick.dispose();
    });
    pick.show();
  });
}
