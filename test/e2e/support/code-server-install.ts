// Installs code-server from npm into test/e2e/.cache once (about 300 MB; it is not a
// devDependency so `npm ci` stays small for everyone who does not run this layer).
// Its VS Code dependencies fetch ripgrep from GitHub in a postinstall step, which an offline
// machine cannot reach; that step reuses a cached archive when one exists, so we put Debian's
// ripgrep there in the layout it expects and point TMPDIR at it.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, copyFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const CODE_SERVER_VERSION = '4.100.3';
// What code-server 4.100.3's VS Code pins (lib/vscode/npm-shrinkwrap.json) and the ripgrep
// release that @vscode/ripgrep version downloads.
const RIPGREP_PACKAGE = '1.15.11';
const RIPGREP_RELEASE = 'v13.0.0-10';

export const CACHE = resolve(__dirname, '..', '.cache');
const PREFIX = join(CACHE, 'code-server');
const BIN = join(PREFIX, 'node_modules', 'code-server', 'out', 'node', 'entry.js');

function installedVersion(): string | null {
  try { return JSON.parse(readFileSync(join(PREFIX, 'node_modules', 'code-server', 'package.json'), 'utf8')).version; } catch { return null; }
}

function which(cmd: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

export interface Installed { entry: string; seconds: number | null }

/** The code-server entry script, installing it first when needed. Throws with a reason to skip. */
export function ensureCodeServer(log: (s: string) => void): Installed {
  if (installedVersion() === CODE_SERVER_VERSION && existsSync(BIN)) return { entry: BIN, seconds: null };
  const major = Number(process.versions.node.split('.')[0]);
  if (major !== 20) throw new Error(`code-server ${CODE_SERVER_VERSION} needs Node 20 (this is ${process.versions.node})`);
  const rg = which('rg');
  if (!rg) throw new Error('ripgrep (rg) is missing: scripts/setup.sh installs it from Debian');
  const tmp = join(CACHE, 'tmp');
  const rgCache = join(tmp, `vscode-ripgrep-cache-${RIPGREP_PACKAGE}`);
  const stage = join(CACHE, 'rg-stage');
  mkdirSync(rgCache, { recursive: true });
  mkdirSync(stage, { recursive: true });
  copyFileSync(rg, join(stage, 'rg'));
  const archive = join(rgCache, `ripgrep-${RIPGREP_RELEASE}-x86_64-unknown-linux-musl.tar.gz`);
  const tar = spawnSync('tar', ['czf', archive, '-C', stage, 'rg']);
  if (tar.status !== 0) throw new Error('could not stage ripgrep for the code-server install');
  mkdirSync(PREFIX, { recursive: true });
  writeFileSync(join(PREFIX, 'package.json'), JSON.stringify({ name: 'paravirt-e2e-code-server', private: true }) + '\n');
  rmSync(join(PREFIX, 'node_modules'), { recursive: true, force: true });
  log(`installing code-server ${CODE_SERVER_VERSION} into ${PREFIX} (one time, a few minutes)`);
  const t0 = Date.now();
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--no-save', `code-server@${CODE_SERVER_VERSION}`], {
    cwd: PREFIX, encoding: 'utf8', timeout: 20 * 60_000,
    env: { ...process.env, TMPDIR: tmp, npm_config_unsafe_perm: 'true', npm_config_yes: 'true' },
  });
  const seconds = (Date.now() - t0) / 1000;
  if (r.status !== 0 || !existsSync(BIN)) {
    const tail = `${r.stdout ?? ''}\n${r.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    throw new Error(`code-server install failed (status ${r.status}):\n${tail}`);
  }
  log(`code-server installed in ${seconds.toFixed(0)} s`);
  return { entry: BIN, seconds };
}
