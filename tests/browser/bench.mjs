// The engine and the app timed in a real headless Chromium; run by `cargo xtask bench` (never
// asserted: a slow machine must not fail a build), which prints the table. Writes every series
// of timings as JSON, `[{ measurement, input, runs_ms }]`, to SWARMPLAN_BENCH_OUT.
//
//   SWARMPLAN_ENGINE=/abs/target/bench-wasm SWARMPLAN_GRID=10x1000,100x10000 \
//   SWARMPLAN_BENCH_OUT=/abs/target/bench-browser.json \
//   [SWARMPLAN_DIST=/abs/path/to/dist] [CHROMIUM=/usr/bin/chromium] node tests/browser/bench.mjs
//
// Engine: `parse_plan` of each example plan, as the app parses on every keystroke, and `analyze`
// of each generated plan of the grid (nodes x tasks), in wasm as the app ships it, timed around
// the call in the page. App (with SWARMPLAN_DIST): for each plan, load it into
// the YAML editor, then time, inside the page, from the edit that adds one manager to the frame
// in which the quorum panel shows it; once the app has loaded its chunks in the background.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { exampleManager, extraManager, generated } from './plans.mjs';
import { serveStatic } from './serve.mjs';

const DIST = process.env.SWARMPLAN_DIST ? path.resolve(process.env.SWARMPLAN_DIST) : null;
const ENGINE = path.resolve(process.env.SWARMPLAN_ENGINE ?? 'target/bench-wasm');
const GRID = (process.env.SWARMPLAN_GRID ?? '10x1000,100x10000,1000x10000').split(',').map((cell) => cell.split('x').map(Number));
const OUT = process.env.SWARMPLAN_BENCH_OUT;
/** Every series timed, as the xtask reads it. */
const series = [];
/** Timed edits per plan (this machine's timings vary from run to run). */
const RUNS = 11;
/** Fresh page loads for the first edit after opening. */
const FIRST_EDIT_RUNS = 5;
/** The pause before each timed edit, in milliseconds: about a fast typist's time between keys. */
const SETTLE_MS = 50;
/** The page that loads the engine: no app, no CSP, the same origin as the module. */
const ENGINE_PAGE = '<!DOCTYPE html><meta charset="utf-8"><title>Swarmplan engine bench</title>';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

/** Times `analyze` in wasm on each plan of the grid: the median of several runs after one warm-up. */
async function engineRows(page) {
  await page.goto(`${origin}/engine/`);
  const parses = await page.evaluate(async () => {
    const engine = await import('/engine/swarmplan_bench.js');
    await engine.default();
    return engine.example_ids().map((id, index) => {
      engine.parse_example(index);
      // Batches of ten parses: one takes about as long as the page's timer resolution.
      const times = [];
      for (let run = 0; run < 11; run++) {
        const start = performance.now();
        for (let parse = 0; parse < 10; parse++) engine.parse_example(index);
        times.push((performance.now() - start) / 10);
      }
      return { id, times };
    });
  });
  for (const { id, times } of parses) series.push({ measurement: 'parse (wasm, Chromium)', input: `example ${id}`, runs_ms: times });
  for (const [nodes, tasks] of GRID) {
    const { failures, times } = await page.evaluate(
      async ({ nodes, tasks }) => {
        const engine = await import('/engine/swarmplan_bench.js');
        await engine.default();
        engine.prepare(nodes, tasks);
        const failures = engine.analyze_prepared();
        const runs = nodes * tasks >= 10_000_000 ? 5 : 11;
        const times = [];
        for (let run = 0; run < runs; run++) {
          const start = performance.now();
          engine.analyze_prepared();
          times.push(performance.now() - start);
        }
        return { failures, times };
      },
      { nodes, tasks },
    );
    series.push({
      measurement: `analyze (wasm, Chromium): placement, ${failures} single-domain failures, findings`,
      input: `${nodes} nodes, ${tasks} tasks`,
      runs_ms: times,
    });
  }
}

/**
 * Edits the editor's text and resolves, in the page, with two times in milliseconds: until the
 * quorum panel shows `managers` and the page is laid out (the work the frame needs), and until the
 * next animation frame after that (which adds the wait for the display's next frame). `edit` is
 * `{ text }` to replace the whole text, as opening a plan does, or `{ at, insert }` / `{ at,
 * remove }` to type or delete text at an offset, as a user does (the browser's own editing).
 */
