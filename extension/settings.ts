// Every `paravirt.*` setting, declared once: the linter's (language-server/analyzer/settings.ts)
// and the extension's own, below. package.json's contributes.configuration is generated from
// configurationContribution() (scripts/extension-manifest.mjs) and a test checks they match.
// No vscode import here, so the manifest script and the tests can read it.

import { LINTER_SETTINGS } from '../language-server/analyzer/settings';
import { HISTORY_MAX_MIB } from '../debug-adapter/launch-config';

type Schema = Record<string, unknown>;

export const DEBUG_ADAPTER_MODES = ['inline', 'executable'] as const;
export type DebugAdapterMode = (typeof DEBUG_ADAPTER_MODES)[number];

/** The extension's settings, by key without the `paravirt.` prefix. */
export const EXTENSION_SETTINGS = {
  'debugAdapter.mode': {
    type: 'string', enum: [...DEBUG_ADAPTER_MODES], default: 'inline' as DebugAdapterMode, scope: 'machine',
    enumDescriptions: ['Run the debug adapter inside the extension host (fastest).', 'Run dist/debug-adapter.js as a separate Node process over stdio.'],
    description: 'Where the debug adapter runs.',
  },
  'debug.historyMemory': {
    type: ['integer', 'null'], default: null as number | null, minimum: 0, maximum: HISTORY_MAX_MIB, scope: 'machine',
    markdownDescription: 'MiB the reverse-execution history of a debug session (stepBack, reverseContinue) may hold: a hard limit; old snapshots are thinned out when it is reached. Empty: a sixteenth of this machine\'s memory (64 to 1024 MiB). A launch configuration\'s `historyMemory` wins.',
  },
  'trace.server': {
    type: 'string', enum: ['off', 'messages', 'verbose'], default: 'off', scope: 'window',
    description: 'Trace the messages between VS Code and the Paravirt language server.',
  },
} satisfies Record<string, Schema & { default: unknown }>;

/** The `contributes.configuration` package.json must hold. */
export function configurationContribution(): { title: string; properties: Record<string, Schema> } {
  const properties: Record<string, Schema> = {};
  for (const [key, schema] of Object.entries({ ...LINTER_SETTINGS, ...EXTENSION_SETTINGS })) properties[`paravirt.${key}`] = schema;
  return { title: 'Paravirt', properties };
}
