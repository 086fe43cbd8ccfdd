// Judges an import graph against the layer rules. Kept apart from the test so that the test
// can also feed it made-up graphs and see each kind of breach reported.

import { findCycles, type ImportGraph } from './import-graph';
import type { KnownCycle, KnownViolation, Layer } from './layer-rules';

export interface Rules {
  layers: readonly Layer[];
  knownViolations: readonly KnownViolation[];
  knownCycles: readonly KnownCycle[];
}

export function layerOf(file: string, layers: readonly Layer[]): Layer | undefined {
  let best: Layer | undefined;
  for (const l of layers) if (file.startsWith(l.path) && (!best || l.path.length > best.path.length)) best = l;
  return best;
}

/** Every breach as one line of text; an empty list means the graph keeps the rules. */
export function checkLayers(graph: ImportGraph, rules: Rules): string[] {
  const problems: string[] = [];
  for (const u of graph.unresolved) problems.push(`${u.from}: import '${u.specifier}' resolves to no file`);
  for (const f of graph.files) if (!layerOf(f, rules.layers)) problems.push(`${f}: in no layer (add its folder to layer-rules.ts)`);

  const usedViolations = new Set<KnownViolation>();
  for (const e of graph.edges) {
    const from = layerOf(e.from, rules.layers);
    if (!from) continue;
    if (e.kind === 'package') {
      if (!(from.packages ?? []).some((p) => e.to === p || e.to.startsWith(p.endsWith(':') ? p : `${p}/`))) {
        problems.push(`${e.from} -> package '${e.to}': ${from.path} may not import it`);
      }
      continue;
    }
    const to = layerOf(e.to, rules.layers);
    if (to === from) continue;
    if (from.mayImport.some((p) => e.to.startsWith(p))) continue;
    const known = rules.knownViolations.find((v) => v.from === e.from && v.to === e.to);
    if (known) { usedViolations.add(known); continue; }
    problems.push(`${e.from} -> ${e.to}: ${from.path} may not import ${to?.path ?? 'that file'}`);
  }
  for (const v of rules.knownViolations) {
    if (!usedViolations.has(v)) problems.push(`known violation ${v.from} -> ${v.to} no longer exists: delete it from layer-rules.ts`);
  }

  const cycles = findCycles(graph.files, graph.edges);
  const usedCycles = new Set<KnownCycle>();
  for (const c of cycles) {
    const known = rules.knownCycles.find((k) => c.every((f) => k.files.includes(f)));
    if (known) { usedCycles.add(known); continue; }
    problems.push(`import cycle: ${c.join(' <-> ')}`);
  }
  for (const k of rules.knownCycles) {
    if (!usedCycles.has(k)) problems.push(`known cycle ${k.files.join(' <-> ')} no longer exists: delete it from layer-rules.ts`);
  }
  return problems;
}

/** Rule entries that name nothing: a typo in the rule file must not silently allow or forbid. */
export function checkRuleFile(rules: Rules, exists: (path: string) => boolean): string[] {
  const problems: string[] = [];
  const strip = (p: string) => p.replace(/\/$/, '');
  for (const l of rules.layers) {
    if (!exists(strip(l.path))) problems.push(`layer ${l.path} names no file or folder`);
    for (const p of l.mayImport) if (!exists(strip(p))) problems.push(`layer ${l.path} may import ${p}, which does not exist`);
  }
  return problems;
}
