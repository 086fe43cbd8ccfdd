// The settings' one source of truth: package.json's contributes.configuration must be what
// extension/settings.ts declares, and the language server's defaults and accepted values
// come from the same declaration.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configurationContribution, EXTENSION_SETTINGS } from '../../extension/settings';
import { DEFAULT_SETTINGS, LINTER_SETTINGS } from '../../language-server/analyzer/settings';
import { normalizeSettings } from '../../language-server/state';

const ROOT = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

test('package.json contributes.configuration matches the TypeScript declaration', () => {
  assert.deepEqual(pkg.contributes.configuration, JSON.parse(JSON.stringify(configurationContribution())));
  // The settings the README documents, spelled out here independently of the declaration.
  const keys = Object.keys(pkg.contributes.configuration.properties).sort();
  assert.deepEqual(keys, ['paravirt.abi', 'paravirt.debug.historyMemory', 'paravirt.debugAdapter.mode', 'paravirt.defines', 'paravirt.includePaths',
    'paravirt.maxLines', 'paravirt.severity', 'paravirt.target', 'paravirt.trace.server']);
});

test("the language server's defaults are the declared defaults", () => {
  for (const [key, schema] of Object.entries(LINTER_SETTINGS)) {
    assert.deepEqual(DEFAULT_SETTINGS[key as keyof typeof LINTER_SETTINGS], schema.default, key);
  }
  assert.deepEqual(normalizeSettings(undefined), { ...DEFAULT_SETTINGS, undefines: [] });
  assert.equal(EXTENSION_SETTINGS['debugAdapter.mode'].default, 'inline');
});

test('the language server accepts exactly the declared values of each enumerated setting', () => {
  for (const key of ['target', 'abi'] as const) {
    const values = LINTER_SETTINGS[key].enum as string[];
    for (const v of values) assert.equal(normalizeSettings({ [key]: v })[key], v, `${key}=${v}`);
    assert.equal(normalizeSettings({ [key]: 'bogus' })[key], LINTER_SETTINGS[key].default, `${key}=bogus falls back`);
  }
  const severities = (LINTER_SETTINGS.severity.additionalProperties as { enum: string[] }).enum;
  for (const v of severities) assert.equal(normalizeSettings({ severity: { pv001: v } }).severity.PV001, v);
  assert.deepEqual(normalizeSettings({ severity: { PV001: 'loud' } }).severity, {});
});
