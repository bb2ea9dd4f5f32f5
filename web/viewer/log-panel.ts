import { lastIndex, termAt, type ServerState } from './cluster-state.js';
import { ROLE_COLORS } from './timeline.js';

/** The width of a server's label column and of one log column, in CSS pixels. */
const LABEL_PX = 230;
const COLUMN_PX = 26;

/** A light colour per term, so that entries of one term read as one block across servers. */
export function termColor(term: number): string {
  return `hsl(${(term * 67) % 360}, 70%, 80%)`;
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text = '',
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== '') node.textContent = text;
  return node;
}

/**
 * Renders every server's log at the cursor as a grid, columns aligned by index as in the Raft paper's figures:
 * each cell shows an entry's term; committed entries are filled, the others only outlined. Entries folded
 * into a snapshot are counted, not drawn.
 */
export function renderLogs(root: HTMLElement, servers: readonly ServerState[], focus: number | null): void {
  // As many entries as fit, from just before the first one a live server has not committed (where the logs
  // are still being agreed on), or else the latest ones.
  const columns = Math.max(8, Math.floor((root.clientWidth - LABEL_PX) / (COLUMN_PX + 2)));
  const last = Math.max(0, ...servers.map(lastIndex));
  const live = servers.filter((s) => !s.crashed);
  const firstOpen = Math.min(last, ...live.map((s) => s.commit + 1)) - 2;
  const lo = Math.max(1, Math.min(last - columns + 1, firstOpen));
  const hi = Math.min(last, lo + columns - 1);
  const grid = el('div', 'log-grid');
  grid.style.gridTemplateColumns = `${LABEL_PX}px repeat(${Math.max(1, hi - lo + 1)}, ${COLUMN_PX}px)`;
  grid.appendChild(el('div', 'log-head', 'index'));
  for (let i = lo; i <= hi; i++) grid.appendChild(el('div', 'log-head', String(i)));
  servers.forEach((s, k) => {
    const row = el('div', 'log-server');
    row.dataset.server = String(k);
    if (focus !== null && focus !== k) row.classList.add('dim');
    const role = s.crashed ? 'crashed' : s.role;
    const badge = el('span', 'role', role);
    badge.style.background = ROLE_COLORS[s.crashed ? 'down' : s.role] ?? '#ffffff';
    if (s.crashed || s.role === 'leader') badge.style.color = '#ffffff';
    row.append(el('b', '', `S${k} `), badge, el('span', '', ` T${s.term} · commit ${s.commit}`));
    if (!s.connected && !s.crashed) row.appendChild(el('span', 'cut', ' · cut off'));
    grid.appendChild(row);
    for (let i = lo; i <= hi; i++) {
      const term = i <= s.snapshotIndex ? undefined : termAt(s, i);
      if (i <= s.snapshotIndex) {
        const cell = el('div', 'cell snap', 'snap');
        cell.title = `entry ${i}: in the snapshot (through ${s.snapshotIndex})`;
        grid.appendChild(cell);
      } else if (term === undefined) {
        grid.appendChild(el('div', 'cell empty'));
      } else {
        const committed = i <= s.commit;
        const cell = el('div', committed ? 'cell committed' : 'cell uncommitted', String(term));
        cell.dataset.index = String(i);
        cell.dataset.term = String(term);
        cell.dataset.committed = String(committed);
        const color = termColor(term);
        if (committed) cell.style.background = color;
        cell.style.borderColor = committed ? color : '#455a64';
        const command = s.commands[i - s.snapshotIndex - 1] ?? '';
        cell.title = `entry ${i}, term ${term}, ${committed ? 'committed' : 'NOT committed'}: ${command}`;
        grid.appendChild(cell);
      }
    }
  });
  const hidden = [lo > 1 ? `1-${lo - 1}` : '', hi < last ? `${hi + 1}-${last}` : ''].filter((r) => r !== '');
  const note = hidden.length > 0 ? el('div', 'log-note', `entries ${hidden.join(' and ')} not shown`) : null;
  root.replaceChildren(grid, ...(note === null ? [] : [note]));
}
