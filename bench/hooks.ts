// Benches that other parts of the project register by dropping a file into bench/:
//   bench/lsp-bench.ts exports runLspBench(): Promise<{ openMs, editMs, rssMB }>
//   bench/dap-bench.ts exports runDapBench(): Promise<Record<string, number>>
//   bench/lint-bench.ts exports runLintBench(): Promise<Record<string, number>>
//     (figures by name, e.g. launchMs, stepMs, rssMB; printed as given)
//   bench/history-bench.ts exports runHistoryBench(): Promise<Record<string, number>> (the same)
//   bench/linux-boot-bench.ts exports runLinuxBootBench(): Promise<Record<string, number | string>>
//   bench/pv-bench.ts exports runPvBench(): Promise<Record<string, number | string>>
//   bench/linux-symbols-bench.ts exports runLinuxSymbolsBench() and runLinuxSymbolsDapBench(): Promise<Record<string, number | string>>
//     (a string is a note printed as given: e.g. how far a guest got when it has no time yet)
//   bench/linux-debug-bench.ts exports runLinuxDebugBench(): the same shape (run to a late
//     breakpoint vs a plain run, a line step, stepBack over the boot, the adapter's RSS)
// A missing file is skipped; a failing one is reported, never fatal.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR } from './build-guests';

export interface HookResult {
  name: string;
  figures?: Record<string, number>;
  notes?: Record<string, string>;
  error?: string;
  skipped?: string;
}

interface HookSpec { name: string; file: string; fn: string; fields?: string[] }

const HOOKS: HookSpec[] = [
  { name: 'language server', file: 'lsp-bench.ts', fn: 'runLspBench', fields: ['openMs', 'editMs', 'rssMB'] },
  { name: 'debug adapter', file: 'dap-bench.ts', fn: 'runDapBench' },
  { name: 'reverse history', file: 'history-bench.ts', fn: 'runHistoryBench' },
  { name: 'linter on Linux arch/x86', file: 'lint-bench.ts', fn: 'runLintBench', fields: ['lintX86Ms', 'emulateEditMs'] },
  { name: 'Debian Linux to /init (issue 15 point 9)', file: 'linux-boot-bench.ts', fn: 'runLinuxBootBench' },
  { name: 'PV hypercalls and event upcalls, 64-bit vs 32-bit (issue 16 point 7)', file: 'pv-bench.ts', fn: 'runPvBench' },
  { name: 'Linux symbols from the debug vmlinux, beside gdb (issue 17 point 1)', file: 'linux-symbols-bench.ts', fn: 'runLinuxSymbolsBench' },
  { name: 'Linux over DAP: launch -> start_kernel, breakpoints after the stop, adapter RSS (issue 17 point 1)', file: 'linux-symbols-bench.ts', fn: 'runLinuxSymbolsDapBench' },
  { name: 'debugging Debian Linux (issue 17 point 6)', file: 'linux-debug-bench.ts', fn: 'runLinuxDebugBench' },
];

export async function runHooks(): Promise<HookResult[]> {
  const out: HookResult[] = [];
  for (const h of HOOKS) {
    const path = join(BENCH_DIR, h.file);
    if (!existsSync(path)) { out.push({ name: h.name, skipped: `bench/${h.file} not present` }); continue; }
    try {
      const mod = await import(path) as Record<string, unknown>;
      const fn = mod[h.fn];
      if (typeof fn !== 'function') throw new Error(`bench/${h.file} does not export ${h.fn}()`);
      const raw = await (fn as () => Promise<unknown>)();
      if (!raw || typeof raw !== 'object') throw new Error(`${h.fn}() returned ${String(raw)}`);
      const figures: Record<string, number> = {};
      const notes: Record<string, string> = {};
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v === 'number') figures[k] = v;
        else if (typeof v === 'string') notes[k] = v;
      }
      const withNotes = Object.keys(notes).length ? { notes } : {};
      const missing = (h.fields ?? []).filter((f) => !(f in figures));
      out.push(missing.length ? { name: h.name, figures, ...withNotes, error: `missing figures: ${missing.join(', ')}` } : { name: h.name, figures, ...withNotes });
    } catch (e) {
      out.push({ name: h.name, error: e instanceof Error ? e.message : String(e) });
    }
  }
  return out;
}
