// The viewer's entry point, bundled into each trace's HTML file: reads the trace inlined in the page, draws it,
// and exposes a read-only hook on window for the browser test.
import { mountViewer, type ViewerHook } from './app.js';
import { parseTrace } from './trace-model.js';

declare global {
  interface Window {
    raftViewer?: ViewerHook;
    raftViewerError?: string;
  }
}

const started = performance.now();
const root = document.getElementById('app');
const source = document.getElementById('trace');
try {
  if (root === null || source === null) throw new Error('page has no #app or #trace element');
  window.raftViewer = mountViewer(root, parseTrace(source.textContent), started);
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  window.raftViewerError = message;
  if (root !== null) root.textContent = `cannot show this trace: ${message}`;
}
