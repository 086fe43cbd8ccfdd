// The line a bench child prints its answer on; everything else it prints is the engine's chatter.
export const RESULT_PREFIX = 'BENCH-RESULT ';
