// Shapes shared by the analyzer's parsers, rules and fixes. Positions follow LSP's convention
// (0-based lines, UTF-16 columns) but nothing here imports the LSP libraries, so the CLI and
// tests use the analyzer directly.

export type Syntax = 'nasm' | 'gas' | 'c';
export const TARGETS = ['pv', 'hvm', 'pvh'] as const;
export type Target = (typeof TARGETS)[number];
export const ABIS = ['xen', 'kvm'] as const;
export type Abi = (typeof ABIS)[number];
export type SeverityName = 'error' | 'warning' | 'information' | 'hint';

export interface Pos { line: number; character: number }
export interface Range { start: Pos; end: Pos }

/** One operand as written: its text and columns (asm) or template offsets (C). */
export interface RawOperand { text: string; start: number; end: number }

/**
 * A privileged/sensitive instruction found on one asm line (columns are within that line).
 * Only instructions the table knows are kept; ordinary code leaves no trace.
 */
export interface LineInstr {
  start: number;            // first column of the statement (prefix or mnemonic)
  end: number;              // column after the last operand
  mStart: number;           // mnemonic columns
  mEnd: number;
  mnemonic: string;         // table mnemonic (lower case, AT&T suffix stripped)
  raw: string;              // mnemonic as written
  prefixed: boolean;        // a rep/lock/... prefix precedes it
  ops: string[];            // normalized operands, Intel order (lower case, no `%`)
  rawOps: RawOperand[];     // operands as written, source order
  intel: boolean;           // operands were written in Intel order
}

export type DefKind = 'label' | 'local-label' | 'macro' | 'constant';

export interface LineDef { name: string; kind: DefKind; start: number; end: number; caseInsensitive?: boolean; /** from a C preprocessor #define */ cpp?: boolean }

/** What one asm line contributes; cached per line and recomputed only when the line changes. */
export interface LineFacts {
  startState: number;
  endState: number;
  instrs: LineInstr[] | null;
  defs: LineDef[] | null;
  include: { path: string; start: number; end: number } | null;
  section: string | null;
  macroOpen: boolean;       // %macro / .macro
  macroClose: boolean;      // %endmacro / .endm
  ignore: boolean;          // `paravirt: ignore` comment
  target: Target | null;    // `paravirt: target=pv|hvm|pvh` comment
  bits?: 16 | 32 | 64;      // a mode directive (bits 64, .code64) or `paravirt: bits=` comment
}

export interface Settings {
  target: Target;
  abi: Abi;
  /** Per rule code: a severity, or 'off'. */
  severity: Record<string, SeverityName | 'off'>;
  includePaths: string[];
  /** Cap on analysed lines per file; the rest is skipped with one notice. */
  maxLines: number;
  /** Macros the code is compiled with (NAME or NAME=VALUE, as -D takes them), and ones known undefined (-U). */
  defines: string[];
  undefines: string[];
}

export interface RelatedLocation { path: string; range: Range; message: string }

export interface TextEdit { range: Range; newText: string }

/** A finding ready to become an LSP diagnostic or a CLI line. */
export interface Finding {
  range: Range;
  severity: SeverityName;
  code: string;
  message: string;
  /** Link to the rule's section of docs/rules.md. */
  href: string;
  /** Table entry id. */
  entry: string;
  /** Whether an automatic rewrite exists for this occurrence. */
  fixable: boolean;
  /** Other places that matter (where a macro holding the instruction is used), at most a few. */
  related?: RelatedLocation[];
  /**
   * A slot for a serializer's cache of this finding (the LSP server keeps its JSON here);
   * findings never change, so whatever is derived from one stays valid.
   */
  encoded?: unknown;
}
