// Where a word occurs in a large text, kept across edits: C analysis looks for the rare words
// `paravirt` (the target comment) and `include` on every change, and an indexOf over a
// megabyte-sized file each time costs more than the rest of an edit.

export class WordIndex {
  private at: number[] = [];

  constructor(private readonly word: string) {}

  /** Every occurrence, in order. */
  get positions(): readonly number[] { return this.at; }

  reset(text: string): void {
    this.at = [];
    for (let i = text.indexOf(this.word); i >= 0; i = text.indexOf(this.word, i + 1)) this.at.push(i);
  }

  /** `text` is the new text, in which [a, b) of the old one became `inserted` characters. */
  edit(text: string, a: number, b: number, inserted: number): void {
    const w = this.word.length;
    const delta = inserted - (b - a);
    // Occurrences that touched the old range are gone; a window around the new range is searched again.
    // Old occurrences wholly before the range stay, those from its end on move; new ones can
    // only start within a word's length before the new range, up to its end.
    const next = this.at.filter((p) => p + w <= a);
    const to = Math.min(text.length, a + inserted + w - 1);
    for (let i = text.indexOf(this.word, Math.max(0, a - w + 1)); i >= 0 && i + w <= to; i = text.indexOf(this.word, i + 1)) next.push(i);
    for (const p of this.at) if (p >= b) next.push(p + delta);
    this.at = next;
  }
}
