// Memory view webview: the form asks for an address or expression; rows come from the
// extension; a click on a byte edits it (Enter writes it through DAP writeMemory).
(function () {
  const vscode = acquireVsCodeApi();
  const form = document.getElementById('go');
  const where = document.getElementById('where');
  const physical = document.getElementById('physical');
  const length = document.getElementById('length');
  const status = document.getElementById('status');
  const dump = document.getElementById('dump');
  let previous = new Map();
  const hex = (v, n) => v.toString(16).padStart(n, '0');

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    vscode.postMessage({ type: 'go', where: where.value, physical: physical.checked, length: Number(length.value) });
  });

  function render(rows) {
    const seen = new Map();
    dump.textContent = '';
    for (const row of rows) {
      const tr = document.createElement('tr');
      const a = document.createElement('td');
      a.className = 'addr';
      a.textContent = row.label;
      tr.appendChild(a);
      row.cells.forEach((b, i) => {
        const td = document.createElement('td');
        const at = row.address + i;
        td.dataset.offset = String(rows[0] ? at - rows[0].address : 0);
        if (b === null) { td.className = 'byte unreadable'; td.textContent = '??'; }
        else {
          td.className = 'byte' + (previous.has(at) && previous.get(at) !== b ? ' changed' : '');
          td.textContent = hex(b, 2);
          seen.set(at, b);
        }
        tr.appendChild(td);
      });
      const t = document.createElement('td');
      t.className = 'text';
      t.textContent = row.text;
      tr.appendChild(t);
      dump.appendChild(tr);
    }
    previous = seen;
  }

  dump.addEventListener('click', (e) => {
    const td = e.target.closest ? e.target.closest('td.byte') : null;
    if (!td || td.classList.contains('unreadable') || td.querySelector('input')) return;
    const input = document.createElement('input');
    input.value = td.textContent;
    input.maxLength = 2;
    input.setAttribute('aria-label', 'New byte value (hex)');
    td.textContent = '';
    td.appendChild(input);
    input.focus();
    input.select();
    input.addEventListener('keydown', (k) => {
      if (k.key === 'Enter') vscode.postMessage({ type: 'write', offset: Number(td.dataset.offset), value: input.value });
      if (k.key === 'Escape' || k.key === 'Enter') { k.preventDefault(); td.textContent = input.value; }
    });
  });

  window.addEventListener('message', (ev) => {
    const m = ev.data;
    if (!m || typeof m !== 'object') return;
    if (typeof m.status === 'string') { status.textContent = m.status; status.className = m.error ? 'error' : ''; }
    if (m.type === 'dump' && Array.isArray(m.rows)) {
      if (typeof m.where === 'string' && document.activeElement !== where) where.value = m.where;
      if (typeof m.physical === 'boolean') physical.checked = m.physical;
      render(m.rows);
    }
  });
})();
