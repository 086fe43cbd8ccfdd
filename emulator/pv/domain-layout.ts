// Where the domain builder put things at start of day (frames, virtual addresses, event
// channels): written once by the builder, read by the domain for the rest of its life.

export interface DomainLayout {
  totalFrames: number;
  nrPages: number;
  virtBase: number;
  startInfoVa: number;
  sharedInfoMfn: number;
  storeMfn: number; storeEvtchn: number;
  consoleMfn: number; consoleEvtchn: number;
  p2mVa: number;
  ptBaseVa: number; ptFrames: number; l3Mfn: number;
  stackTop: number;
  mappedEnd: number;
  m2pFrames: number[];
  gdtL1Mfn: number; gdtReservedMfn: number; zeroMfn: number;
  grantMfns: number[];
  /** Grant status frames (v2), hypervisor pages the guest may map like the grant frames. */
  grantStatusMfns?: number[];
  hypercallPageVa?: number;
}
