// Where a word occurs in a large text, kept across edits: C analysis looks for the rare words
// `paravirt` (the target comment) and `include` on every change, and an indexOf over a
// megabyte-sized file each time costs more than the rest of an edit.

export class WordIndex {
  private at: number[] = [];

  constructor(readonly word: string) {}

  /** Every occurrence, in order. */
  get positions(): readonly number[] { return this.at; }

  reset(text: string): void {
    this.at = [];
    for (let i = text.indexOf(this.word); i >= 0; i = text.indexOf(this.word, i + 1)) this.at.push(i);
  }

  /**
   * [a, b) of the old text became `inserted` characters; `window` is the new text from
   * `windowStart`, covering a word's length before the new range to a word's length after.
   */
  edit(window: string, windowStart: number, a: number, b: number, inserted: number): void {
    const w = this.word.length;
    const delta = inserted - (b - a);
    // Old occurrences wholly before the range stay, those from its end on move; new ones can
    // only start within a word's length before the new range, up to its end.
    const next = this.at.filter((p) => p + w <= a);
    for (let i = window.indexOf(this.word); i >= 0; i = window.indexOf(this.word, i + 1)) {
      const p = windowStart + i;
      if (p + w > a && p < a + inserted) next.push(p);
    }
    for (const p of this.at) if (p >= b) next.push(p + delta);
    this.at = next;
  }
}
