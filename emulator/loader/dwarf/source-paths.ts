// Source paths as DWARF defines them, and from there the path of the file on this machine.
//
// Within the debug information (DWARF 5 spec, sections 6.2.4 and 3.1.1): a line table's
// directory entries are relative to the compilation directory unless absolute (DWARF 5 lists
// that directory itself as entry 0; DWARF 2-4 leave entry 0 to DW_AT_comp_dir), and file names,
// which may hold directories of their own, are relative to their directory entry unless
// absolute. What is still relative after that (a build with -ffile-prefix-map=$PWD=. records a
// compilation directory of ".") is relative to where the debugger was told the build ran: the
// launch's cwd. The user's sourceFileMap then rewrites prefixes of that path.

/** True for paths that name their root: POSIX ones, and Windows drive or UNC paths a cross build may record. */
export function isAbsoluteSourcePath(p: string): boolean {
  return p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\');
}

/** `name` under `dir` unless `name` is absolute or `dir` is empty; `.` and `..` are folded away. */
export function joinSourcePath(dir: string, name: string): string {
  if (isAbsoluteSourcePath(name) || dir === '') return normalizeSourcePath(name);
  return normalizeSourcePath(dir.endsWith('/') || dir.endsWith('\\') ? dir + name : `${dir}/${name}`);
}

/**
 * Folds `.` segments, `..` after a named segment and repeated slashes, as path.normalize does
 * for POSIX paths; leading `..` of a relative path stay. Windows-style paths are left as written.
 */
export function normalizeSourcePath(p: string): string {
  if (p === '' || p.includes('\\')) return p;
  const abs = p.startsWith('/');
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..' && out.length > 0 && out[out.length - 1] !== '..') { out.pop(); continue; }
    if (seg === '..' && abs) continue;   // above the root is the root
    out.push(seg);
  }
  const body = out.join('/');
  return abs ? `/${body}` : body === '' ? '.' : body;
}

/**
 * The directory a unit's relative paths are relative to. Normally DW_AT_comp_dir. NASM (2.16 and
 * earlier) records the main source file's own directory there while naming files relative to
 * the directory it ran in (`nasm x86/boot.asm` run in /src says comp_dir /src/x86/, files
 * x86/boot.asm): that directory is recovered by taking the unit name's directory off the end of
 * comp_dir. Left alone when the two do not line up that way.
 */
export function compilationDir(compDir: string, unitName: string, producer: string): string {
  if (!/^NASM\b/.test(producer) || !compDir || !unitName || isAbsoluteSourcePath(unitName)) return compDir;
  const slash = unitName.lastIndexOf('/');
  if (slash <= 0) return compDir;
  const nameDir = normalizeSourcePath(unitName.slice(0, slash));
  if (nameDir.startsWith('..')) return compDir;
  const dir = normalizeSourcePath(compDir);
  if (dir !== nameDir && !dir.endsWith(`/${nameDir}`)) return compDir;
  const base = dir.slice(0, dir.length - nameDir.length);
  return base === '' ? '.' : base === '/' ? '/' : base.replace(/\/$/, '');
}

export interface SourcePathContext {
  /** Where relative paths from the debug information are resolved (the launch's cwd). */
  cwd: string;
  /** Recorded prefix -> local prefix, applied after resolution; the longest matching prefix wins. */
  sourceFileMap?: ReadonlyArray<readonly [string, string]>;
}

function mapPrefix(path: string, map: ReadonlyArray<readonly [string, string]>): string | undefined {
  let best: readonly [string, string] | undefined;
  for (const e of map) {
    const from = e[0];
    if (from === '') continue;
    // A prefix ends at a path boundary: /build maps /build/x.c, not /buildroot/x.c.
    const bounded = from.endsWith('/') || path.length === from.length || path[from.length] === '/';
    if (path.startsWith(from) && bounded && (!best || from.length > best[0].length)) best = e;
  }
  return best ? best[1] + path.slice(best[0].length) : undefined;
}

/**
 * The local path of a source path the debug information gives (already joined with its
 * directories by the rules above): relative paths resolved against `cwd`, then sourceFileMap.
 * A map entry written for the recorded relative spelling (`"src/": "/home/me/src/"`) still
 * applies when none matches the resolved path.
 */
export function localSourcePath(recorded: string, ctx: SourcePathContext): string {
  if (recorded === '') return recorded;
  const resolved = isAbsoluteSourcePath(recorded) ? normalizeSourcePath(recorded) : joinSourcePath(ctx.cwd, recorded);
  const map = ctx.sourceFileMap ?? [];
  const mapped = mapPrefix(resolved, map) ?? (isAbsoluteSourcePath(recorded) ? undefined : mapPrefix(normalizeSourcePath(recorded), map));
  return mapped === undefined ? resolved : joinSourcePath(isAbsoluteSourcePath(mapped) ? '' : ctx.cwd, mapped);
}
