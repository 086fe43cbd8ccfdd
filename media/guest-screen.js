// Guest Screen webview: receives pre-rendered rows from the extension and swaps them in, and
// sizes the text so the whole 80x25 screen fits the view (no scrolling, no cut-off columns).
(function () {
  const screen = document.getElementById('screen');
  const status = document.getElementById('status');
  const COLS = 80, ROWS = 25, LINE = 1.15;
  // The width of one cell per pixel of font size, measured once in the screen's own font.
  let cellPerPx = 0.6;
  function measure() {
    const probe = document.createElement('span');
    probe.className = 'screen';
    probe.style.cssText = 'position:absolute;visibility:hidden;font-size:100px;padding:0;border:0';
    probe.textContent = 'M'.repeat(COLS);
    document.body.appendChild(probe);
    const w = probe.getBoundingClientRect().width;
    probe.remove();
    if (w > 0) cellPerPx = w / COLS / 100;
  }
  function fit() {
    const chrome = 12; // the screen's padding and border
    const width = document.documentElement.clientWidth - 8 - chrome;
    const height = document.documentElement.clientHeight - status.getBoundingClientRect().height - 12 - chrome;
    const byWidth = width / (COLS * cellPerPx);
    const byHeight = height / (ROWS * LINE);
    const size = Math.max(4, Math.min(byWidth, byHeight > 0 ? byHeight : byWidth, 28));
    screen.style.fontSize = `${size.toFixed(2)}px`;
  }
  measure();
  fit();
  window.addEventListener('resize', fit);
  window.addEventListener('message', (ev) => {
    const m = ev.data;
    if (!m || typeof m !== 'object') return;
    if (typeof m.status === 'string') status.textContent = m.status;
    if (m.type === 'screen' && typeof m.html === 'string') { screen.innerHTML = m.html; fit(); }
  });
})();
