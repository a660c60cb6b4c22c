// The canvas fleet view's frame-time benchmark (scripts/bench): the page's #bench-canvas mode
// paints 5,000 instances and 100,000 tasks for 120 frames of a rolling update in headless
// Chromium and reports the median, 95th percentile and worst frame (paint + putImageData).
import { serve, launch } from './harness.mjs';

const site = await serve();
const browser = await launch();
try {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 1400, height: 1000 });
  await page.goto(`${site.url}#bench-canvas`);
  await page.waitForFunction(() => document.querySelector('#bench-result')?.textContent.startsWith('canvas'),
    null, { timeout: 120000 });
  console.log(await page.textContent('#bench-result'));
} finally {
  await browser.close();
  site.close();
}
