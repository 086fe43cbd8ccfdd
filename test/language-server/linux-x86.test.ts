// The linter on real kernel code: Linux's arch/x86 from Debian's linux-source-6.1, fetched by
// scripts/fetch-linux-source.sh with `apt-get download` (cached outside the repository; the
// first run needs Debian's archive, later runs none). The expectation is derived from the
// source text without the analyzer (linux-x86/extract.ts, its method written there) and
// corrected by hand where it is wrong (linux-x86/adjustments.ts). Recall and precision of
// `paravirt lint` over the whole of arch/x86 are printed and must reach 97% and 98%.

import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { lintFiles } from '../../language-server/analyzer/lint';
import { NOT_ASM } from './linux-x86/adjustments';
import { extract } from './linux-x86/extract';
import { REPO } from './lsp-client';

function sources(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) sources(p, out);
    else if (/\.(c|h|S)$/.test(e.name)) out.push(p);
  }
  return out;
}

describe('paravirt lint on Linux arch/x86 (Debian linux-source-6.1)', () => {
  let x86 = '';
  before(() => {
    const r = spawnSync('bash', [join(REPO, 'scripts/fetch-linux-source.sh')], { encoding: 'utf8', timeout: 15 * 60_000 });
    assert.equal(r.status, 0, `scripts/fetch-linux-source.sh failed: ${r.stderr}`);
    x86 = r.stdout.trim().split('\n').pop()!;
  });

  it('finds the privileged and sensitive instructions with recall >= 97% and precision >= 98%', () => {
    const files = sources(x86);
    assert.ok(files.length > 1000, `arch/x86 has ${files.length} C, header and .S files`);
    // The expectation: extraction, then the hand-read corrections.
    const expected = new Map<string, string>();
    const used = new Set<number>();
    for (const f of files) {
      const rel = relative(x86, f).split('\\').join('/');
      const text = readFileSync(f, 'utf8');
      const lines = text.split('\n');
      for (const e of extract(rel, text)) {
        const line = lines[e.line - 1];
        const k = NOT_ASM.findIndex(([file, rule, piece]) => file === rel && rule === e.rule && line.includes(piece));
        if (k >= 0) { used.add(k); continue; }
        expected.set(`${rel}:${e.line}:${e.rule}`, line.trim());
      }
    }
    const stale = NOT_ASM.filter((_, k) => !used.has(k));
    assert.deepEqual(stale, [], 'every hand-read correction still names a line of the source');

    const t0 = performance.now();
    const r = lintFiles([x86], { target: 'pv' });
    const ms = performance.now() - t0;
    assert.deepEqual(r.errors, []);
    const found = new Set<string>();
    for (const { file, findings } of r.results) {
      const rel = relative(x86, file).split('\\').join('/');
      for (const f of findings) found.add(`${rel}:${f.range.start.line + 1}:${f.code}`);
    }
    const hits = [...found].filter((k) => expected.has(k)).length;
    const recall = hits / expected.size;
    const precision = found.size ? hits / found.size : 0;
    const missed = [...expected.keys()].filter((k) => !found.has(k));
    const extra = [...found].filter((k) => !expected.has(k));
    const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
    console.log(`arch/x86: ${files.length} files (${r.results.length} linted, ${r.skipped.length} skipped), ` +
      `${expected.size} expected (file, line, rule), ${found.size} reported, ${hits} agree: ` +
      `recall ${pct(recall)}, precision ${pct(precision)} (${ms.toFixed(0)} ms in-process, not a benchmark)`);
    for (const k of missed) console.log(`  missed: ${k}  ${expected.get(k)}`);
    for (const k of extra) console.log(`  not expected: ${k}`);
    assert.ok(recall >= 0.97, `recall ${pct(recall)}`);
    assert.ok(precision >= 0.98, `precision ${pct(precision)}`);
  });
});
