// Which parser a file gets, from its name, its editor language id, or (for .inc) its content.

import type { Syntax } from './types';

export interface SyntaxInfo { syntax: Syntax; cpp: boolean }

const BY_EXT: Record<string, SyntaxInfo> = {
  asm: { syntax: 'nasm', cpp: false }, nasm: { syntax: 'nasm', cpp: false }, mac: { syntax: 'nasm', cpp: false },
  s: { syntax: 'gas', cpp: false }, S: { syntax: 'gas', cpp: true }, sx: { syntax: 'gas', cpp: true },
  c: { syntax: 'c', cpp: true }, h: { syntax: 'c', cpp: true }, cc: { syntax: 'c', cpp: true }, cpp: { syntax: 'c', cpp: true },
  cxx: { syntax: 'c', cpp: true }, hpp: { syntax: 'c', cpp: true }, hh: { syntax: 'c', cpp: true }, hxx: { syntax: 'c', cpp: true },
};

const BY_LANGUAGE: Record<string, SyntaxInfo> = {
  nasm: { syntax: 'nasm', cpp: false }, asm: { syntax: 'nasm', cpp: false },
  gas: { syntax: 'gas', cpp: false }, 'asm-gas': { syntax: 'gas', cpp: true },
  c: { syntax: 'c', cpp: true }, cpp: { syntax: 'c', cpp: true },
};

export const ANALYZED_EXTENSIONS = ['asm', 'nasm', 'mac', 'inc', 's', 'S', 'sx', 'c', 'h', 'cc', 'cpp', 'cxx', 'hpp', 'hh', 'hxx'];

export function extensionOf(path: string): string {
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  const dot = path.lastIndexOf('.');
  return dot > slash ? path.slice(dot + 1) : '';
}

/** Pick the parser. `.inc` is NASM unless its text looks like GAS (.macro/.set without % directives). */
export function detectSyntax(path: string, languageId?: string, text?: string): SyntaxInfo | null {
  const ext = extensionOf(path);
  if (ext === 'inc') {
    if (text && !/^\s*%\s*(macro|define|include|ifndef|assign)\b/m.test(text) && /^\s*\.(macro|set|include|equ|endm)\b/m.test(text)) {
      return { syntax: 'gas', cpp: false };
    }
    return { syntax: 'nasm', cpp: false };
  }
  const byExt = BY_EXT[ext] ?? BY_EXT[ext.toLowerCase()];
  if (byExt) return byExt;
  if (languageId && BY_LANGUAGE[languageId]) return BY_LANGUAGE[languageId];
  return null;
}
