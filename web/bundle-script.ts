// What the trace viewer and the cluster dashboard share to become self-contained HTML pages: their TypeScript
// bundled by esbuild into one inline script, made safe to sit inside a <script> element.
import { buildSync } from 'esbuild';

/** The code reachable from `entry` as one minified script (esbuild takes a few tens of milliseconds). */
export function bundleScript(entry: string): string {
  return (
    buildSync({
      entryPoints: [entry],
      bundle: true,
      write: false,
      format: 'iife',
      target: 'es2022',
      minify: true,
      legalComments: 'none',
    }).outputFiles[0]?.text ?? ''
  );
}

/** Makes text safe inside a <script> element: nothing in it can close the element early. */
export function scriptSafe(text: string): string {
  return text.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}
