// VGA text mode (80x25 cells of character + attribute) to HTML, for the Guest Screen webview.
// No vscode import. Characters are code page 437; colours are the 16 standard text-mode
// colours (the attribute's low nibble is the foreground, bits 6:4 the background, bit 7 blink).

export const VGA_PALETTE = [
  '#000000', '#0000aa', '#00aa00', '#00aaaa', '#aa0000', '#aa00aa', '#aa5500', '#aaaaaa',
  '#555555', '#5555ff', '#55ff55', '#55ffff', '#ff5555', '#ff55ff', '#ffff55', '#ffffff',
] as const;

const LOW = '\u00a0☺☻♥♦♣♠•◘○◙♂♀♪♫☼►◄↕‼¶§▬↨↑↓→←∟↔▲▼';
const HIGH =
  'ÇüéâäàåçêëèïîìÄÅ' + 'ÉæÆôöòûùÿÖÜ¢£¥₧ƒ' + 'áíóúñÑªº¿⌐¬½¼¡«»' + '░▒▓│┤╡╢╖╕╣║╗╝╜╛┐' +
  '└┴┬├─┼╞╟╚╔╩╦╠═╬╧' + '╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀' + 'αßΓπΣσµτΦΘΩδ∞φε∩' + '≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

/** The Unicode character code page 437 shows for byte `b`. */
export function cp437(b: number): string {
  b &= 0xff;
  if (b < 0x20) return LOW[b];
  if (b === 0x20) return '\u00a0';
  if (b < 0x7f) return String.fromCharCode(b);
  if (b === 0x7f) return '⌂';
  return HIGH[b - 0x80];
}

export interface VgaScreen {
  cols: number;
  rows: number;
  /** cols*rows cells: low byte character, high byte attribute. */
  cells: ArrayLike<number>;
  cursor: { row: number; col: number; visible: boolean } | null;
}

const ESC: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' };

/** One <div> per row; runs of equal attribute share a <span>. */
export function screenToHtml(s: VgaScreen): string {
  const out: string[] = [];
  for (let r = 0; r < s.rows; r++) {
    out.push('<div class="row">');
    let run = '';
    let attr = -1;
    const flush = () => {
      if (!run) return;
      const fg = attr & 0x0f, bg = (attr >> 4) & 0x07, blink = attr & 0x80 ? ' blink' : '';
      out.push(`<span class="f${fg} b${bg}${blink}">${run}</span>`);
      run = '';
    };
    for (let c = 0; c < s.cols; c++) {
      const cell = s.cells[r * s.cols + c] ?? 0x0720;
      const a = (cell >> 8) & 0xff;
      let ch = cp437(cell & 0xff);
      ch = ESC[ch] ?? ch;
      const isCursor = !!s.cursor && s.cursor.visible && s.cursor.row === r && s.cursor.col === c;
      if (isCursor) {
        flush(); attr = a;
        out.push(`<span class="f${a & 0x0f} b${(a >> 4) & 7} cursor">${ch}</span>`);
        attr = -1;
        continue;
      }
      if (a !== attr) { flush(); attr = a; }
      run += ch;
    }
    flush();
    out.push('</div>');
  }
  return out.join('');
}

/** The palette as CSS classes f0..f15 (foreground) and b0..b7 (background). */
export function paletteCss(): string {
  return VGA_PALETTE.map((c, i) => `.f${i}{color:${c}}` + (i < 8 ? `.b${i}{background:${c}}` : '')).join('\n');
}

function decodeBase64Cells(b64: string): Uint16Array {
  const bytes = Buffer.from(b64, 'base64');
  const cells = new Uint16Array(bytes.length >> 1);
  for (let i = 0; i < cells.length; i++) cells[i] = bytes[2 * i] | (bytes[2 * i + 1] << 8);
  return cells;
}

/**
 * Reads a `paravirt.vgaText` response body ({cols, rows, cells, cursor}; cells as a number
 * array or base64 of little-endian 16-bit cells), or raw text-buffer bytes from readMemory.
 */
export function parseVgaBody(body: unknown): VgaScreen | null {
  if (!body || typeof body !== 'object') return null;
  const b = body as Record<string, unknown>;
  const cols = typeof b.cols === 'number' ? b.cols : 80;
  const rows = typeof b.rows === 'number' ? b.rows : 25;
  if (!Number.isInteger(cols) || !Number.isInteger(rows) || cols < 1 || rows < 1 || cols > 256 || rows > 128) return null;
  let cells: ArrayLike<number> | null = null;
  if (Array.isArray(b.cells)) cells = b.cells.map((v) => (typeof v === 'number' ? v & 0xffff : 0));
  else if (typeof b.cells === 'string') cells = decodeBase64Cells(b.cells);
  else if (typeof b.data === 'string') cells = decodeBase64Cells(b.data);
  if (!cells) return null;
  const cur = b.cursor as Record<string, unknown> | undefined;
  const cursor = cur && typeof cur.row === 'number' && typeof cur.col === 'number'
    ? { row: cur.row, col: cur.col, visible: cur.visible !== false } : null;
  return { cols, rows, cells, cursor };
}
