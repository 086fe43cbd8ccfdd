// Guest Screen webview: receives pre-rendered rows from the extension and swaps them in.
(function () {
  const screen = document.getElementById('screen');
  const status = document.getElementById('status');
  window.addEventListener('message', (ev) => {
    const m = ev.data;
    if (!m || typeof m !== 'object') return;
    if (typeof m.status === 'string') status.textContent = m.status;
    if (m.type === 'screen' && typeof m.html === 'string') screen.innerHTML = m.html;
  });
})();
