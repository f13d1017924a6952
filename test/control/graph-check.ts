/** Browser-test check of the dashboard graph's default zoom (shared by the browser suites). */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';

/**
 * The graph at its default zoom: every label (module name and version) at least 12 px on
 * screen, and a small app drawn whole inside the drawing area, not as a thin strip.
 */
export async function assertReadableGraph(page: Page, nodes: number, options: { whole?: boolean } = {}): Promise<{ minLabelPx: number; width: number; height: number }> {
  // a string: this file is type-checked without the DOM library
  const measured = (await page.evaluate(`(() => {
    const svg = document.querySelector('#graph');
    const scale = svg.getScreenCTM()?.a ?? 0;
    const box = svg.getBoundingClientRect();
    const texts = [...svg.querySelectorAll('.node text')].map((t) => ({ text: t.textContent, px: Number.parseFloat(getComputedStyle(t).fontSize) * scale }));
    const inside = [...svg.querySelectorAll('.node')].every((n) => {
      const r = n.getBoundingClientRect();
      return r.left >= box.left - 1 && r.right <= box.right + 1 && r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
    });
    return { texts, inside, height: box.height, width: box.width };
  })()`)) as { texts: { text: string; px: number }[]; inside: boolean; height: number; width: number };
  assert.equal(measured.texts.length, nodes * 2, 'a name and a version per module');
  const small = measured.texts.filter((t) => t.px < 12);
  assert.deepEqual(small, [], `labels under 12 px at the default zoom (graph ${Math.round(measured.width)}x${Math.round(measured.height)})`);
  if (options.whole !== false) assert.ok(measured.inside, 'a small app fits whole at the default zoom');
  assert.ok(measured.height >= 200, `a drawing area, not a strip (${measured.height}px high)`);
  return { minLabelPx: Math.min(...measured.texts.map((t) => t.px)), width: Math.round(measured.width), height: Math.round(measured.height) };
}
