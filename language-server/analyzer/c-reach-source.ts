// A C document as a source for the macro reach analysis (c-asm-reach.ts).

import type { ReachSource } from './c-asm-reach';
import type { AnalyzedDocument } from './document';

export function reachSourceOf(doc: AnalyzedDocument): ReachSource {
  return { path: doc.path, text: doc.getText(), asm: doc.cStmts.map((st) => ({ from: st.regionStart, to: st.regionEnd, kw: st.kwStart, close: st.closeParen })) };
}
