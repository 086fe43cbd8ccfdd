// The extension in a real VS Code (code-server) driven through its UI by a headless
// chromium: the sample project, a diagnostic and its quick fix, a debug session (breakpoint
// in C, step, registers, VM Exits, Guest Screen) and the comparison report. Screenshots go
// to test/artifacts/. Set PARAVIRT_E2E=0 to leave this layer out.

import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureCodeServer, CACHE } from './support/code-server-install';
import { Workbench, CHROMIUM } from './support/workbench';
import { copySample } from '../../extension/sample-files';

const ROOT = resolve(__dirname, '..', '..');
const VSIX = join(CACHE, 'paravirt-e2e.vsix');
const VGA_GUEST = join(__dirname, 'build', 'vga-hello.elf');

/** Builds the VGA test kernel (nasm + ld); null when it built, else why not. */
function buildVgaGuest(): string | null {
  mkdirSync(join(__dirname, 'build'), { recursive: true });
  const obj = join(__dirname, 'build', 'vga-hello.o');
  const a = spawnSync('nasm', ['-f', 'elf32', join(__dirname, 'guests', 'vga-hello.asm'), '-o', obj], { encoding: 'utf8' });
  if (a.status !== 0) return `nasm: ${a.error?.message ?? a.stderr}`;
  const l = spawnSync('ld', ['-m', 'elf_i386', '-nostdlib', '-N', '--no-warn-rwx-segments', '-Ttext=0x100000', '-e', '_start', obj, '-o', VGA_GUEST], { encoding: 'utf8' });
  return l.status === 0 ? null : `ld: ${l.error?.message ?? l.stderr}`;
}
let vgaSkip: string | null = null;
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
  vgaSkip = buildVgaGuest();
  if (!vgaSkip) {
    const launchPath = join(ws, '.vscode', 'launch.json');
    const launch = JSON.parse(readFileSync(launchPath, 'utf8'));
    launch.configurations.push({ type: 'paravirt', request: 'launch', name: 'VGA test guest', program: VGA_GUEST, mode: 'hvm' });
    writeFileSync(launchPath, JSON.stringify(launch, null, 2));
  }
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

function need(t: TestContext): Workbench | null {
  if (skipAll || !wb) { t.skip(skipAll ?? 'workbench not started'); log(`skipped: ${skipAll}`); return null; }
  return wb;
}

/** A scenario that leaves a screenshot of the workbench when it fails. */
function scenario(name: string, fn: (w: Workbench, t: TestContext) => Promise<void>) {
  test(name, async (t) => {
    const w = need(t); if (!w) return;
    try { await fn(w, t); } catch (e) {
      try { await w.shot(`FAILED-${name.replace(/[^a-z0-9]+/gi, '-').slice(0, 40)}`); } catch { /* the page is gone */ }
      throw e;
    }
  });
}

test('the .vsix installs into code-server', (t) => {
  const w = need(t); if (!w) return;
  const list = w.listExtensions();
  assert.ok(list.some((l) => l.startsWith('paravirt.paravirt@0.1.0')), `installed: ${list.join(', ')}`);
});

