// The macro definitions a file is compiled with: the project's setting (paravirt.defines, or
// `-D`/`-U` on the command line) and, when the project has a compile_commands.json (at the
// workspace root or in build/), the -D/-U/-m32 of the file's own command line and the
// #defines of the files it forces in with -include (a kernel's kconfig.h and autoconf.h), which
// makes the set complete (a macro it does not define is undefined, as for the compiler).

import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parseDefine, type DefineSet } from './preprocessor';

interface CompileEntry { directory: string; file: string; arguments?: string[]; command?: string }

interface Command { args: string[]; dir: string }

const dbCache = new Map<string, { mtimeMs: number; byFile: Map<string, Command> } | null>();

/** Split a shell command line (quotes and backslashes as a POSIX shell reads them). */
function shellWords(cmd: string): string[] {
  const out: string[] = [];
  let cur = '', has = false, q = '';
  for (let i = 0; i < cmd.length; i++) {
    const c = cmd[i];
    if (q) { if (c === q) q = ''; else if (c === '\\' && q === '"' && i + 1 < cmd.length) cur += cmd[++i]; else cur += c; continue; }
    if (c === '"' || c === "'") { q = c; has = true; continue; }
    if (c === '\\' && i + 1 < cmd.length) { cur += cmd[++i]; has = true; continue; }
    if (/\s/.test(c)) { if (has) out.push(cur); cur = ''; has = false; continue; }
    cur += c; has = true;
  }
  if (has) out.push(cur);
  return out;
}

/** Places known to hold no compile_commands.json, and when that was seen (a new one is noticed within this long). */
const absent = new Map<string, number>();
const ABSENT_MS = 2000;

function loadDb(path: string): Map<string, Command> | null {
  const gone = absent.get(path);
  if (gone !== undefined && performance.now() - gone < ABSENT_MS) return null;
  let st;
  try { st = statSync(path); } catch { absent.set(path, performance.now()); dbCache.set(path, null); return null; }
  absent.delete(path);
  const hit = dbCache.get(path);
  if (hit && hit.mtimeMs === st.mtimeMs) return hit.byFile;
  try {
    const entries = JSON.parse(readFileSync(path, 'utf8')) as CompileEntry[];
    const byFile = new Map<string, Command>();
    if (Array.isArray(entries)) {
      for (const e of entries) {
        if (!e || typeof e.file !== 'string' || typeof e.directory !== 'string') continue;
        const args = Array.isArray(e.arguments) ? e.arguments.filter((a) => typeof a === 'string') : typeof e.command === 'string' ? shellWords(e.command) : null;
        if (args) byFile.set(resolve(e.directory, e.file), { args, dir: e.directory });
      }
    }
    dbCache.set(path, { mtimeMs: st.mtimeMs, byFile });
    return byFile;
  } catch {
    dbCache.set(path, null);
    return null;
  }
}

/** The compile command's arguments for `file`, from the first compile_commands.json found. */
export function compileArgs(file: string, root: string | null): { args: string[]; dir: string; db: string } | null {
  // Most files share their folder's answer; a folder without a database anywhere above it is
  // remembered for ABSENT_MS like a missing file.
  const dir = dirname(file);
  const key = `${root ?? ''}\0${dir}`;
  const none = noDbFor.get(key);
  if (none !== undefined && performance.now() - none < ABSENT_MS) return null;
  const found = lookUp(file, root);
  if (!found) noDbFor.set(key, performance.now()); else noDbFor.delete(key);
  return found;
}

/** Folders (with the root) where no compile_commands.json was found, and when. */
const noDbFor = new Map<string, number>();

