// Globals of the report page, for the type-check of viz/ (viz/tsconfig.json).
// d3 is inlined into the page ahead of the viewer's bundle (src/report/html.ts).
import type * as D3 from 'd3';

declare global {
  const d3: typeof D3;
  interface Window {
    /** The viewer's state, read by the browser tests and the bench. */
    __MPSTRACE__: Record<string, unknown>;
  }
}
