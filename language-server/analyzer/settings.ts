// The linter's settings (the `paravirt.*` keys the language server and `paravirt lint`
// read), declared once: the JSON schema of each key, from which package.json's
// contributes.configuration is generated (extension/settings.ts), the defaults come
// (DEFAULT_SETTINGS) and normalizeSettings takes its accepted values.

import { ABIS, TARGETS, type Settings } from './types';

type Schema = Record<string, unknown>;

/** The keys a user sets, without the `paravirt.` prefix; `undefines` is derived from `defines`. */
export type LinterSettingKey = Exclude<keyof Settings, 'undefines'>;

export const SEVERITY_SETTINGS = ['error', 'warning', 'information', 'hint', 'off'] as const;

export const LINTER_SETTINGS: { [K in LinterSettingKey]: Schema & { default: Settings[K] } } = {
  target: {
    type: 'string', enum: [...TARGETS], default: 'pv', scope: 'resource',
    markdownDescription: 'What the code is checked for: `pv` (a Xen PV kernel, in ring 1, or ring 3 for 64-bit code: privileged instructions are errors), `hvm` (exits are shown as hints) or `pvh` (a Xen PVH kernel: exits as hints, port I/O to the legacy devices PVH lacks as warnings). A `paravirt: target=pv|hvm|pvh` comment in a file wins.',
  },
  abi: { type: 'string', enum: [...ABIS], default: 'xen', scope: 'resource', description: 'Hypercall ABI assumed for HVM guests (affects the message for VMCALL).' },
  severity: {
    type: 'object', default: {}, scope: 'resource', additionalProperties: { type: 'string', enum: [...SEVERITY_SETTINGS] },
    markdownDescription: 'Severity per rule code, e.g. `{"PV028": "off"}`.',
  },
  includePaths: {
    type: 'array', items: { type: 'string' }, default: [], scope: 'resource',
    description: 'Extra folders searched by %include, .include and #include (relative to the workspace root).',
  },
  defines: {
    type: 'array', items: { type: 'string' }, default: [], scope: 'resource',
    markdownDescription: 'Macros the code is compiled with, as `-D` takes them (`CONFIG_PARAVIRT`, `NR_CPUS=4`; `!NAME` for one the build leaves undefined). `#if`/`#ifdef` branches they rule out are greyed and not checked. A `compile_commands.json` at the workspace root or in `build/` is read too.',
  },
  maxLines: { type: 'number', default: 1_000_000, minimum: 1, scope: 'resource', description: 'Analyse at most this many lines per file.' },
};

/** Every setting at its declared default (what a client that sends nothing gets). */
export const DEFAULT_SETTINGS: Settings = {
  ...(Object.fromEntries(Object.entries(LINTER_SETTINGS).map(([k, v]) => [k, structuredClone(v.default)])) as Omit<Settings, 'undefines'>),
  undefines: [],
};
