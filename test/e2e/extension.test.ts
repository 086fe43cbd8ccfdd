// The extension in a real VS Code (code-server) driven through its UI by a headless
// chromium: the sample project, a diagnostic and its quick fix, a debug session (breakpoint
// in C, step, registers, VM Exits, Guest Screen) and the comparison report. Screenshots go
// to test/artifacts/. Set PARAVIRT_E2E=0 to leave this layer out.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureCodeServer, CACHE } from './support/code-server-install';
import { Workbench, CHROMIUM } from './support/workbench';
import { copySample } from '../../extension/sample-files';

const ROOT = resolve(__dirname, '..', '..');
const VSIX = join(CACHE, 'paravirt-e2e.vsix');
const log = (s: string) => process.stdout.write(`# e2e: ${s}\n`);

let wb: Workbench | null = null;
let skipAll: string | null = null;
let ws = '';

before(async () => {
  if (process.env.PARAVIRT_E2E === '0') { skipAll = 'PARAVIRT_E2E=0'; return; }
  if (!existsSync(CHROMIUM)) { skipAll = `${CHROMIUM} is missing (scripts/setup.sh installs chromium)`; return; }
  let entry: string;
  try { entry = ensureCodeServer(log).entry; } catch (e) { skipAll = (e as Error).message; return; }
  const pack = spawnSync(process.execPath, ['scripts/package-vsix.mjs', VSIX], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  assert.equal(pack.status, 0, `npm run package failed:\n${pack.stdout}\n${pack.stderr}`);
  log(`.vsix: ${(statSync(VSIX).size / 1024 / 1024).toFixed(2)} MiB`);
  ws = mkdtempSync(join(tmpdir(), 'paravirt-sample-'));
  copySample(ROOT, ws);
  wb = new Workbench(entry);
  wb.installExtension(VSIX);
  await wb.start({
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'telemetry.telemetryLevel': 'off',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'update.mode': 'none',
    'security.workspace.trust.enabled': false,
    'editor.minimap.enabled': false,
    'window.commandCenter': false,
    'chat.commandCenter.enabled': false,
    'debug.openDebug': 'openOnDebugBreak',
  });
});

after(async () => {
  await wb?.close();
  if (ws) rmSync(ws, { recursive: true, force: true });
});

function need(t: { skip(msg?: string): void }): Workbench | null {
  if (skipAll || !wb) { t.skip(skipAll ?? 'workbench not started'); log(`skipped: ${skipAll}`); return null; }
  return wb;
}

test('the .vsix installs into code-server', (t) => {
  const w = need(t); if (!w) return;
  const list = w.listExtensions();
  assert.ok(list.some((l) => l.startsWith('paravirt.paravirt@0.1.0')), `installed: ${list.join(', ')}`);
});

test('open the sample project', async (t) => {
  const w = need(t); if (!w) return;
  await w.openFolder(ws);
  const rows = w.page.locator('.explorer-folders-view .monaco-list-row');
  for (const name of ['common', 'hvm', 'pv', 'Makefile']) await rows.filter({ hasText: name }).first().waitFor({ timeout: 30_000 });
  await w.openFile('hvm/boot.asm');
  // The grammar: `cli` (privileged) is coloured unlike `cld` (ordinary), two lines apart.
  const tokenClass = async (word: string) => w.page.locator('.view-lines .view-line span span', { hasText: new RegExp(`^${word}$`) }).first().getAttribute('class');
  const cli = await tokenClass('cli'), cld = await tokenClass('cld');
  assert.ok(cli && cld, 'both tokens rendered');
  assert.notEqual(cli, cld, 'privileged cli is highlighted like an ordinary instruction');
  await w.shot('sample-project');
});

test('a privileged instruction is flagged and its quick fix applies', async (t) => {
  const w = need(t); if (!w) return;
  await w.openFile('hvm/boot.asm');
  // target=pv (the default): cli in ring 1 is an error from the language server.
  await w.page.locator('.view-overlays .squiggly-error, .squiggly-error').first().waitFor({ timeout: 60_000 });
  await w.gotoLine(30);
  await w.page.keyboard.press('Control+Period');
  const fix = w.page.locator('.action-widget .monaco-list-row, .context-view .action-label', { hasText: 'PV_CLI' }).first();
  await fix.waitFor({ timeout: 15_000 });
  await w.shot('quick-fix-menu');
  // The menu takes the keyboard (a pointer block covers it): move the focus to the fix.
  for (let i = 0; i < 6; i++) {
    const focused = await w.page.locator('.action-widget .monaco-list-row.focused').first().getAttribute('aria-label');
    if (focused?.includes('PV_CLI')) break;
    await w.page.keyboard.press('ArrowDown');
  }
  await w.page.keyboard.press('Enter');
  await w.page.locator('.view-lines .view-line', { hasText: 'PV_CLI' }).first().waitFor({ timeout: 15_000 });
  assert.match(await w.page.locator('.view-lines').first().innerText(), /^\s*PV_CLI\s*$/m);
  // The fix also adds the include the macro comes from, at the top of the file.
  await w.page.keyboard.press('Control+Home');
  await w.page.locator('.view-lines .view-line', { hasText: /%include\s+["']paravirt\.inc["']/ }).first().waitFor({ timeout: 10_000 });
  await w.shot('quick-fix-applied');
  // Leave the sample as it was for the debug scenario (the edit was one undo step).
  await w.page.keyboard.press('Control+Z');
  await w.page.locator('.view-lines .view-line', { hasText: /^\s*cli\s*$/ }).first().waitFor({ timeout: 10_000 });
});
