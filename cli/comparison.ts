// What `paravirt compare` produces: its --json output's shape (public: the field names stay)
// and what the HTML report renders. Apart from compare.ts so the report needs nothing of it.

export type FlavourMode = 'hvm' | 'pv' | 'pvh';

export interface FlavourResult {
  kernel: string;
  mode: FlavourMode;
  stop: { kind: string; detail?: string; code?: number };
  instructions: number;
  serial: string;
  exits: { total: number; byReason: Record<string, number>; cyclesByReason: Record<string, number> };
  hypercalls: Record<string, number>;
  hypercallErrors: Record<string, number>;
  cycles: { guest: number; hypervisor: number; total: number };
  surface: Record<string, string[]>;
  resources: Record<string, number>;
  /** With --until-output: the marker, and whether this run printed it (the run ended there). */
  until?: { output: string; reached: boolean };
}

export interface CompatSite { id: string; title: string; cls: string; count: number; sites: Array<{ eip: number; symbol?: string; count: number }>; replacement: string }

export interface Comparison {
  /** Each flavour given, under its mode's name (two or three of them). */
  hvm?: FlavourResult;
  pv?: FlavourResult;
  pvh?: FlavourResult;
  /** The same results in the order HVM, PV, PVH. */
  flavours: FlavourResult[];
  /** Every flavour printed the same console output. */
  sameOutput: boolean;
  /** The privileged and sensitive instructions the HVM flavour (else the PVH one) executed, which a PV kernel must replace. */
  compatibility: { instructions: number; complete: boolean; kinds: CompatSite[]; flavour?: FlavourMode };
  costNote: string;
}