function lookUp(file: string, root: string | null): { args: string[]; dir: string; db: string } | null {
  const places = new Set<string>();
  if (root) { places.add(join(root, 'compile_commands.json')); places.add(join(root, 'build', 'compile_commands.json')); }
  for (let d = dirname(file), k = 0; k < 8; k++) {
    places.add(join(d, 'compile_commands.json'));
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  for (const p of places) {
    const db = loadDb(p);
    const cmd = db?.get(isAbsolute(file) ? file : resolve(file));
    if (cmd) return { args: cmd.args, dir: cmd.dir, db: p };
  }
  return null;
}

/**
 * The definitions for `file`. `defines`/`undefines`: NAME[=VALUE] and NAME as -D/-U take them.
 */
export function defineSetFor(file: string, defines: readonly string[], undefines: readonly string[], root: string | null): DefineSet {
  const macros = new Map<string, string | null>();
  let complete = false;
  let source = defines.length || undefines.length ? "the project's defines" : 'no defines given';
  const cc = compileArgs(file, root);
  if (cc) {
    complete = true;
    source = 'compile_commands.json';
    const bits32 = cc.args.includes('-m32');
    // What gcc itself predefines that kernels test most.
    for (const [k, v] of [['__GNUC__', '12'], ['__STDC__', '1'], ['__STDC_VERSION__', '201710L'], [bits32 ? '__i386__' : '__x86_64__', '1'], ['__linux__', '1']]) macros.set(k, v);
    if (/\.(S|sx)$/.test(file)) macros.set('__ASSEMBLER__', '1');
    const forced: string[] = [], dirs: string[] = [];
    for (let i = 0; i < cc.args.length; i++) {
      const a = cc.args[i];
      const take = (flag: string) => (a === flag ? cc.args[++i] ?? '' : a.slice(flag.length));
      if (a.startsWith('-D')) { const d = parseDefine(take('-D')); if (d) macros.set(d.name, d.value); }
      else if (a.startsWith('-U')) { const n = take('-U').trim(); if (n) macros.set(n, null); }
      else if (a === '-include') forced.push(resolve(cc.dir, cc.args[++i] ?? ''));
      else if (a.startsWith('-I')) dirs.push(resolve(cc.dir, take('-I')));
      else if (a === '-iquote' || a === '-isystem' || a === '-idirafter') dirs.push(resolve(cc.dir, cc.args[++i] ?? ''));
    }
    // Files forced in with -include (Linux's kconfig.h, which brings generated/autoconf.h and
    // every CONFIG_ the build enables): their #defines count as the command line's. One that
    // cannot be read leaves the set incomplete, so nothing is ruled out on a guess.
    for (const f of forced) if (!forcedDefines(f, dirs, macros, 0, new Set())) complete = false;
  }
  for (const s of defines) { const d = parseDefine(s); if (d) macros.set(d.name, d.value); }
  for (const n of undefines) if (/^[A-Za-z_]\w*$/.test(n)) macros.set(n, null);
  return { macros, complete, source };
}

interface HeaderDefines { mtimeMs: number; at: number; defs: Array<[string, string | null]>; includes: Array<{ path: string; quoted: boolean }> }
const headerCache = new Map<string, HeaderDefines>();
const MAX_FORCED_DEPTH = 4;

/** The #define/#undef lines of a header (object-like macros; function-like ones are left unknown). */
function headerDefines(path: string): HeaderDefines | null {
  const hit = headerCache.get(path);
  if (hit && performance.now() - hit.at < ABSENT_MS) return hit;
  let st;
  try { st = statSync(path); } catch { headerCache.delete(path); return null; }
  if (hit && hit.mtimeMs === st.mtimeMs) { hit.at = performance.now(); return hit; }
  let text: string;
  try { if (st.size > 16 << 20) return null; text = readFileSync(path, 'utf8'); } catch { return null; }
  const defs: Array<[string, string | null]> = [];
  const includes: Array<{ path: string; quoted: boolean }> = [];
  for (const m of text.matchAll(/^[ \t]*#[ \t]*(define|undef|include)[ \t]+(.*)$/gm)) {
    if (m[1] === 'include') {
      const inc = /^(["<])([^">]+)[">]/.exec(m[2]);
      if (inc) includes.push({ path: inc[2], quoted: inc[1] === '"' });
      continue;
    }
    const d = /^([A-Za-z_]\w*)(\()?\s*(.*)$/.exec(m[2]);
    if (!d || d[2]) continue;
    defs.push([d[1], m[1] === 'undef' ? null : d[3].replace(/\/\*.*?\*\/|\/\/.*$/g, '').trim() || '1']);
  }
  const h = { mtimeMs: st.mtimeMs, at: performance.now(), defs, includes };
  headerCache.set(path, h);
  return h;
}

function forcedDefines(path: string, dirs: readonly string[], macros: Map<string, string | null>, depth: number, seen: Set<string>): boolean {
  if (seen.has(path)) return true;
  seen.add(path);
  const h = headerDefines(path);
  if (!h) return false;
  let ok = true;
  for (const inc of h.includes) {
    if (depth >= MAX_FORCED_DEPTH) { ok = false; break; }
    const where = [...(inc.quoted ? [dirname(path)] : []), ...dirs].map((d) => join(d, inc.path)).find((p) => headerCache.has(p) || existsSync(p));
    // A system header the command line does not name (<linux/types.h> from a sysroot) has no CONFIG_ to give.
    if (where) ok = forcedDefines(where, dirs, macros, depth + 1, seen) && ok;
  }
  for (const [name, value] of h.defs) macros.set(name, value);
  return ok;
}