scenario('open the sample project', async (w, t) => {
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

scenario('a privileged instruction is flagged and its quick fix applies', async (w, t) => {
  await w.openFile('hvm/boot.asm');
  // target=pv (the default): cli in ring 1 is an error from the language server.
  await w.page.locator('.view-overlays .squiggly-error, .squiggly-error').first().waitFor({ timeout: 60_000 });
  // The cursor on the mnemonic (the diagnostic's range), then Quick Fix; the server answers
  // code actions from its last analysis, so ask again if that was not ready yet.
  await w.gotoLine(30, 6);
  const fix = w.page.locator('.action-widget .monaco-list-row', { hasText: 'PV_CLI' }).first();
  for (let attempt = 0; ; attempt++) {
    await w.page.keyboard.press('Control+Period');
    try { await fix.waitFor({ timeout: 5_000 }); break; } catch (e) {
      if (attempt >= 4) throw e;
      await w.page.keyboard.press('Escape');
    }
  }
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

scenario('F5 stops at a breakpoint in C, steps, shows registers, VM exits and the guest screen', async (w, t) => {
  if (!existsSync(join(ROOT, 'dist', 'debug-adapter.js'))) { t.skip('the debug adapter is not built yet'); return; }
  const p = w.page;
  await w.openFile('common/kmain.c');
  await w.gotoLine(45);
  await p.keyboard.press('F9');
  await p.locator('.editor-instance .codicon-debug-breakpoint, .editor-instance .codicon-debug-breakpoint-unverified').first().waitFor({ timeout: 10_000 });
  await p.keyboard.press('F5');
  // Stopped: the top-frame decoration is on line 45 of kmain.c.
  const stack = p.locator('.debug-call-stack .monaco-list-row');
  await stack.filter({ hasText: 'kmain' }).first().waitFor({ timeout: 90_000 });
  const topFrame = async () => (await stack.filter({ hasText: 'kmain' }).first().innerText()).replace(/\s+/g, ' ');
  assert.match(await topFrame(), /kmain\.c\s*45/);
  // Inline by default: the session runs in the extension host, with no adapter process.
  assert.equal(spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l.includes('paravirt.paravirt-0.1.0/dist/debug-adapter.js')).length, 0);
  await w.shot('breakpoint-hit');
  // Step over one line.
  await p.keyboard.press('F10');
  for (let i = 0; i < 60 && !/kmain\.c\s*4[6-9]/.test(await topFrame()); i++) await p.waitForTimeout(250);
  assert.match(await topFrame(), /kmain\.c\s*4[6-9]/);
  // The editor shows the real source file at the stopped line.
  await p.locator('.tab.active', { hasText: 'kmain.c' }).waitFor({ timeout: 10_000 });
  assert.equal(await p.locator('.editor-instance .monaco-editor').count() > 0, true);
  assert.equal(await p.getByText('could not be opened').count(), 0, 'the stopped source opened');
  // Registers: expand the scope and read EAX.
  const vars = p.locator('.debug-variables .monaco-list-row');
  const regs = vars.filter({ hasText: /^Registers/ }).first();
  await regs.waitFor({ timeout: 15_000 });
  const eax = vars.filter({ hasText: /^eax\s*=/ }).first();
  // The variables tree re-renders after a step; expand the scope until its rows show.
  for (let i = 0; i < 6 && !(await eax.isVisible()); i++) {
    if ((await regs.getAttribute('aria-expanded')) !== 'true') {
      // A hover or context menu left over from the step can sit over the tree and take the click.
      await p.keyboard.press('Escape');
      await regs.click({ timeout: 5_000 }).catch(() => undefined);
    }
    await eax.waitFor({ timeout: 3_000 }).catch(() => undefined);
  }
  assert.match(await eax.innerText(), /eax\s*=\s*0x[0-9a-f]{8}/i);
  await w.shot('registers');
  // VM Exits: the sample has already programmed the UART and PIT through port I/O.
  const exitsView = p.locator('.pane', { has: p.locator('.pane-header', { hasText: 'VM Exits' }) });
  const header = exitsView.locator('.pane-header');
  if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
  await exitsView.locator('.monaco-list-row', { hasText: 'IO_INSTRUCTION' }).first().waitFor({ timeout: 30_000 });
  const countText = await exitsView.locator('.monaco-list-row', { hasText: 'IO_INSTRUCTION' }).first().innerText();
  assert.match(countText, /IO_INSTRUCTION\s*[\d,]+/);
  // Drill down: the reason opens onto its latest exits; a click reveals the source line of
  // the exiting instruction (the sample's port I/O lives in hvm/io.h and console-uart.c).
  await exitsView.locator('.monaco-list-row', { hasText: 'IO_INSTRUCTION' }).first().click();
  const exitRow = exitsView.locator('.monaco-list-row', { hasText: /#\d+ IO_INSTRUCTION/ }).first();
  await exitRow.waitFor({ timeout: 15_000 });
  assert.match(await exitRow.innerText(), /cycles \(est\.\)/);
  // Room for the view in the screenshot: fold the panes above it.
  for (const name of ['Watch', 'Breakpoints', 'Loaded Scripts']) {
    const h = p.locator('.pane-header', { hasText: new RegExp(`^${name}`, 'i') }).first();
    if (await h.count() && (await h.getAttribute('aria-expanded')) === 'true') await h.click();
  }
  await w.shot('vm-exits');
  await exitRow.click();
  await p.locator('.tab.active', { hasText: /io\.h|console-uart\.c/ }).waitFor({ timeout: 20_000 }).catch(async (e) => {
    throw new Error(`${(e as Error).message}\nstatus bar: ${await p.locator('.part.statusbar').innerText()}`);
  });
  await w.shot('exit-revealed');
  // The Guest Screen while stopped: 80x25 cells from the adapter's paravirt.vgaText.
  await w.command('Paravirt: Show Guest Screen');
  const screen = await w.webviewFrame('#screen .row', 30_000);
  assert.equal(await screen.locator('#screen .row').count(), 25);
  const firstRow = await screen.locator('#screen .row').first().innerText();
  assert.equal(firstRow.replace(/\n/g, '').length, 80, 'a row holds 80 cells');
  await screen.locator('#status', { hasText: '80×25' }).waitFor({ timeout: 15_000 });
  await w.shot('guest-screen');
  // Continue to the end: the sample prints its checksum and the exit total grows.
  const totalOf = async () => Number((await exitsView.locator('.monaco-list-row', { hasText: 'Exit reasons' }).first().innerText()).replace(/[^\d]/g, ''));
  const before = await totalOf();
  await p.keyboard.press('F5');
  await p.locator('.repl .monaco-list-row', { hasText: 'checksum' }).first().waitFor({ timeout: 60_000 });
  for (let i = 0; i < 40 && (await totalOf()) <= before; i++) await p.waitForTimeout(250);
  assert.ok((await totalOf()) > before, `exit total grew from ${before}`);
  await w.shot('session-ended');
  await p.keyboard.press('Shift+F5');
  await p.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 30_000 }).catch(() => undefined);
});

scenario('the Guest Screen shows the text, colours and cursor a guest wrote; the exit trace exports', async (w, t) => {
  if (vgaSkip) { t.skip(vgaSkip); return; }
  const p = w.page;
  // This session runs the adapter as a process (dist/debug-adapter.js over stdio); the F5
  // scenario above ran it inline. The setting is machine-scoped, so it goes in user settings.
  w.updateSettings({ 'paravirt.debugAdapter.mode': 'executable' });
  await p.waitForTimeout(1500);
  await w.command('Debug: Select and Start Debugging');
  const pick = p.locator('.quick-input-list .monaco-list-row', { hasText: 'VGA test guest' }).first();
  await pick.waitFor({ timeout: 15_000 });
  await pick.click();
  await p.locator('.debug-toolbar').waitFor({ timeout: 30_000 });
  const adapters = spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l.includes('debug-adapter.js'));
  assert.equal(adapters.filter((l) => l.includes('paravirt.paravirt-0.1.0/dist/debug-adapter.js')).length, 1, `one adapter process from the installed extension: ${adapters.join(' | ')}`);
  await w.command('Paravirt: Show Guest Screen');
  const screen = await w.webviewFrame('#screen .row', 30_000);
  // What vga-hello.asm wrote: "PARAVIRT" yellow (14) on blue (1) at row 1, '!' bright white
  // (15) on red (4) at column 9, the CRTC cursor at row 2 column 5.
  const word = screen.locator('#screen .row').nth(1).locator('span.f14.b1', { hasText: 'PARAVIRT' });
  await word.waitFor({ timeout: 30_000 });
  assert.equal(await screen.locator('#screen .row').nth(1).locator('span.f15.b4').innerText(), '!');
  const row2 = screen.locator('#screen .row').nth(2);
  const cursor = row2.locator('span.cursor');
  assert.equal(await cursor.count(), 1);
  type El = { children: ArrayLike<{ classList: { contains(c: string): boolean }; textContent: string | null }> };
  const before = await row2.evaluate((el: El) => {
    let n = 0;
    for (const s of Array.from(el.children)) { if (s.classList.contains('cursor')) return n; n += (s.textContent ?? '').length; }
    return -1;
  });
  assert.equal(before, 5, 'cursor column');
  await w.shot('guest-screen-text');
  // Export the running session's exit trace as CSV (the adapter's paravirt.exitLog): the
  // guest's four OUTs to the CRTC, with the ports in their qualifications.
  const csvPath = join(ws, 'exits.csv');
  await w.command('Paravirt: Export Exit Trace');
  const csvItem = p.locator('.quick-input-list .monaco-list-row', { hasText: 'CSV' }).first();
  await csvItem.waitFor({ timeout: 10_000 });
  await csvItem.click();
  // The format list must be gone before typing, or the path lands in its filter box.
  await csvItem.waitFor({ state: 'detached', timeout: 10_000 }).catch(() => undefined);
  const pathInput = p.locator('.quick-input-widget input');
  await pathInput.waitFor({ state: 'visible', timeout: 10_000 });
  await pathInput.fill(csvPath);
  await p.keyboard.press('Enter');
  for (let i = 0; i < 80 && !existsSync(csvPath); i++) await p.waitForTimeout(250);
  const rows = readFileSync(csvPath, 'utf8').trim().split(/\r?\n/).map((l) => l.split(','));
  const col = (n: string) => rows[0].indexOf(n);
  const io = rows.slice(1).filter((r) => r[col('reasonName')] === 'IO_INSTRUCTION');
  assert.equal(io.length, 4, 'four OUT instructions');
  // Qualification bits 31:16 are the port (SDM Vol. 3, Table 28-5): 0x3d4 and 0x3d5.
  assert.deepEqual(io.map((r) => parseInt(r[col('qualification')], 16) >>> 16), [0x3d4, 0x3d5, 0x3d4, 0x3d5]);
  await p.keyboard.press('Shift+F5');
  await p.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 30_000 }).catch(() => undefined);
  w.updateSettings({ 'paravirt.debugAdapter.mode': 'inline' });
});

