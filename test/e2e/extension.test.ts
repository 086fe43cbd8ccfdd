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
  // The grammar: `cli` carries the privileged-instruction scope's token class, which differs
  // from an ordinary instruction's.
  await w.shot('sample-project');
});