async function timedEdit(page, edit, managers) {
  return page.evaluate(
    ({ edit, managers }) =>
      new Promise((resolve) => {
        const figure = () => document.querySelector('[data-testid="quorum-managers"]')?.textContent?.trim();
        const editor = document.querySelector('[data-testid="plan-yaml"]');
        if (edit.text !== undefined && editor.value === edit.text && figure() === String(managers)) {
          resolve({ work: 0, frame: 0 });
          return;
        }
        editor.focus();
        const start = performance.now();
        const done = () => {
          document.body.getBoundingClientRect();
          const work = performance.now() - start;
          requestAnimationFrame(() => resolve({ work, frame: performance.now() - start }));
        };
        const observer = new MutationObserver(() => {
          if (figure() === String(managers)) {
            observer.disconnect();
            done();
          }
        });
        observer.observe(document.body, { subtree: true, childList: true, characterData: true });
        if (edit.text !== undefined) {
          editor.value = edit.text;
          editor.dispatchEvent(new Event('input', { bubbles: true }));
        } else if (edit.insert !== undefined) {
          editor.setSelectionRange(edit.at, edit.at);
          document.execCommand('insertText', false, edit.insert);
        } else {
          editor.setSelectionRange(edit.at, edit.at + edit.remove);
          document.execCommand('delete');
        }
      }),
    { edit, managers },
  );
}

// The engine under /engine/ and, when built, the app at the root.
const server = serveStatic({ '/engine/': ENGINE, ...(DIST ? { '/': DIST } : {}) }, { '/engine/': ENGINE_PAGE });
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  const page = await (await browser.newContext({ viewport: { width: 1440, height: 960 } })).newPage();
  await engineRows(page);
  if (DIST) {
    await appRows(page);
    await firstEditRows();
  }
} finally {
  await browser.close();
  server.close();
}
if (OUT) writeFileSync(OUT, JSON.stringify(series, null, 1));
else console.log(JSON.stringify(series, null, 1));

/** Edit-to-render in the built app. */
async function appRows(page) {
  await page.goto(`${origin}/`);
  await page.locator('[data-testid="quorum-managers"]').waitFor({ timeout: 60_000 });
  // Typing is timed once the rest of the app has arrived in the background (the top bar says it
  // works offline): until then, fetching and compiling the chunks shares the machine with it.
  await page.locator('[data-testid="offline-state"][data-state="ready"]').waitFor({ timeout: 60_000 });
  const example = await page.locator('[data-testid="plan-yaml"]').inputValue();
  const cases = [
    ['default example', example, 3],
    ['100 nodes, 1000 tasks', generated(25, 100, 100), 5],
    ['1000 nodes, 2000 tasks', generated(250, 1000, 100), 5],
  ];
  for (const [label, text, managers] of cases) {
    // Start each case from the example, so that loading the case changes what is shown.
    await timedEdit(page, { text: example }, 3);
    await timedEdit(page, { text }, managers);
    // The edit types one more manager into the node list; deleting it again resets the text.
    const { at, insert } = label === 'default example' ? exampleManager(text) : extraManager(text.length, 'h0');
    const work = [];
    const frame = [];
    for (let run = 0; run < RUNS; run++) {
      // Each edit meets a settled page, as keystrokes typed at a person's pace do: what the edit
      // before left to do after its frame (the autosave) is done.
      await page.waitForTimeout(SETTLE_MS);
      const time = await timedEdit(page, { at, insert }, managers + 1);
      work.push(time.work);
      frame.push(time.frame);
      await page.waitForTimeout(SETTLE_MS);
      await timedEdit(page, { at, remove: insert.length }, managers);
    }
    recordEdits('edit', label, work, frame);
  }
}

/**
 * The first edit after the page opens, as soon as the first view is there: the chunks are still
 * being fetched and compiled in the background, and the engine's code has not been optimised yet.
 * The median of a few fresh page loads.
 */
async function firstEditRows() {
  const work = [];
  const frame = [];
  for (let run = 0; run < FIRST_EDIT_RUNS; run++) {
    const context = await browser.newContext({ viewport: { width: 1440, height: 960 } });
    const page = await context.newPage();
    await page.goto(`${origin}/`);
    await page.locator('[data-testid="quorum-managers"]').waitFor({ timeout: 60_000 });
    const text = await page.locator('[data-testid="plan-yaml"]').inputValue();
    const time = await timedEdit(page, exampleManager(text), 4);
    work.push(time.work);
    frame.push(time.frame);
    await context.close();
  }
  recordEdits('first edit after the page opens,', 'default example', work, frame);
}

/** The two series of timed edits: to the laid-out page and to the next frame. */
function recordEdits(what, label, work, frame) {
  series.push({ measurement: `app edit-to-render (wasm, Chromium): ${what} to DOM updated and laid out`, input: label, runs_ms: work });
  series.push({ measurement: `app edit-to-render (wasm, Chromium): ${what} to the next animation frame`, input: label, runs_ms: frame });
}
