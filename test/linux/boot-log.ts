// What a correct boot of Debian's kernel prints, in any mode (HVM, PV, PVH): the crypto
// self-tests it runs at boot stay silent (rsa-generic and dh-generic run long multi-precision
// arithmetic, where a register a bounce frame rounds or a lost carry shows as "alg: ...
// failed"), and the W+X check of CONFIG_DEBUG_WX runs and passes (a page the hypervisor or
// the domain builder left writable and executable shows as "Found insecure W+X mapping").

/** The lines of a Linux boot log that say it went wrong, plus a note when the W+X check did not pass. */
export function bootLogProblems(log: string): string[] {
  const lines = log.split(/\r?\n/);
  const problems = lines.filter((l) => /\balg: .*\bfail/i.test(l) || (/W\+X/.test(l) && !/Checked W\+X mappings: passed/.test(l)));
  if (!lines.some((l) => /x86\/mm: Checked W\+X mappings: passed, no W\+X pages found/.test(l))) {
    problems.push('no "x86/mm: Checked W+X mappings: passed, no W+X pages found." line');
  }
  return problems;
}
