// The layers hold: no production import breaks layer-rules.ts, and there is no import cycle.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readImportGraph, type ImportGraph } from './import-graph';
import { checkLayers, checkRuleFile, layerOf, type Rules } from './check-layers';
import { KNOWN_CYCLES, KNOWN_VIOLATIONS, LAYERS, PRODUCTION_FOLDERS } from './layer-rules';

const root = join(import.meta.dirname, '..', '..');
const rules: Rules = { layers: LAYERS, knownViolations: KNOWN_VIOLATIONS, knownCycles: KNOWN_CYCLES };

test('the production sources keep the layer rules and have no import cycle', () => {
  const graph = readImportGraph(root, PRODUCTION_FOLDERS);
  assert.ok(graph.files.length > 100, `only ${graph.files.length} source files found`);
  assert.ok(graph.edges.length > graph.files.length, 'the scanner found too few imports to be reading them');
  assert.deepEqual(checkLayers(graph, rules), []);
});

test('every layer and every allowed target in the rule file exists', () => {
  assert.deepEqual(checkRuleFile(rules, (p) => existsSync(join(root, p))), []);
});

test('the scanner sees type-only imports, re-exports and import() types', () => {
  const graph = readImportGraph(root, PRODUCTION_FOLDERS);
  const has = (from: string, to: string) => graph.edges.some((e) => e.from === from && e.to === to);
  // `import type` (machine API -> PV state view), `export type ... from`, and an inline import('...') type.
  assert.ok(has('emulator/machine/api.ts', 'emulator/pv/domain.ts'));
  assert.ok(has('emulator/devices/platform-api.ts', 'emulator/memory/bus.ts'));
  assert.ok(has('emulator/machine/machine.ts', 'emulator/devices/platform-api.ts'));
  assert.ok(graph.edges.some((e) => e.from === 'extension/extension.ts' && e.to === 'vscode' && e.kind === 'package'));
});

// The checker on small made-up graphs: each kind of breach must be reported.
function graphOf(edges: Array<[string, string]>, files?: string[]): ImportGraph {
  const all = files ?? [...new Set(edges.flat().filter((f) => f.endsWith('.ts')))];
  return {
    files: all,
    edges: edges.map(([from, to]) => ({ from, to, kind: to.endsWith('.ts') ? 'file' : 'package', typeOnly: false })),
    unresolved: [],
  };
}
const bare: Rules = { layers: LAYERS, knownViolations: [], knownCycles: [] };

test('an arrow the rules do not list is reported, one they list is not', () => {
  assert.deepEqual(checkLayers(graphOf([['emulator/cpu/a.ts', 'emulator/isa/b.ts']]), bare), []);
  assert.deepEqual(checkLayers(graphOf([['emulator/isa/b.ts', 'emulator/cpu/a.ts']]), bare),
    ['emulator/isa/b.ts -> emulator/cpu/a.ts: emulator/isa/ may not import emulator/cpu/']);
  // Devices reach memory only through the bus vocabulary.
  assert.equal(checkLayers(graphOf([['emulator/devices/d.ts', 'emulator/memory/physical-memory.ts']]), bare).length, 1);
  assert.deepEqual(checkLayers(graphOf([['emulator/devices/d.ts', 'emulator/memory/bus.ts']]), bare), []);
  // Front ends use the composition root's index, not the Machine's files.
  assert.equal(checkLayers(graphOf([['cli/x.ts', 'emulator/machine/machine.ts']]), bare).length, 1);
  assert.equal(checkLayers(graphOf([['debug-adapter/x.ts', 'emulator/cpu/decode-info.ts']]), bare).length, 1);
});

test('a package import outside its layers is reported', () => {
  assert.deepEqual(checkLayers(graphOf([['emulator/cpu/a.ts', 'vscode']]), bare), ["emulator/cpu/a.ts -> package 'vscode': emulator/cpu/ may not import it"]);
  assert.equal(checkLayers(graphOf([['language-server/analyzer/a.ts', 'vscode-languageserver/node']]), bare).length, 1);
  assert.deepEqual(checkLayers(graphOf([['language-server/a.ts', 'vscode-languageserver/node'], ['extension/e.ts', 'node:fs']]), bare), []);
});

test('a cycle is reported even inside one layer; a known one is not; a stale entry is', () => {
  const cyclic = graphOf([['cli/a.ts', 'cli/b.ts'], ['cli/b.ts', 'cli/c.ts'], ['cli/c.ts', 'cli/a.ts']]);
  assert.deepEqual(checkLayers(cyclic, bare), ['import cycle: cli/a.ts <-> cli/b.ts <-> cli/c.ts']);
  const known: Rules = { ...bare, knownCycles: [{ files: ['cli/a.ts', 'cli/b.ts', 'cli/c.ts'], removedBy: 'test' }] };
  assert.deepEqual(checkLayers(cyclic, known), []);
  assert.equal(checkLayers(graphOf([['cli/a.ts', 'cli/b.ts']]), known).length, 1);
  const stale: Rules = { ...bare, knownViolations: [{ from: 'cli/a.ts', to: 'emulator/cpu/x.ts', removedBy: 'test' }] };
  assert.match(checkLayers(graphOf([['cli/a.ts', 'cli/b.ts']]), stale)[0], /no longer exists/);
});

test('a file belongs to the layer with the longest matching path', () => {
  assert.equal(layerOf('language-server/analyzer/lint.ts', LAYERS)?.path, 'language-server/analyzer/');
  assert.equal(layerOf('language-server/server.ts', LAYERS)?.path, 'language-server/');
  assert.equal(layerOf('emulator/clock.ts', LAYERS)?.path, 'emulator/clock.ts');
  assert.equal(layerOf('bench/run.ts', LAYERS), undefined);
});
