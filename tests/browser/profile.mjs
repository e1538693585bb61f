// Where one edit's time goes in the built app: a Chromium CPU profile of typing one more manager,
// summarised by function, the browser's own work included ("(program)" is style, layout and
// paint). Run by hand, as the bench's timings say what to look at:
//
//   SWARMPLAN_DIST=/abs/dist [SWARMPLAN_PLAN=default|NODESxSERVICES] [CHROMIUM=/usr/bin/chromium] \
//   node tests/browser/profile.mjs
//
// SWARMPLAN_PLAN is `default` (the example the app opens on) or a generated plan such as
// `1000x100` (1,000 nodes on 250 hosts, 100 services of ten replicas), as the bench's.

import path from 'node:path';
import { chromium } from 'playwright-core';
import { exampleManager, extraManager, generated } from './plans.mjs';
import { serveStatic } from './serve.mjs';

const DIST = path.resolve(process.env.SWARMPLAN_DIST ?? 'dist');
const PLAN = process.env.SWARMPLAN_PLAN ?? '1000x100';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
/** The functions listed, by the time spent in them. */
const TOP = 25;

const server = serveStatic({ '/': DIST });
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  const page = await (await browser.newContext({ viewport: { width: 1440, height: 960 } })).newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  await page.locator('[data-testid="offline-state"][data-state="ready"]').waitFor({ timeout: 60_000 });
  const editor = page.locator('[data-testid="plan-yaml"]');
  let managers = 3;
  let edit;
  if (PLAN === 'default') {
    edit = exampleManager(await editor.inputValue());
  } else {
    const [nodes, services] = PLAN.split('x').map(Number);
    const text = generated(Math.max(3, nodes / 4), nodes, services);
    await editor.fill(text);
    managers = 5;
    edit = extraManager(text.length, 'h0');
  }
  await page.locator('[data-testid="quorum-managers"]', { hasText: String(managers) }).waitFor({ timeout: 60_000 });
  await page.waitForTimeout(500);

  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.start');
  const ms = await page.evaluate(
    ({ edit, managers }) =>
      new Promise((resolve) => {
        const editor = document.querySelector('[data-testid="plan-yaml"]');
        const start = performance.now();
        const observer = new MutationObserver(() => {
          if (document.querySelector('[data-testid="quorum-managers"]')?.textContent?.trim() === String(managers)) {
            observer.disconnect();
            document.body.getBoundingClientRect();
            resolve(performance.now() - start);
          }
        });
        observer.observe(document.body, { subtree: true, childList: true, characterData: true });
        editor.focus();
        editor.setSelectionRange(edit.at, edit.at);
        document.execCommand('insertText', false, edit.insert);
      }),
    { edit, managers: managers + 1 },
  );
  const { profile } = await cdp.send('Profiler.stop');

  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  profile.samples.forEach((id, i) => {
    const { functionName, url } = byId.get(id).callFrame;
    const key = `${functionName || '(anonymous)'}${url ? ` (${url.split('/').pop()})` : ''}`;
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  const wasm = [...self].filter(([key]) => key.includes('.wasm')).reduce((sum, [, t]) => sum + t, 0);
  console.log(`plan ${PLAN}: edit to DOM updated and laid out in ${ms.toFixed(1)} ms; in the app's wasm ${wasm.toFixed(1)} ms of the profile`);
  console.log('| self time | function |\n|---|---|');
  for (const [key, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`| ${t.toFixed(1)} ms | ${key} |`);
} finally {
  await browser.close();
  server.close();
}
