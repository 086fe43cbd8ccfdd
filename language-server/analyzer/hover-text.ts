// Markdown for hovers: an instruction's table entry, or a wrapper's documentation.

import { pvhView, type IsaEntry } from '../../emulator/isa';
import { signatureLabel, type Wrapper } from './catalog';
import { hvmText, ruleHref } from './rules';
import type { Syntax, Target } from './types';

export function instructionHover(e: IsaEntry, target: Target, bits: 16 | 32 | 64 = 32): string {
  const pvh = pvhView(e);
  const lines = [
    `**${e.title}** — \`${e.rule}\` · ${e.class} · target ${target.toUpperCase()} · ${bits}-bit code`,
    '',
    e.semantics,
    '',
    bits === 64 ? `- **PV (Xen, 64-bit kernel in ring 3):** ${e.pvBehaviour}.` : `- **PV (Xen, ring 1):** ${e.pvBehaviour}.`,
    `- **HVM (VT-x):** ${hvmText(e)}.${e.hvm?.qualification ? ` Exit qualification: ${e.hvm.qualification}.` : ''}`,
    `- **PVH (Xen, ring 0 in an HVM container, no legacy devices):** ${pvh.behaviour}.${pvh.replacement ? ` Instead: ${pvh.replacement}.` : ''}`,
    `- **PV replacement:** ${e.pvReplacement}${e.hypercalls.length ? ` (hypercalls: ${e.hypercalls.join(', ')})` : ''}.`,
  ];
  const w = [e.wrappers.nasm && `NASM \`${e.wrappers.nasm}\``, e.wrappers.gas && `GAS \`${e.wrappers.gas}\``,
    e.wrappers.c && `C \`${e.wrappers.c}()\``, e.wrappers.cTemplate && `C template \`${e.wrappers.cTemplate}\``].filter(Boolean);
  if (w.length) lines.push(`- **Wrappers:** ${w.join(', ')}.`);
  if (e.refusal) lines.push(`- **Not rewritten when:** ${e.refusal}.`);
  const c = e.cost;
  lines.push(`- **Estimated cost (cycles):** native ~${c.native}${c.hvmExit ? `, HVM exit ~${c.hvmExit}` : ''}${c.pv ? `, PV replacement ~${c.pv}` : ''}${c.note ? ` (${c.note})` : ''}. Estimates, not measurements.`);
  lines.push('', `[${e.rule} in docs/rules.md](${ruleHref(e)})`);
  return lines.join('\n');
}

export function wrapperHover(w: Wrapper, syntax: Syntax): string {
  const params = w.params.map((p) => `- \`${p.name}\`: ${p.doc}`).join('\n');
  return ['```', signatureLabel(w, syntax), '```', w.doc, params].filter(Boolean).join('\n');
}
