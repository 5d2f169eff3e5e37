import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { COMMAND_IDS } from '../../../src/core/commandIds';
import { REPORT_COMMANDS } from '../../../src/core/diagnosis/render';
import { CONTEXT, CONTEXTS_WITHOUT_MENUS } from '../../../src/core/explorer/contextValues';

interface MenuItem {
  command: string;
  when?: string;
}

const manifest = JSON.parse(readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
  contributes: { commands: { command: string }[]; menus: Record<string, MenuItem[]> };
};
const menuItems = Object.values(manifest.contributes.menus).flat();
const whenClauses = menuItems.map((item) => item.when ?? '');

/** The `viewItem` tests of a `when` clause: `viewItem == x` and `viewItem =~ /re/`. */
function viewItemTests(when: string): { text: string; matches: (value: string) => boolean }[] {
  const tests: { text: string; matches: (value: string) => boolean }[] = [];
  for (const m of when.matchAll(/viewItem\s*==\s*([^\s&|)!]+)/g)) {
    tests.push({ text: m[0], matches: (value) => value === m[1] });
  }
  for (const m of when.matchAll(/viewItem\s*=~\s*\/((?:\\.|[^/\\])+)\/([a-z]*)/g)) {
    const re = new RegExp(m[1], m[2]);
    tests.push({ text: m[0], matches: (value) => re.test(value) });
  }
  return tests;
}

describe('package.json agrees with the code', () => {
  const ids = Object.values(COMMAND_IDS) as string[];
  const contributed = manifest.contributes.commands.map((c) => c.command);

  it('contributes exactly the commands of COMMAND_IDS', () => {
    assert.deepEqual([...contributed].sort(), [...ids].sort());
    assert.equal(new Set(contributed).size, contributed.length, 'a command is contributed twice');
  });

  it('puts only contributed commands in menus', () => {
    for (const item of menuItems)
      assert.ok(contributed.includes(item.command), `menu item ${item.command} is not contributed`);
  });

  it('links welcome views and the walkthrough only to commands that exist', () => {
    const text = JSON.stringify(manifest.contributes);
    const linked = [...text.matchAll(/command:(ec2LaunchDoctor\.[A-Za-z]+)/g)].map((m) => m[1]);
    assert.ok(linked.length > 0);
    for (const id of linked) assert.ok(ids.includes(id), `link to ${id}, which is not a command`);
  });

  it('links reports only to commands of COMMAND_IDS, under the same names', () => {
    for (const [name, id] of Object.entries(REPORT_COMMANDS)) {
      assert.equal(id, (COMMAND_IDS as Record<string, string>)[name], `report command ${name}`);
    }
  });

  it('matches every viewItem test of a when clause to some context value', () => {
    const values = Object.values(CONTEXT) as string[];
    const tests = whenClauses.flatMap(viewItemTests);
    assert.ok(tests.length >= 8, `only ${tests.length} viewItem tests found: the parser lost some`);
    for (const test of tests) {
      assert.ok(values.some(test.matches), `${test.text} matches no value of CONTEXT`);
    }
  });

  it('gives every context value a menu, or says why it has none', () => {
    const tests = whenClauses.flatMap(viewItemTests);
    for (const value of Object.values(CONTEXT) as string[]) {
      const matched = tests.some((t) => t.matches(value));
      const reason = (CONTEXTS_WITHOUT_MENUS as Record<string, string | undefined>)[value];
      assert.ok(matched || reason, `context value ${value} has no menu and no documented reason`);
      assert.ok(!(matched && reason), `context value ${value} has a menu but is documented as having none`);
    }
  });

  it('reads both kinds of viewItem test', () => {
    const [equal] = viewItemTests('view == x && viewItem == instance.running');
    assert.ok(equal.matches('instance.running') && !equal.matches('instance.runningx'));
    const [re] = viewItemTests('viewItem =~ /^instance\\.(stopped|terminated)/');
    assert.ok(re.matches('instance.stopped.atLaunch') && !re.matches('instance.running'));
  });
});