scenario('without a launch configuration: pick the PV kernel and mode, watch its hypercalls', async (w) => {
  const p = w.page;
  await w.command('Remove All Breakpoints');
  // Paravirt: Debug Kernel starts a configuration with no program; the configuration
  // provider lists the ELF kernels it found in the folder and asks for the mode.
  await w.command('Paravirt: Debug Kernel');
  const kernel = p.locator('.quick-input-list .monaco-list-row', { hasText: 'sample-pv.elf' }).first();
  await kernel.waitFor({ timeout: 15_000 });
  assert.equal(await p.locator('.quick-input-list .monaco-list-row', { hasText: /sample-(hvm|pv)\.elf/ }).count(), 2);
  await kernel.click();
  const pv = p.locator('.quick-input-list .monaco-list-row', { hasText: 'Xen-style' }).first();
  await pv.waitFor({ timeout: 15_000 });
  await pv.click();
  await p.locator('.repl .monaco-list-row', { hasText: 'checksum' }).first().waitFor({ timeout: 60_000 });
  const exitsView = p.locator('.pane', { has: p.locator('.pane-header', { hasText: 'VM Exits' }) });
  const header = exitsView.locator('.pane-header');
  if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
  await exitsView.locator('.monaco-list-row', { hasText: 'Hypercalls' }).first().waitFor({ timeout: 30_000 });
  await exitsView.locator('.monaco-list-row', { hasText: /sched_op\s*[\d,]+/ }).first().waitFor({ timeout: 30_000 });
  await w.shot('pv-hypercalls');
});

scenario('Paravirt: Compare HVM and PV shows the report', async (w) => {
  const p = w.page;
  await w.command('Paravirt: Compare HVM and PV');
  // Both flavours are found in build/ by their ELF headers and names: no question asked.
  await p.locator('.tab', { hasText: 'Paravirt: HVM vs PV' }).first().waitFor({ timeout: 120_000 });
  const report = await w.webviewFrame('table', 60_000);
  const text = await report.locator('body').innerText();
  assert.match(text, /sample-hvm\.elf/);
  assert.match(text, /sample-pv\.elf/);
  assert.ok(await report.locator('svg').count() > 0, 'the report has its charts');
  await w.shot('compare-report');
});
