// A code-server instance with fresh user-data and extensions directories, the .vsix
// installed, and a headless Debian chromium driven by playwright-core, plus the few
// workbench gestures the scenarios need.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page, type Frame } from 'playwright-core';

export const ARTIFACTS = resolve(__dirname, '..', '..', 'artifacts');
export const CHROMIUM = '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', '--disable-default-apps',
  '--disable-extensions', '--metrics-recording-only', '--mute-audio',
];

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => { const a = s.address(); s.close(() => res(typeof a === 'object' && a ? a.port : 0)); });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Workbench {
  private server: ChildProcess | null = null;
  private browser: Browser | null = null;
  page!: Page;
  readonly home = mkdtempSync(join(tmpdir(), 'paravirt-e2e-'));
  serverLog = '';
  private shots = 0;

  constructor(private readonly entry: string) {}

  private env(): NodeJS.ProcessEnv {
    // Keep code-server's own config and data out of the user's home.
    return { ...process.env, HOME: this.home, XDG_CONFIG_HOME: join(this.home, 'config'), XDG_DATA_HOME: join(this.home, 'data'), VSCODE_CLI_USE_FILE_KEYRING: '1' };
  }

  private dirs() {
    return ['--user-data-dir', join(this.home, 'user-data'), '--extensions-dir', join(this.home, 'extensions')];
  }

  installExtension(vsix: string): string {
    const r = spawnSync(process.execPath, [this.entry, ...this.dirs(), '--install-extension', vsix, '--force'], { env: this.env(), encoding: 'utf8', timeout: 120_000 });
    const out = `${r.stdout}\n${r.stderr}`;
    if (r.status !== 0) throw new Error(`--install-extension failed: ${out}`);
    return out;
  }

  listExtensions(): string[] {
    const r = spawnSync(process.execPath, [this.entry, ...this.dirs(), '--list-extensions', '--show-versions'], { env: this.env(), encoding: 'utf8', timeout: 60_000 });
    return r.stdout.split('\n').map((s) => s.trim()).filter(Boolean);
  }

  private settings: Record<string, unknown> = {};

  /** Rewrites the user settings file; the running workbench picks the change up. */
  writeSettings(settings: Record<string, unknown>): void {
    this.settings = settings;
    // code-server's extension host is "remote": machine-scoped settings come from Machine/.
    for (const scope of ['User', 'Machine']) {
      const dir = join(this.home, 'user-data', scope);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'settings.json'), JSON.stringify(settings, null, 2));
    }
  }

  updateSettings(changes: Record<string, unknown>): void { this.writeSettings({ ...this.settings, ...changes }); }

  async start(settings: Record<string, unknown>): Promise<void> {
    this.writeSettings(settings);
    const port = await freePort();
    this.server = spawn(process.execPath, [this.entry, ...this.dirs(), '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none',
      '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override', '--ignore-last-opened'], { env: this.env(), stdio: ['ignore', 'pipe', 'pipe'] });
    this.server.stdout!.on('data', (d) => { this.serverLog += d; });
    this.server.stderr!.on('data', (d) => { this.serverLog += d; });
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      try { if ((await fetch(`${base}/healthz`)).ok) break; } catch { /* not up yet */ }
      if (i > 150 || this.server.exitCode !== null) throw new Error(`code-server did not start:\n${this.serverLog.slice(-2000)}`);
      await sleep(200);
    }
    this.baseUrl = base;
    this.browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    const ctx = await this.browser.newContext({ viewport: { width: 1600, height: 1000 } });
    this.page = await ctx.newPage();
  }

  baseUrl = '';

  /** `empty`: the folder has no files yet, so the explorer has no rows to wait for. */
  async openFolder(folder: string, empty = false): Promise<void> {
    await this.page.goto(`${this.baseUrl}/?folder=${encodeURIComponent(folder)}`);
    await this.page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    if (empty) await this.page.waitForSelector('.explorer-folders-view', { state: 'attached', timeout: 60_000 });
    else await this.page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: 60_000 });
  }

  async shot(name: string): Promise<string> {
    mkdirSync(ARTIFACTS, { recursive: true });
    const path = join(ARTIFACTS, `e2e-${String(++this.shots).padStart(2, '0')}-${name}.png`);
    await this.page.screenshot({ path });
    return path;
  }

  /** Runs a command from the palette by its title. */
  async command(title: string): Promise<void> {
    await this.page.keyboard.press('Escape');
    await this.page.keyboard.press('F1');
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(`>${title}`);
    const row = this.page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    await row.waitFor({ state: 'visible', timeout: 10_000 });
    await row.click();
  }

  /** Opens a workspace file through Quick Open. */
  async openFile(relPath: string): Promise<void> {
    await this.page.keyboard.press('Escape');
    await this.page.keyboard.press('Control+P');
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(relPath);
    const base = relPath.split('/').pop()!;
    await this.page.locator('.quick-input-list .monaco-list-row', { hasText: base }).first().waitFor({ timeout: 15_000 });
    await this.page.keyboard.press('Enter');
    await this.page.locator(`.tab.active[aria-label*="${base}"]`).waitFor({ timeout: 15_000 });
    await this.page.locator('.editor-instance .view-lines').first().waitFor();
  }

  async gotoLine(line: number, column?: number): Promise<void> {
    await this.page.keyboard.press('Control+G');
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(column ? `:${line}:${column}` : `:${line}`);
    await this.page.keyboard.press('Enter');
    await input.waitFor({ state: 'hidden', timeout: 10_000 });
  }

  /** The frame of a webview whose inner document has `selector`. */
  async webviewFrame(selector: string, timeoutMs = 30_000): Promise<Frame> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      for (const f of this.page.frames()) {
        try { if (await f.$(selector)) return f; } catch { /* detached while looking */ }
      }
      await sleep(250);
    }
    throw new Error(`no webview with ${selector}`);
  }

  async close(): Promise<void> {
    try { await this.browser?.close(); } catch { /* already gone */ }
    if (this.server && this.server.exitCode === null) {
      this.server.kill('SIGTERM');
      await new Promise<void>((r) => { const t = setTimeout(() => { this.server?.kill('SIGKILL'); r(); }, 5000); this.server!.once('exit', () => { clearTimeout(t); r(); }); });
    }
    rmSync(this.home, { recursive: true, force: true });
  }
}
