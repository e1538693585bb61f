// Swarmplan's browser app, driven in a real headless Chromium.
//
//   SWARMPLAN_DIST=/abs/path/to/dist [CHROMIUM=/usr/bin/chromium] node --test tests/browser/
//
// The built dist/ directory is served by a small static server on 127.0.0.1 (an ephemeral
// port); every request the page makes is recorded, and each test ends by checking that none
// went anywhere else. Screenshots go to tests/browser/artifacts/ (not committed).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serveStatic } from './serve.mjs';
import { generated } from './plans.mjs';

const DIST = process.env.SWARMPLAN_DIST;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
/** The `swarmplan` command, built from the same engine: the page must show what it prints. */
const CLI = process.env.SWARMPLAN_CLI;
const ARTIFACTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'artifacts');
const VIEWPORT = { width: 1440, height: 960 };
/** How long the app may take to react to an edit (the wasm runs in a 2-core CI box). */
const REACT_MS = 10_000;

let server;
let origin;
let browser;

before(async () => {
  assert.ok(DIST, 'set SWARMPLAN_DIST to the absolute path of the built dist/ directory');
  assert.ok(path.isAbsolute(DIST), `SWARMPLAN_DIST must be absolute, not ${DIST}`);
  const root = path.resolve(DIST);
  assert.ok((await stat(path.join(root, 'index.html'))).isFile(), `${root}/index.html is missing: build with trunk first`);
  server = serveStatic({ '/': root });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  await mkdir(ARTIFACTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve()));
});

/**
 * Opens the app in a fresh context (empty localStorage) and records what the page requests and
 * any error it reports. `close()` checks that nothing left the local server and nothing failed.
 */
async function openApp(options = {}, { beforeLoad } = {}) {
  const context = await browser.newContext({ viewport: VIEWPORT, ...options });
  const requests = [];
  const problems = [];
  context.on('request', (request) => requests.push(request.url()));
  const page = await context.newPage();
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('requestfailed', (request) => {
    // A reload cancels the background fetch of a chunk still on its way: not a failure.
    if (isChunk(request.url()) && request.failure()?.errorText === 'net::ERR_ABORTED') return;
    problems.push(`request failed: ${request.url()}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  await beforeLoad?.(page);
  await page.goto(`${origin}/`);
  try {
    await page.locator('[data-testid="quorum-managers"]').waitFor({ timeout: 30_000 });
  } catch (error) {
    await context.close();
    throw new Error(`the app did not start: ${error.message}\n${problems.join('\n')}`);
  }
  const loaded = requests.length;
  return {
    page,
    context,
    requests,
    /** Page errors, console errors and failed requests so far; `close` wants none left. */
    problems,
    /**
     * What the page asked for since the app started, besides blob: downloads (memory) and the
     * wasm chunks of panels loaded on demand, which are the app's own files.
     */
    requestsSinceLoad: () =>
      requests.slice(loaded).filter((url) => !url.startsWith(`blob:${origin}/`) && !isChunk(url)),
    async close() {
      await context.close();
      assert.ok(requests.length > 0, 'the page made its requests through the recorder');
      // A download is handed over as a blob: URL of the page's own origin, which is memory, not
      // the network.
      const elsewhere = requests.filter((url) => !url.startsWith(`${origin}/`) && !url.startsWith(`blob:${origin}/`));
      assert.deepEqual(elsewhere, [], 'no request goes anywhere but the local server');
      assert.deepEqual(problems, [], 'no page error, console error or failed request');
    },
  };
}

/** Whether a URL is one of the app's own on-demand wasm chunks (xtask/src/split.rs). */
function isChunk(url) {
  return url.startsWith(`${origin}/`) && /^swarmplan-web-[0-9a-f]+_(chunk_\d+|split_\w+)\.wasm$/.test(url.slice(origin.length + 1));
}

async function figures(page) {
  const text = (id) => page.locator(`[data-testid="${id}"]`).textContent();
  return [await text('quorum-managers'), await text('quorum-majority'), await text('quorum-tolerates')].map((t) =>
    t.trim(),
  );
}

/** Waits until the quorum figures read `expected` (managers, majority, tolerates). */
async function expectFigures(page, expected, why) {
  await page
    .waitForFunction(
      (want) => {
        const read = (id) => document.querySelector(`[data-testid="${id}"]`)?.textContent.trim();
        return ['quorum-managers', 'quorum-majority', 'quorum-tolerates'].every((id, i) => read(id) === want[i]);
      },
      expected,
      { timeout: REACT_MS },
    )
    .catch(() => {});
  assert.deepEqual(await figures(page), expected, why);
}

const yaml = (page) => page.locator('[data-testid="plan-yaml"]');

/** The default example with a fourth manager added at the top of its node list. */
function withFourthManager(text) {
  assert.match(text, /^nodes:\n/m, 'the default example has a block list of nodes');
  return text.replace(/^nodes:\n/m, 'nodes:\n  - { name: man4, host: esx3, role: manager, ip: 10.31.1.175 }\n');
}

test('opens on the default example: topology, quorum, failure domains, findings', async () => {
  const app = await openApp();
  const { page } = app;

  assert.equal((await page.locator('[data-testid="plan-name"]').textContent()).trim(), 'MSactivator HA');
  assert.match(await yaml(page).inputValue(), /^name: MSactivator HA$/m, 'the editor holds the plan');
  await expectFigures(page, ['3', '2', '1'], 'three managers need two and tolerate one loss');

  // The table marks the plan's row, and only that one.
  const current = page.locator('[data-testid="quorum-table"] tr.current');
  assert.equal(await current.count(), 1);
  assert.match(await current.locator('td').first().textContent(), /^3/);
  assert.equal(await page.locator('[data-testid="quorum-table"] tbody tr').count(), 9);

  // Three servers, one manager on each: any single host may fail.
  assert.match(await page.locator('[data-testid="survival-summary"]').textContent(), /survives any single host/);
  const hostRows = page.locator('[data-testid="failure-domains"] tr[data-domain^="host:"]');
  assert.equal(await hostRows.count(), 3);
  for (const row of await hostRows.all()) {
    const cells = await row.locator('td').allTextContents();
    assert.equal(cells[3].trim(), '2', `${cells[1]}: two managers left`);
    assert.match(cells[4], /yes/);
  }

  // The canvas: three hosts, three managers marked M, workers marked W.
  const svg = page.locator('[data-testid="topology"]');
  assert.equal(await svg.locator('[data-host]').count(), 3);
  const managers = svg.locator('[data-role="manager"]');
  assert.equal(await managers.count(), 3);
  for (const manager of await managers.all()) {
    assert.equal((await manager.locator('.badge-letter').textContent()).trim(), 'M');
  }
  const workers = svg.locator('[data-role="worker"]');
  assert.ok((await workers.count()) >= 5, 'the example has at least five workers');
  assert.equal((await workers.first().locator('.badge-letter').textContent()).trim(), 'W');
  // Every node card lies inside its host's box.
  const inside = await page.evaluate(() =>
    [...document.querySelectorAll('[data-node]')].every((node) => {
      const card = node.getBoundingClientRect();
      const hostName = node.getAttribute('data-on-host');
      const host = document.querySelector(`[data-host="${hostName}"]`).getBoundingClientRect();
      return card.left >= host.left && card.right <= host.right && card.top >= host.top && card.bottom <= host.bottom;
    }),
  );
  assert.ok(inside, 'node cards are drawn inside their host');

  // The findings list exists; each entry says its severity in words.
  const findings = page.locator('[data-testid="findings"] > li');
  assert.ok((await findings.count()) >= 1);
  for (const finding of await findings.all()) {
    const severity = await finding.locator('.severity').count();
    if (severity) assert.match(await finding.locator('.severity').textContent(), /^(Error|Warning|Info)$/);
    else assert.match(await finding.textContent(), /No findings/);
  }

  await page.screenshot({ path: path.join(ARTIFACTS, 'default-example.png'), fullPage: true });
  await app.close();
});

test('edits re-analyse the plan; a bad edit keeps the last good plan; a reload keeps the edit', async () => {
  const app = await openApp();
  const { page } = app;
  await expectFigures(page, ['3', '2', '1'], 'the default example');

  // Add a fourth manager: four need three and still tolerate one loss.
  const edited = withFourthManager(await yaml(page).inputValue());
  await yaml(page).fill(edited);
  await expectFigures(page, ['4', '3', '1'], 'four managers after the edit');
  await page.locator('[data-testid="topology"] [data-node="man4"][data-role="manager"]').waitFor({ timeout: REACT_MS });
  await page.locator('[data-testid="findings"] [data-code="even-managers"]').waitFor({ timeout: REACT_MS });
  assert.equal(await page.locator('[data-testid="yaml-error"]').count(), 0, 'a good edit shows no error');

  // Type a broken line at the end: an unclosed flow mapping.
  await yaml(page).click();
  await page.keyboard.press('Control+End');
  await yaml(page).pressSequentially('\n  - { name: broken');
  const error = page.locator('[data-testid="yaml-error"]');
  await error.waitFor({ timeout: REACT_MS });
  assert.match(await error.textContent(), /^line \d+, column \d+: /, 'the error says where');
  await expectFigures(page, ['4', '3', '1'], 'the last good plan stays on screen');
  assert.equal(await page.locator('[data-testid="topology"] [data-node="man4"]').count(), 1, 'the canvas is unchanged');
  const broken = await yaml(page).inputValue();
  assert.ok(broken.endsWith('\n  - { name: broken'), 'the typed text is in the editor');
  await page.screenshot({ path: path.join(ARTIFACTS, 'yaml-error.png'), fullPage: true });

  // Reload: the text (even unparsable) and the last good plan come back.
  await page.reload();
  await page.locator('[data-testid="quorum-managers"]').waitFor();
  assert.equal(await yaml(page).inputValue(), broken, 'the edit survives a reload');
  await error.waitFor({ timeout: REACT_MS });
  await expectFigures(page, ['4', '3', '1'], 'the last good plan survives a reload');

  // Fixing the text brings everything back in step.
  await yaml(page).fill(edited);
  await expectFigures(page, ['4', '3', '1'], 'the fixed plan');
  await page.waitForFunction(() => !document.querySelector('[data-testid="yaml-error"]'), null, { timeout: REACT_MS });
  await page.reload();
  await page.locator('[data-testid="quorum-managers"]').waitFor();
  assert.equal(await yaml(page).inputValue(), edited);

  // Typing in the middle of the text keeps the caret where it is (no jump to the end).
  await yaml(page).evaluate((textarea) => {
    const at = textarea.value.indexOf('name: MSactivator HA') + 'name: MSactivator HA'.length;
    textarea.focus();
    textarea.setSelectionRange(at, at);
  });
  await page.keyboard.type(' lab');
  assert.match(await yaml(page).inputValue(), /^name: MSactivator HA lab$/m);
  await page.waitForFunction(
    () => document.querySelector('[data-testid="plan-name"]')?.textContent.trim() === 'MSactivator HA lab',
    null,
    { timeout: REACT_MS },
  );
  await app.close();
});

test('an edit redraws only the shapes it changes; a shape selected from the keyboard keeps the focus', async () => {
  const app = await openApp();
  const { page } = app;
  const canvas = page.locator('[data-testid="topology"]');
  await canvas.locator('[data-node]').first().waitFor();
  // Tag every node's element; an edit that adds a manager must leave most of them in place.
  const before = await canvas.locator('[data-node]').evaluateAll((nodes) => {
    for (const node of nodes) node.swarmplanTag = node.dataset.node;
    return nodes.map((node) => node.dataset.node);
  });
  // The new manager goes first on esx3: es-master3 moves down, showing what it showed.
  await page.evaluate(() => {
    const card = document.querySelector('[data-node="es-master3"]');
    const seen = { transform: card.getAttribute('transform'), content: card.innerHTML, changes: [] };
    new MutationObserver((records) => {
      for (const r of records) seen.changes.push(`${r.type} ${r.attributeName ?? ''} on ${r.target === card ? 'the card' : r.target.nodeName}`.trim());
    }).observe(card, { subtree: true, attributes: true, childList: true, characterData: true });
    window.seenCard = seen;
  });
  await yaml(page).fill(withFourthManager(await yaml(page).inputValue()));
  await canvas.locator('[data-node="man4"]').waitFor({ timeout: REACT_MS });
  const kept = await canvas
    .locator('[data-node]')
    .evaluateAll((nodes) => nodes.filter((node) => node.swarmplanTag === node.dataset.node).map((node) => node.dataset.node));
  assert.ok(kept.length > 0, `some shapes keep their elements (of ${before.join(', ')})`);
  assert.ok(!kept.includes('man4'), 'the new node is drawn anew');
  assert.ok(kept.includes('es-master3'), 'a card that moves keeps its element');
  const moved = await page.evaluate(() => {
    const card = document.querySelector('[data-node="es-master3"]');
    const { transform, content, changes } = window.seenCard;
    return { moved: card.getAttribute('transform') !== transform, same: card.innerHTML === content, changes: [...new Set(changes)] };
  });
  assert.ok(moved.moved, 'the card moved down its host');
  assert.ok(moved.same, 'what the card shows is unchanged');
  assert.deepEqual(moved.changes, ['attributes transform on the card'], 'moving it wrote only its transform');

  // Select a node with the keyboard: its look changes, its element (and the focus) stays.
  const first = canvas.locator('[data-node]').first();
  const name = await first.getAttribute('data-node');
  await first.focus();
  await page.keyboard.press('Enter');
  await canvas.locator(`[data-node="${name}"][aria-pressed="true"]`).waitFor({ timeout: REACT_MS });
  assert.equal(await page.evaluate(() => document.activeElement?.dataset?.node), name, 'the selected shape keeps the focus');
  await app.close();
});

/** A plan over two sites whose first site holds two of the three managers. */
const TWO_SITES = `swarmplan: 1
name: Two sites
hosts:
  - { name: h1, site: dc1, rack: r1 }
  - { name: h2, site: dc1, rack: r2 }
  - { name: h3, site: dc2, rack: r3 }
nodes:
  - { name: m1, host: h1, role: manager }
  - { name: m2, host: h2, role: manager }
  - { name: m3, host: h3, role: manager }
  - { name: w1, host: h3, role: worker }
`;

test('sites and racks are nested regions, and a domain whose loss breaks quorum is marked', async () => {
  const app = await openApp();
  const { page } = app;
  await yaml(page).fill(TWO_SITES);
  await page.waitForFunction(
    () => document.querySelector('[data-testid="plan-name"]')?.textContent.trim() === 'Two sites',
    null,
    { timeout: REACT_MS },
  );
  await expectFigures(page, ['3', '2', '1'], 'three managers');

  const box = async (selector) => {
    const element = page.locator(`[data-testid="topology"] ${selector}`);
    assert.equal(await element.count(), 1, `${selector} is drawn once`);
    return element.locator('rect').first().boundingBox();
  };
  const inside = (inner, outer) =>
    inner.x >= outer.x &&
    inner.y >= outer.y &&
    inner.x + inner.width <= outer.x + outer.width &&
    inner.y + inner.height <= outer.y + outer.height;
  const [dc1, dc2, r1, r2, r3] = await Promise.all(
    ['dc1', 'dc2', 'r1', 'r2', 'r3'].map((name) => box(`[data-region="${name}"]`)),
  );
  const [h1, h2, h3] = await Promise.all(['h1', 'h2', 'h3'].map((name) => box(`[data-host="${name}"]`)));
  assert.ok(inside(r1, dc1) && inside(r2, dc1) && inside(r3, dc2), 'racks lie in their site');
  assert.ok(inside(h1, r1) && inside(h2, r2) && inside(h3, r3), 'hosts lie in their rack');
  assert.ok(!inside(r3, dc1), 'rack r3 is not in site dc1');

  // Losing dc1 takes two of three managers: the site is marked, the other is not.
  const region = (name) => page.locator(`[data-testid="topology"] [data-region="${name}"]`);
  assert.match(await region('dc1').getAttribute('class'), /\bat-risk\b/);
  assert.doesNotMatch(await region('dc2').getAttribute('class'), /\bat-risk\b/);
  assert.match(await region('dc1').textContent(), /loss breaks quorum/);
  const dc1Row = await page.locator('[data-testid="failure-domains"] tr[data-domain="site:dc1"] td').allTextContents();
  assert.equal(dc1Row[3].trim(), '1', 'one manager left without dc1');
  assert.match(dc1Row[4], /no/);
  assert.match(await page.locator('[data-testid="survival-summary"]').textContent(), /site dc1/);
  const lost = page.locator('[data-testid="findings"] [data-code="site-loss-breaks-quorum"]');
  assert.equal(await lost.count(), 1);
  assert.match(await lost.locator('.severity').textContent(), /^Error$/);
  assert.match(await lost.textContent(), /site:dc1/);
  await page.screenshot({ path: path.join(ARTIFACTS, 'two-sites.png'), fullPage: true });
  await app.close();
});

test('the gallery loads each example, and asks before replacing the user\'s own plan', async () => {
  const app = await openApp();
  const { page } = app;
  const select = page.locator('[data-testid="example-select"]');
  const ids = (await select.locator('option').evaluateAll((options) => options.map((o) => o.value))).filter(Boolean);
  assert.equal(ids.length, 5, 'five examples');
  assert.equal(await select.inputValue(), ids[0], 'the default example is selected');

  const names = new Set();
  for (const id of ids) {
    await select.selectOption(id);
    await page.waitForFunction(
      (id) => document.querySelector('[data-testid="example-select"]')?.value === id,
      id,
      { timeout: REACT_MS },
    );
    const text = await yaml(page).inputValue();
    const name = text.match(/^name: (.+)$/m)[1];
    await page.waitForFunction(
      (name) => document.querySelector('[data-testid="plan-name"]')?.textContent.trim() === name,
      name,
      { timeout: REACT_MS },
    );
    names.add(name);
    assert.equal(await page.locator('[data-testid="yaml-error"]').count(), 0, `${id} parses`);
    const managers = Number(await page.locator('[data-testid="quorum-managers"]').textContent());
    const svgManagers = await page.locator('[data-testid="topology"] [data-role="manager"]').count();
    assert.equal(svgManagers, managers, `${id}: the canvas shows every manager`);
    assert.ok((await page.locator('[data-testid="survival-summary"]').textContent()).trim().length > 0);
  }
  assert.equal(names.size, 5, 'each example is a different plan');

  // The user's own plan is not replaced without asking; declining keeps it.
  await select.selectOption(ids[0]);
  const own = withFourthManager(await yaml(page).inputValue());
  await yaml(page).fill(own);
  await expectFigures(page, ['4', '3', '1'], 'own plan');
  assert.equal(await select.inputValue(), '', 'an edited plan is no example');
  let asked = 0;
  page.once('dialog', (dialog) => {
    asked += 1;
    dialog.dismiss();
  });
  await select.selectOption(ids[1]);
  await page.waitForFunction(() => document.querySelector('[data-testid="example-select"]')?.value === '', null, {
    timeout: REACT_MS,
  });
  assert.equal(asked, 1, 'the app asked');
  assert.equal(await yaml(page).inputValue(), own, 'declining keeps the user\'s plan');
  await expectFigures(page, ['4', '3', '1'], 'own plan kept');

  page.once('dialog', (dialog) => {
    asked += 1;
    dialog.accept();
  });
  await select.selectOption(ids[0]);
  await expectFigures(page, ['3', '2', '1'], 'the example replaced the plan once accepted');
  assert.equal(asked, 2);
  await app.close();
});

test('dark theme follows the system preference', async () => {
  const app = await openApp({ colorScheme: 'dark' });
  const { page } = app;
  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const [r, g, b] = background.match(/\d+/g).map(Number);
  assert.ok(r + g + b < 150, `a dark background, not ${background}`);
  await page.screenshot({ path: path.join(ARTIFACTS, 'default-example-dark.png'), fullPage: true });
  await app.close();
});

// ---------------------------------------------------------------------------------------------
// The editor: drawing, dragging, what-ifs, undo and redo, exports, share links.

const testid = (page, id) => page.locator(`[data-testid="${id}"]`);
const canvas = (page) => page.locator('[data-testid="topology"]');

/**
 * Waits until `predicate(document)` holds in the page. The predicate must not throw while the page
 * is between renders (a view loaded on demand, such as the what-if verdict, is absent until its
 * `Suspense` resolves): a throw is a page error, which fails the test. Use `?.` on every lookup.
 */
async function until(page, predicate, arg, why) {
  await page.waitForFunction(predicate, arg, { timeout: REACT_MS }).catch(() => {});
  assert.ok(await page.evaluate(predicate, arg), why);
}

/** The centre of an element's first rectangle, in page coordinates. */
async function centre(locator) {
  const box = await locator.locator('rect').first().boundingBox();
  assert.ok(box, 'the shape is on screen');
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** A point in the title strip of a host box (not on any of its node cards). */
async function hostHeader(page, name) {
  const box = await canvas(page).locator(`[data-host="${name}"] > rect`).first().boundingBox();
  return { x: box.x + 30, y: box.y + 12 };
}

/** Drags with the mouse, in steps, as a person would. */
async function drag(page, from, to) {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  for (let i = 1; i <= 8; i += 1) {
    await page.mouse.move(from.x + ((to.x - from.x) * i) / 8, from.y + ((to.y - from.y) * i) / 8);
  }
  await page.mouse.up();
}

/** Reads a zip's central directory: the entry names, in order. */
function zipEntries(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = bytes.length - 22;
  while (end >= 0 && view.getUint32(end, true) !== 0x06054b50) end -= 1;
  assert.ok(end >= 0, 'the zip has an end of central directory');
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  const names = [];
  for (let i = 0; i < count; i += 1) {
    assert.equal(view.getUint32(at, true), 0x02014b50, 'a central directory entry');
    const nameLength = view.getUint16(at + 28, true);
    const extra = view.getUint16(at + 30, true);
    const comment = view.getUint16(at + 32, true);
    names.push(Buffer.from(bytes.subarray(at + 46, at + 46 + nameLength)).toString('utf8'));
    at += 46 + nameLength + extra + comment;
  }
  return names;
}

/** The default example with its first `replicas: 1` replaced by `lines` (indented as it is). */
function withFirstReplicas(text, ...lines) {
  const at = text.search(/^ +replicas: 1$/m);
  assert.ok(at >= 0, 'the default example has a service of one replica');
  const indent = text.slice(at).match(/^ +/)[0];
  const end = text.indexOf('\n', at);
  return text.slice(0, at) + lines.map((l) => indent + l).join('\n') + text.slice(end);
}

test('plans that ask too much or that Docker refuses are errors, and a crash keeps the text and holds the analysis back', async () => {
  const app = await openApp();
  const { page } = app;
  const original = await yaml(page).inputValue();
  const cases = [
    ['a mistyped replica count', withFirstReplicas(original, 'replicas: 4000000000'), 'limit-exceeded', /4,000,000,000 replicas, over Swarmplan's limit/, /^ +replicas: 4000000000$/],
    ['ten million replicas', withFirstReplicas(original, 'replicas: 10000000'), 'limit-exceeded', /10,000,000 replicas, over Swarmplan's limit/, /^ +replicas: 10000000$/],
    ['replicas on a global service', withFirstReplicas(original, 'mode: global', 'replicas: 3'), 'deploy-refused', /replicas can only be used with replicated/, /^ +(replicas: 3|mode: global)$/],
  ];
  for (const [what, text, code, words, line] of cases) {
    await yaml(page).fill(text);
    const finding = page.locator(`[data-testid="findings"] [data-code="${code}"]`);
    await finding.waitFor({ timeout: REACT_MS });
    assert.match(await finding.textContent(), words, `${what}: the finding says why`);
    assert.match(await testid(page, 'editor-status').textContent(), /^Valid YAML · \d+ errors? · /, `${what}: the editor says the plan has errors`);
    // "Show in YAML" selects the line the finding is about, in the focused editor.
    await finding.locator('[data-testid="finding-place"]').click();
    await until(page, () => document.activeElement?.dataset?.testid === 'plan-yaml', null, `${what}: the editor takes the focus`);
    const selected = await yaml(page).evaluate((t) => t.value.slice(t.selectionStart, t.selectionEnd));
    assert.match(selected, line, `${what}: the finding's line is selected`);
    // Still responsive: the tabs answer, and the next edit is analysed.
    await testid(page, 'tab-services').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="tab-services"]')?.getAttribute('aria-selected') === 'true', null, { timeout: REACT_MS });
    await testid(page, 'tab-yaml').click();
    await page.screenshot({ path: path.join(ARTIFACTS, `bad-plan-${code}-${cases.findIndex((c) => c[0] === what)}.png`), fullPage: true });
    await page.reload();
    await page.locator('[data-testid="quorum-managers"]').waitFor();
    assert.equal(await yaml(page).inputValue(), text, `${what}: the text survives a reload`);
    await finding.waitFor({ timeout: REACT_MS });
  }

  // The crash drill makes the next analysis panic, as a bug in Swarmplan would: the page reopens
  // by itself with the edit kept, the analysis held back and the reason shown.
  await page.evaluate(() => localStorage.setItem('swarmplan.drill', 'panic'));
  const edited = withFourthManager(original);
  await yaml(page).fill(edited);
  const banner = testid(page, 'crash-banner');
  await banner.waitFor({ timeout: 30_000 });
  assert.match(await banner.textContent(), /Swarmplan hit an internal error on this plan; your text is kept\./);
  assert.match(await banner.textContent(), /the crash drill \(swarmplan\.drill\) asked this analysis to panic/, 'the banner says why');
  assert.equal(await yaml(page).inputValue(), edited, 'the edit that crashed is in the editor');
  await testid(page, 'findings-held').waitFor({ timeout: REACT_MS });
  await testid(page, 'held-back').waitFor({ timeout: REACT_MS });
  assert.equal(await page.locator('[data-testid="topology"]').count(), 0, 'nothing is drawn while held back');
  await page.screenshot({ path: path.join(ARTIFACTS, 'crash-held-back.png'), fullPage: true });
  // The drill's own panic is the only error the page reported.
  const crash = app.problems.splice(0);
  assert.ok(crash.length > 0 && crash.some((p) => p.includes('crash drill')), `the panic reached the console: ${crash.join('\n')}`);

  // A reload keeps it held back; analysing anyway brings the plan back, and the banner goes.
  await page.reload();
  await banner.waitFor({ timeout: REACT_MS });
  await testid(page, 'analyse-anyway').click();
  await expectFigures(page, ['4', '3', '1'], 'the edited plan, analysed');
  await page.locator('[data-testid="topology"] [data-node="man4"]').waitFor({ timeout: REACT_MS });
  assert.equal(await banner.count(), 0, 'the banner is gone');
  await page.reload();
  await page.locator('[data-testid="topology"] [data-node="man4"]').waitFor({ timeout: REACT_MS });
  assert.equal(await banner.count(), 0, 'analysed once, the plan opens as usual');
  assert.equal(await yaml(page).inputValue(), edited);

  // A crash while the analysis is held back does not reopen the page again (no loop): a banner
  // of plain HTML, which needs no WebAssembly, offers the reload.
  await page.evaluate(() => {
    localStorage.setItem('swarmplan.crash', 'working');
    localStorage.setItem('swarmplan.drill', 'panic');
  });
  await page.reload();
  const plain = testid(page, 'crash-banner-plain');
  await plain.waitFor({ timeout: REACT_MS });
  assert.match(await plain.textContent(), /internal error again, with the analysis held back; your text is kept/);
  await page.screenshot({ path: path.join(ARTIFACTS, 'crash-plain-banner.png'), fullPage: true });
  const again = app.problems.splice(0);
  assert.ok(again.some((p) => p.includes('crash drill')), `the second panic reached the console: ${again.join('\n')}`);
  await plain.getByRole('link', { name: 'Reload' }).click();
  await banner.waitFor({ timeout: REACT_MS });
  assert.match(await banner.textContent(), /crash drill/, 'held back again, with the second panic as the reason');
  assert.equal(await yaml(page).inputValue(), edited, 'the text survived both crashes');
  await testid(page, 'analyse-anyway').click();
  await expectFigures(page, ['4', '3', '1'], 'analysed after the second crash');
  await app.close();
});

test('draws a plan of three hosts from an empty page, by mouse and keyboard, and keeps it on reload', async () => {
  const app = await openApp();
  const { page } = app;

  await testid(page, 'open-gallery').click();
  await testid(page, 'gallery').waitFor();
  await page.screenshot({ path: path.join(ARTIFACTS, 'gallery.png') });
  await page.locator('[data-testid="gallery"] [data-example="empty"]').click();
  await expectFigures(page, ['0', '0', '0'], 'an empty plan has no managers');
  assert.equal(await canvas(page).locator('[data-host]').count(), 0, 'no hosts yet');
  await page.screenshot({ path: path.join(ARTIFACTS, 'empty-plan.png') });

  for (let i = 1; i <= 3; i += 1) {
    await testid(page, 'add-host').click();
    await canvas(page).locator(`[data-host="host-${i}"]`).waitFor({ timeout: REACT_MS });
    await testid(page, 'inspector').waitFor();
    await testid(page, 'inspect-add-manager').click();
    await canvas(page).locator(`[data-node="manager-${i}"][data-on-host="host-${i}"]`).waitFor({ timeout: REACT_MS });
  }
  await expectFigures(page, ['3', '2', '1'], 'three managers on three hosts');
  await until(
    page,
    () => /survives any single host loss/.test(document.querySelector('[data-testid="survival-summary"]')?.textContent),
    null,
    'three hosts with a manager each survive any single host loss',
  );

  // The canvas wrote the YAML.
  const text = await yaml(page).inputValue();
  for (const name of ['host-1', 'host-2', 'host-3', 'manager-1', 'manager-2', 'manager-3']) {
    assert.match(text, new RegExp(`name: ${name}\\b`), `${name} is in the YAML`);
  }

  // A worker on host-2, chosen by clicking it on the canvas.
  await page.mouse.click(...Object.values(await hostHeader(page, 'host-2')));
  await until(page, () => document.querySelector('[data-testid="inspector"]')?.getAttribute('aria-label').endsWith('host-2'), null, 'host-2 is selected');
  await testid(page, 'add-worker').click();
  await canvas(page).locator('[data-node="worker-1"][data-on-host="host-2"]').waitFor({ timeout: REACT_MS });

  // Rename a host in the inspector: its nodes follow and the YAML says so.
  await page.mouse.click(...Object.values(await hostHeader(page, 'host-1')));
  await testid(page, 'inspect-name').fill('esx1');
  await testid(page, 'inspect-name').press('Enter');
  await canvas(page).locator('[data-node="manager-1"][data-on-host="esx1"]').waitFor({ timeout: REACT_MS });
  assert.match(await yaml(page).inputValue(), /host: esx1/);

  // The keyboard reaches the shapes: Tab to a node, Enter selects it, the inspector says which.
  const node = canvas(page).locator('[data-node="manager-3"]');
  await node.focus();
  assert.equal(await node.evaluate((el) => el === document.activeElement), true, 'a node takes focus');
  await page.keyboard.press('Enter');
  await until(page, () => document.querySelector('[data-testid="inspector"]')?.getAttribute('aria-label').endsWith('manager-3'), null, 'Enter selects the focused node');
  const outline = await node.evaluate((el) => getComputedStyle(el.querySelector('rect')).strokeWidth);
  assert.equal(outline, '3px', 'the selection is visible');
  // Labels for screen readers.
  assert.match(await node.getAttribute('aria-label'), /^Manager node manager-3 on host-3/);
  // The arrow keys carry the focused shape as a drag would: a node to the host before or after
  // its own, a host past its neighbour; the focus stays on it.
  await page.keyboard.press('ArrowLeft');
  await canvas(page).locator('[data-node="manager-3"][data-on-host="host-2"]').waitFor({ timeout: REACT_MS });
  assert.match(await yaml(page).inputValue(), /name: manager-3, host: host-2|name: manager-3\n\s+host: host-2/, 'the YAML follows the key');
  assert.equal(await node.evaluate((el) => el === document.activeElement), true, 'the moved node keeps the focus');
  await page.keyboard.press('ArrowRight');
  await canvas(page).locator('[data-node="manager-3"][data-on-host="host-3"]').waitFor({ timeout: REACT_MS });
  const esx1 = canvas(page).locator('[data-host="esx1"]');
  await esx1.focus();
  await page.keyboard.press('ArrowRight');
  await until(page, () => [...document.querySelectorAll('[data-testid="topology"] [data-host]')].map((h) => h.dataset.host).join() === 'host-2,esx1,host-3', null, 'ArrowRight moves a host past the next');
  assert.equal(await esx1.evaluate((el) => el === document.activeElement), true, 'the moved host keeps the focus');
  await page.keyboard.press('ArrowLeft');
  await until(page, () => [...document.querySelectorAll('[data-testid="topology"] [data-host]')].map((h) => h.dataset.host).join() === 'esx1,host-2,host-3', null, 'ArrowLeft moves it back');
  await page.screenshot({ path: path.join(ARTIFACTS, 'drawn-from-empty.png') });

  // Everything is kept on reload.
  const before = await yaml(page).inputValue();
  await page.reload();
  await page.locator('[data-testid="quorum-managers"]').waitFor();
  assert.equal(await yaml(page).inputValue(), before, 'the plan survives a reload');
  await expectFigures(page, ['3', '2', '1'], 'and its analysis');
  assert.equal(await canvas(page).locator('[data-host]').count(), 3);
  assert.equal(await canvas(page).locator('[data-node="worker-1"][data-on-host="host-2"]').count(), 1);
  await app.close();
});

test('dragging a manager onto a host that has one shows the quorum error; undo and redo', async () => {
  const app = await openApp();
  const { page } = app;
  await expectFigures(page, ['3', '2', '1'], 'the default example');
  assert.equal(await page.locator('[data-testid="findings"] [data-code="host-loss-breaks-quorum"]').count(), 0);

  await drag(page, await centre(canvas(page).locator('[data-node="man1"]')), await hostHeader(page, 'esx2'));
  await canvas(page).locator('[data-node="man1"][data-on-host="esx2"]').waitFor({ timeout: REACT_MS });
  const error = page.locator('[data-testid="findings"] [data-code="host-loss-breaks-quorum"]');
  await error.waitFor({ timeout: REACT_MS });
  assert.match(await error.locator('.severity').textContent(), /Error/);
  assert.match(await testid(page, 'survival-summary').textContent(), /quorum is lost with host esx2/);
  assert.match(await canvas(page).locator('[data-host="esx2"]').getAttribute('class'), /\bat-risk\b/);
  assert.match(await yaml(page).inputValue(), /name: man1, host: esx2|name: man1\n\s+host: esx2/, 'the YAML follows the drag');

  // Clicking the finding selects its target on the canvas.
  await error.locator('.finding-message').click();
  await until(page, () => document.querySelector('[data-testid="topology"] [data-host="esx2"]')?.classList.contains('selected'), null, 'the finding selects host esx2');
  await page.screenshot({ path: path.join(ARTIFACTS, 'quorum-error.png') });

  // Undo with the button, redo with the keyboard, undo with the keyboard.
  await testid(page, 'undo').click();
  await canvas(page).locator('[data-node="man1"][data-on-host="esx1"]').waitFor({ timeout: REACT_MS });
  await until(page, () => !document.querySelector('[data-testid="findings"] [data-code="host-loss-breaks-quorum"]'), null, 'undo removes the error');
  await page.locator('body').click({ position: { x: 5, y: 300 } });
  await page.keyboard.press('Control+Shift+Z');
  await canvas(page).locator('[data-node="man1"][data-on-host="esx2"]').waitFor({ timeout: REACT_MS });
  await page.keyboard.press('Control+Z');
  await canvas(page).locator('[data-node="man1"][data-on-host="esx1"]').waitFor({ timeout: REACT_MS });
  await testid(page, 'redo').click();
  await canvas(page).locator('[data-node="man1"][data-on-host="esx2"]').waitFor({ timeout: REACT_MS });
  assert.deepEqual(app.requestsSinceLoad(), [], 'editing made no request');
  await testid(page, 'undo').click();
  await canvas(page).locator('[data-node="man1"][data-on-host="esx1"]').waitFor({ timeout: REACT_MS });

  // A host dragged into another host's place moves before it. Escape closes the inspector first.
  await page.keyboard.press('Escape');
  await until(page, () => !document.querySelector('[data-testid="inspector"]'), null, 'Escape clears the selection');
  await drag(page, await hostHeader(page, 'esx3'), await hostHeader(page, 'esx1'));
  await until(
    page,
    () => [...document.querySelectorAll('[data-testid="topology"] [data-host]')].map((h) => h.dataset.host).join() === 'esx3,esx1,esx2',
    null,
    'esx3 is now drawn first',
  );
  await app.close();
});

test('failing hosts moves their tasks; the banner and services change with them', async () => {
  const app = await openApp({ acceptDownloads: true });
  const { page } = app;
  await expectFigures(page, ['3', '2', '1'], 'the default example');

  const tasksOn = (node) =>
    canvas(page).locator(`[data-node="${node}"] [data-task]`).evaluateAll((chips) => chips.map((c) => c.dataset.task));
  const app1Tasks = await tasksOn('app1');
  assert.ok(app1Tasks.length > 0, 'app1 runs tasks');

  await testid(page, 'mode-whatif').click();
  await page.mouse.click(...Object.values(await hostHeader(page, 'esx1')));
  await until(page, () => document.querySelector('[data-testid="whatif-banner"]')?.dataset.state === 'holds', null, 'the banner reports the failure');
  assert.match(await testid(page, 'whatif-quorum').textContent(), /Quorum holds: 2 of 3 managers left/);
  assert.equal(await canvas(page).locator('[data-host="esx1"]').getAttribute('data-failed'), 'true');
  for (const node of ['man1', 'app1', 'db1']) {
    assert.equal(await canvas(page).locator(`[data-node="${node}"]`).getAttribute('data-lost'), 'true', `${node} is down`);
  }
  assert.deepEqual(await tasksOn('app1'), [], 'no task stays on a lost node');
  const moved = await canvas(page).locator('[data-task][data-moved="true"]').evaluateAll((chips) =>
    chips.map((c) => ({ task: c.dataset.task, node: c.closest('[data-node]').dataset.node })),
  );
  assert.ok(moved.length > 0, 'tasks were rescheduled');
  for (const { node } of moved) assert.ok(!['man1', 'app1', 'db1', 'es-master1', 'es-data1'].includes(node), `${node} is up`);
  const movedIds = moved.map((m) => m.task);
  const replicatedFromApp1 = app1Tasks.filter((t) => movedIds.includes(t));
  assert.ok(replicatedFromApp1.length > 0, `app1's tasks ${app1Tasks} moved elsewhere (${movedIds})`);
  assert.match(await testid(page, 'whatif-detail').textContent(), /task.* rescheduled/);

  // The drawing of this moment, as a file: what `swarmplan diagram --what-if host:esx1` draws.
  const [saved] = await Promise.all([page.waitForEvent('download'), testid(page, 'download-diagram').click()]);
  assert.equal(saved.suggestedFilename(), 'msactivator-ha-what-if.svg');
  const planFile = path.join(await mkdtemp(path.join(os.tmpdir(), 'swarmplan-what-if-')), 'plan.yaml');
  await writeFile(planFile, await yaml(page).inputValue());
  const svg = await readFile(await saved.path(), 'utf8');
  assert.equal(svg, swarmplanCli('diagram', planFile, '--what-if', 'host:esx1'), 'the app draws the what-if as the command line does');
  assert.match(svg, /What if host esx1 fails: quorum kept with 2 of 3 managers/);
  // The same drawing as PNG, drawn by the browser from that SVG at two pixels per unit.
  const [png] = await Promise.all([page.waitForEvent('download'), testid(page, 'download-diagram-png').click()]);
  assert.equal(png.suggestedFilename(), 'msactivator-ha-what-if.png');
  const bytes = await readFile(await png.path());
  assert.equal(bytes.subarray(1, 4).toString('latin1'), 'PNG', 'a PNG file');
  const [, svgWidth, svgHeight] = svg.match(/^<svg [^>]*width="([\d.]+)" height="([\d.]+)"/);
  assert.deepEqual([bytes.readUInt32BE(16), bytes.readUInt32BE(20)], [Math.ceil(svgWidth * 2), Math.ceil(svgHeight * 2)], 'the PNG is the SVG at twice its size');

  // The services panel shows the same moment.
  await testid(page, 'tab-services').click();
  const services = testid(page, 'services');
  await services.waitFor();
  assert.match(await testid(page, 'services-panel').textContent(), /with the what-if's failures/);
  const hostsCells = await services.locator('[data-testid="svc-hosts"]').allTextContents();
  assert.ok(hostsCells.length > 0, 'services say where they run');
  assert.ok(hostsCells.every((cell) => !/\besx1\b/.test(cell)), 'no service runs on esx1');
  await page.screenshot({ path: path.join(ARTIFACTS, 'whatif-host.png') });

  // A second host at once: quorum is lost.
  await page.mouse.click(...Object.values(await hostHeader(page, 'esx2')));
  await until(page, () => document.querySelector('[data-testid="whatif-banner"]')?.dataset.state === 'lost', null, 'two hosts lose quorum');
  assert.match(await testid(page, 'whatif-quorum').textContent(), /Quorum lost: 1 of 3 managers left/);
  await page.screenshot({ path: path.join(ARTIFACTS, 'whatif-quorum-lost.png') });

  await testid(page, 'whatif-clear').click();
  await until(page, () => document.querySelector('[data-testid="whatif-banner"]')?.dataset.state === 'idle', null, 'restored');
  assert.deepEqual(await tasksOn('app1'), app1Tasks, 'the tasks are back where they were');
  assert.deepEqual(app.requestsSinceLoad(), [], 'no request at all after the page loaded');
  await app.close();
});

/** `swarmplan ARGS...`; its stdout, whatever its exit code (1 means errors were found). */
function swarmplanCli(...args) {
  assert.ok(CLI, 'set SWARMPLAN_CLI to the swarmplan binary (cargo xtask test does)');
  const run = spawnSync(CLI, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.ok(run.status === 0 || run.status === 1, `swarmplan ${args.join(' ')}: ${run.stderr}`);
  return run.stdout;
}

/** What `swarmplan analyze FILE FLAGS…` says under each service: its ties and its odds. */
function cliServices(file, ...flags) {
  const said = new Map();
  let current = null;
  for (const line of swarmplanCli('analyze', file, ...flags).split('\n')) {
    const row = line.match(/^ {2}(\S+\/\S+) {2,}/);
    const more = line.match(/^ {6}(.+)$/);
    if (row) said.set((current = row[1]), {});
    else if (current && more) said.get(current)[more[1].startsWith('odds over ') ? 'odds' : 'ties'] = more[1];
    else current = null;
  }
  return said;
}

/** What a failure stops or degrades, in the words of the failure-domains table. */
function servicesText(failure) {
  const parts = [];
  if (failure.services.down.length) parts.push(`down: ${failure.services.down.join(', ')}`);
  if (failure.services.degraded.length) parts.push(`degraded: ${failure.services.degraded.join(', ')}`);
  return parts.length ? parts.join('; ') : '—';
}

test('every example and every single-domain failure render as `swarmplan analyze --json` reports them', async () => {
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'swarmplan-page-vs-cli-'));
  const app = await openApp();
  const { page } = app;
  const select = page.locator('[data-testid="example-select"]');
  const ids = (await select.locator('option').evaluateAll((options) => options.map((o) => o.value))).filter(Boolean);
  assert.equal(ids.length, 5, 'five examples');
  let compared = 0;
  let expected = 0;
  for (const id of ids) {
    const file = path.join(scratch, `${id}.yaml`);
    await writeFile(file, swarmplanCli('example', id));
    const analysis = JSON.parse(swarmplanCli('analyze', file, '--json'));
    await testid(page, 'mode-select').click();
    await select.selectOption(id);
    const name = (await readFile(file, 'utf8')).match(/^name: (.+)$/m)[1];
    await until(page, (name) => document.querySelector('[data-testid="plan-name"]')?.textContent.trim() === name, name, `${id} is loaded`);
    assert.equal((await testid(page, 'survival-summary').textContent()).trim(), analysis.survival.summary, `${id}: the survival summary`);
    const worst = analysis.failures.some((f) => f.domain !== 'hosts' && !f.quorum)
      ? 'lost'
      : analysis.failures.some((f) => f.domain !== 'hosts' && (f.services.down.length || f.services.degraded.length))
        ? 'warning'
        : 'ok';
    assert.equal(await page.locator('p.survival').getAttribute('data-impact'), worst, `${id}: the summary's colour`);

    const singles = analysis.failures.filter((f) => f.domain !== 'hosts');
    expected += singles.length;
    for (const failure of singles) {
      const cells = (await page.locator(`[data-testid="failure-domains"] tr[data-domain="${failure.domain}:${failure.name}"] td`).allTextContents()).map((c) => c.trim());
      const why = `${id}, ${failure.domain} ${failure.name}`;
      assert.equal(cells[2], String(failure.lost_nodes.length), `${why}: nodes lost`);
      assert.equal(cells[3], String(failure.managers_left), `${why}: managers left`);
      assert.equal(cells[4], failure.quorum ? 'yes' : 'no', `${why}: quorum`);
      assert.equal(cells[5], servicesText(failure), `${why}: what stops or degrades`);
    }

    // Where Swarm could equally have drawn other nodes the services panel says which, as
    // `analyze --no-odds` does; sampled on request, its ties and odds are those `analyze`
    // states (it samples by default). Each tied task's chip names its ties.
    const unsampled = cliServices(file, '--no-odds');
    const said = cliServices(file);
    assert.equal(said.size, analysis.services.length, `${id}: the CLI lists every service`);
    await testid(page, 'tab-services').click();
    await testid(page, 'services').waitFor();
    const panel = async (what) =>
      Object.fromEntries(
        await testid(page, 'services').locator('tr[data-service]').evaluateAll(
          (rows, what) => rows.map((r) => [r.dataset.service, r.querySelector(`[data-testid="svc-${what}"]`)?.textContent ?? null]),
          what,
        ),
      );
    const ties = await panel('ties');
    for (const [service, words] of unsampled) {
      assert.equal(ties[service], words.ties ? `as Swarm draws: ${words.ties}` : null, `${id}: ${service}'s ties`);
    }
    const placement = JSON.parse(swarmplanCli('analyze', file, '--json', '--no-odds')).placement;
    for (const task of placement.filter((t) => Array.isArray(t.ties) && t.ties.length)) {
      const chip = canvas(page).locator(`[data-node="${task.node}"] [data-task="${task.stack}/${task.service}.${task.slot}"]`);
      if ((await chip.count()) === 0) continue; // past the chips a card shows ("+N")
      assert.equal(await chip.getAttribute('data-ties'), `one of ${[task.node, ...task.ties].join(', ')}`, `${id}: the chip of ${task.service}.${task.slot}`);
    }
    await testid(page, 'sample-odds').click();
    const firstOdds = [...said].find(([, w]) => w.odds)?.[0];
    if (firstOdds) await testid(page, 'services').locator(`tr[data-service="${firstOdds}"] [data-testid="svc-odds"]`).waitFor({ timeout: REACT_MS });
    const [sampledTies, odds] = [await panel('ties'), await panel('odds')];
    for (const [service, words] of said) {
      assert.equal(sampledTies[service], words.ties ? `as Swarm draws: ${words.ties}` : null, `${id}: ${service}'s ties, sampled`);
      assert.equal(odds[service], words.odds ?? null, `${id}: ${service}'s odds`);
    }

    // The same failures as what-ifs: the services panel shows each service's health in them.
    const baseline = new Map(analysis.services.map((s) => [`${s.stack}/${s.service}`, s.health]));
    await testid(page, 'mode-whatif').click();
    await testid(page, 'services').waitFor();
    for (const failure of singles) {
      const why = `${id}, what if ${failure.domain} ${failure.name} fails`;
      const shape = failure.domain === 'host' ? `[data-host="${failure.name}"]` : `[data-region="${failure.name}"]`;
      await canvas(page).locator(shape).first().focus();
      await page.keyboard.press('Enter');
      await until(page, () => document.querySelector('[data-testid="whatif-banner"]')?.dataset.state !== 'idle', null, `${why}: the banner reports it`);
      assert.equal(await testid(page, 'whatif-banner').getAttribute('data-state'), failure.quorum ? 'holds' : 'lost', `${why}: quorum`);
      assert.match(await testid(page, 'whatif-quorum').textContent(), new RegExp(`${failure.managers_left} of ${analysis.quorum.managers} managers left`), `${why}: managers left`);
      const states = Object.fromEntries(
        await testid(page, 'services').locator('tr[data-service]').evaluateAll((rows) => rows.map((r) => [r.dataset.service, r.dataset.state])),
      );
      for (const [service, before] of baseline) {
        const expected = failure.services.down.includes(service) ? 'down' : failure.services.degraded.includes(service) ? 'degraded' : before;
        assert.equal(states[service], expected, `${why}: ${service}`);
      }
      await testid(page, 'whatif-clear').click();
      await until(page, () => document.querySelector('[data-testid="whatif-banner"]')?.dataset.state === 'idle', null, `${why}: restored`);
      compared += 1;
    }
  }
  assert.ok(expected > 0 && compared === expected, `every single-domain failure of every example was compared (${compared} of ${expected})`);
  await app.close();
});

test('exports: preview a file, download it and the zip with every entry', async () => {
  const app = await openApp({ acceptDownloads: true });
  const { page } = app;
  await testid(page, 'tab-exports').click();
  const files = page.locator('[data-testid="export-files"] [data-path]');
  await files.first().waitFor();
  assert.ok(app.requests.some((url) => isChunk(url) && url.includes('_split_exports.')), 'the exports chunk was fetched when its tab opened');
  const paths = await files.evaluateAll((items) => items.map((i) => i.dataset.path));
  assert.ok(paths.length >= 5, `several files: ${paths}`);
  assert.ok(paths.some((p) => /\.ya?ml$/.test(p)), 'stack files');
  assert.ok(paths.some((p) => /\.sh$/.test(p)), 'scripts');
  assert.match(await testid(page, 'rehearse-hint').textContent(), /swarmplan lab up msactivator-ha\.swarmplan\.yaml/, 'the panel says how to rehearse the bundle');

  await files.first().click();
  const preview = testid(page, 'export-preview');
  await preview.waitFor();
  assert.ok((await preview.textContent()).length > 0, 'the preview shows the file');
  const [single] = await Promise.all([page.waitForEvent('download'), testid(page, 'download-file').click()]);
  assert.equal(single.suggestedFilename(), paths[0].split('/').pop());

  // The diagram is previewed as drawn: Chromium renders the exported SVG at its own size.
  await page.locator('[data-testid="export-files"] [data-path="diagram.svg"]').click();
  const diagram = testid(page, 'export-diagram');
  await diagram.waitFor();
  const drawn = await diagram.evaluate(async (img) => {
    await img.decode();
    const svg = decodeURIComponent(img.src.slice(img.src.indexOf(',') + 1));
    return { width: img.naturalWidth, height: img.naturalHeight, svg };
  });
  const [, svgWidth, svgHeight] = drawn.svg.match(/^<svg [^>]*width="([\d.]+)" height="([\d.]+)"/);
  assert.deepEqual([drawn.width, drawn.height], [Math.round(Number(svgWidth)), Math.round(Number(svgHeight))], 'the diagram renders at its own size');
  for (const node of ['man1', 'man2', 'man3', 'app1', 'db2']) assert.ok(drawn.svg.includes(`data-node="${node}"`), `${node} is drawn`);
  // The app opens on the MSactivator example; the exports tab has taken the editor's place.
  const planFile = path.join(await mkdtemp(path.join(os.tmpdir(), 'swarmplan-diagram-')), 'plan.yaml');
  await writeFile(planFile, swarmplanCli('example', 'msactivator'));
  assert.equal(drawn.svg, swarmplanCli('diagram', planFile), 'the app exports the diagram `swarmplan diagram` draws');
  await diagram.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(ARTIFACTS, 'diagram.png') });

  const [download] = await Promise.all([page.waitForEvent('download'), testid(page, 'download-zip').click()]);
  assert.equal(download.suggestedFilename(), 'msactivator-ha.zip');
  const saved = path.join(ARTIFACTS, 'bundle.zip');
  await download.saveAs(saved);
  const bytes = await readFile(saved);
  assert.equal(bytes.readUInt32LE(0), 0x04034b50, 'a zip file');
  const entries = zipEntries(bytes);
  for (const p of paths) assert.ok(entries.some((e) => e === p || e.endsWith(`/${p}`)), `${p} is in the zip (${entries})`);
  await page.screenshot({ path: path.join(ARTIFACTS, 'exports.png') });

  // The firewall matrix, and the check of a pasted --list-all.
  await testid(page, 'tab-firewall').click();
  await testid(page, 'firewall-matrix').waitFor();
  assert.match(await testid(page, 'firewall-matrix').textContent(), /2377\/tcp/);
  await testid(page, 'firewall-paste').fill('public (active)\n  target: default\n  interfaces: eth0\n  ports: 22/tcp\n');
  await testid(page, 'firewall-check').waitFor({ timeout: REACT_MS });
  assert.equal(await testid(page, 'firewall-check').getAttribute('data-clean'), 'false', 'missing swarm ports are reported');
  await page.screenshot({ path: path.join(ARTIFACTS, 'firewall.png') });
  assert.deepEqual(app.requestsSinceLoad(), [], 'exports and downloads made no request');
  await app.close();
});

test('a share link carries the plan; a compose file imports as a stack', async () => {
  const app = await openApp();
  const { page } = app;
  const edited = withFourthManager(await yaml(page).inputValue()).replace(/^name: .*$/m, 'name: Shared plan');
  await yaml(page).fill(edited);
  await expectFigures(page, ['4', '3', '1'], 'four managers');
  await testid(page, 'share').click();
  const link = await testid(page, 'share-link').inputValue();
  assert.ok(link.startsWith(`${origin}/#plan=`), link);
  assert.ok(link.length < edited.length, 'the link is compressed');
  await testid(page, 'share-close').click();

  // Another browser, another localStorage: the link alone brings the plan.
  const other = await browser.newContext({ viewport: VIEWPORT });
  const requests = [];
  other.on('request', (r) => requests.push(r.url()));
  const second = await other.newPage();
  await second.goto(link);
  await second.locator('[data-testid="quorum-managers"]').waitFor();
  await expectFigures(second, ['4', '3', '1'], 'the shared plan');
  assert.equal((await testid(second, 'plan-name').textContent()).trim(), 'Shared plan');
  assert.equal(new URL(second.url()).hash, '', 'the fragment is cleared, so a reload keeps later edits');
  assert.ok(requests.every((url) => url.startsWith(`${origin}/`)), 'the link made no other request');
  await other.close();

  // Import a compose file: its service appears in the services panel and on the canvas.
  await page.locator('[data-testid="import-input"]').setInputFiles({
    name: 'whoami.yml',
    mimeType: 'application/yaml',
    buffer: Buffer.from('services:\n  whoami:\n    image: traefik/whoami:v1.10\n    deploy:\n      replicas: 2\n'),
  });
  await testid(page, 'tab-services').click();
  const row = page.locator('[data-testid="services"] tr[data-service="whoami/whoami"]');
  await row.waitFor({ timeout: REACT_MS });
  assert.equal((await row.locator('[data-testid="svc-placed"]').textContent()).trim(), '2/2');
  assert.equal(await canvas(page).locator('[data-task^="whoami/whoami."]').count(), 2);
  await page.screenshot({ path: path.join(ARTIFACTS, 'services.png') });
  await testid(page, 'undo').click();
  await until(page, () => !document.querySelector('[data-task^="whoami/whoami."]'), null, 'undo removes the import');

  // Dropping a compose file anywhere on the page imports it too.
  await page.evaluate(() => {
    const transfer = new DataTransfer();
    transfer.items.add(new File(['services:\n  cache:\n    image: redis:7\n'], 'cache.yml', { type: 'application/yaml' }));
    document.body.dispatchEvent(new DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
  });
  await page.locator('[data-testid="services"] tr[data-service="cache/cache"]').waitFor({ timeout: REACT_MS });
  await app.close();
});

test('works at 1280×800 with nothing off screen in the top bar', async () => {
  const app = await openApp({ viewport: { width: 1280, height: 800 } });
  const { page } = app;
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no horizontal scrolling (${overflow}px)`);
  const right = await page.evaluate(() =>
    Math.max(...[...document.querySelectorAll('.topbar button, .topbar select')].map((e) => e.getBoundingClientRect().right)),
  );
  assert.ok(right <= 1280, `the top bar fits (${right})`);
  await page.screenshot({ path: path.join(ARTIFACTS, 'small-screen.png') });
  await app.close();
});

test('runbook steps can be ticked, and the ticks survive a reload', async () => {
  const app = await openApp();
  const { page } = app;
  await testid(page, 'tab-runbooks').click();
  const steps = page.locator('[data-testid="runbook-steps"] [data-step]');
  await steps.first().waitFor({ timeout: REACT_MS });
  const count = await steps.count();
  assert.ok(count >= 5, `the install runbook has steps (${count})`);
  assert.match(await testid(page, 'runbook-progress').textContent(), new RegExp(`^0 of ${count} steps done`));
  const first = await steps.nth(0).getAttribute('data-step');
  const second = await steps.nth(1).getAttribute('data-step');
  await steps.nth(0).locator('input[type="checkbox"]').check();
  await steps.nth(1).locator('input[type="checkbox"]').press('Space');
  await until(page, (n) => document.querySelector('[data-testid="runbook-progress"]')?.textContent.startsWith(`2 of ${n}`), count, 'two steps ticked');
  await page.screenshot({ path: path.join(ARTIFACTS, 'runbooks.png') });

  await page.reload();
  await page.locator('[data-testid="quorum-managers"]').waitFor();
  await testid(page, 'tab-runbooks').click();
  await steps.first().waitFor({ timeout: REACT_MS });
  for (const id of [first, second]) {
    assert.equal(await page.locator(`[data-step="${id}"] input[type="checkbox"]`).isChecked(), true, `${id} stays ticked`);
  }
  assert.equal(await steps.nth(2).locator('input[type="checkbox"]').isChecked(), false);
  await app.close();
});

test('the sizing wizard sizes the example\'s stacks for three servers and opens a plan that survives a host loss', async () => {
  const app = await openApp();
  const { page } = app;
  const nodesBefore = await canvas(page).locator('[data-node]').count();

  await testid(page, 'open-gallery').click();
  await testid(page, 'open-sizing').click();
  const wizard = testid(page, 'sizing-wizard');
  await wizard.waitFor();
  assert.equal(await testid(page, 'gallery').count(), 0, 'the gallery made way for the wizard');
  await testid(page, 'sizing-servers').fill('3');
  await testid(page, 'sizing-survive').selectOption('host');
  assert.equal(await testid(page, 'sizing-stacks-plan').isChecked(), true, 'the plan\'s stacks by default');
  assert.match(await wizard.textContent(), /This plan's stacks \(\d+\)/);
  // Keyboard: the Size button answers Enter.
  await testid(page, 'sizing-run').press('Enter');
  const alternatives = page.locator('[data-testid="sizing-alternative"]');
  await alternatives.first().waitFor({ timeout: REACT_MS });
  const count = await alternatives.count();
  assert.ok(count >= 1 && count <= 3, `one to three alternatives (${count})`);
  const vms = Number((await alternatives.first().locator('[data-testid="sizing-vms"]').textContent()).trim());
  assert.ok(vms >= 8, `at least 8 VMs, as the MSactivator guide says (${vms})`);
  assert.match(await alternatives.first().locator('[data-testid="sizing-managers"]').textContent(), /^3 managers \(1-1-1\)/);
  assert.equal(await alternatives.first().locator('.size-load tbody tr').count(), 3, 'the load of each of three servers');
  await page.screenshot({ path: path.join(ARTIFACTS, 'sizing.png') });

  await alternatives.first().locator('[data-testid="sizing-open"]').click();
  await until(page, () => !document.querySelector('[data-testid="sizing-wizard"]'), null, 'the wizard closes');
  await until(
    page,
    () => /survives any single host loss/.test(document.querySelector('[data-testid="survival-summary"]')?.textContent),
    null,
    'the sized plan survives any single host loss',
  );
  await expectFigures(page, ['3', '2', '1'], 'three managers');
  assert.equal(await canvas(page).locator('[data-node]').count(), vms, 'every VM is on the canvas');
  assert.equal(await canvas(page).locator('[data-host]').count(), 3, 'three servers');

  // One undoable edit.
  await testid(page, 'undo').click();
  await until(page, (n) => document.querySelectorAll('[data-testid="topology"] [data-node]').length === n, nodesBefore, 'undo returns to the example');

  // An impossible request says why.
  await testid(page, 'open-gallery').click();
  await testid(page, 'open-sizing').click();
  await testid(page, 'sizing-servers').fill('2');
  await testid(page, 'sizing-survive').selectOption('site');
  await testid(page, 'sizing-run').click();
  await page.locator('[data-testid="sizing-result"] [data-testid="sizing-findings"] li, [data-testid="sizing-error"]').first().waitFor({ timeout: REACT_MS });
  assert.equal(await page.locator('[data-testid="sizing-alternative"]').count(), 0, 'nothing to open');
  await page.keyboard.press('Escape');
  await until(page, () => !document.querySelector('[data-testid="sizing-wizard"]'), null, 'Escape closes the wizard');
  await app.close();
});

/** `docker node inspect` output of a small cluster: three managers (one the leader), a drained worker. */
const NODE_INSPECT = JSON.stringify(
  [
    ['mgr1', 'manager', 'active', true, '10.1.0.11', {}],
    ['mgr2', 'manager', 'active', false, '10.1.0.12', {}],
    ['mgr3', 'manager', 'active', false, '10.1.0.13', {}],
    ['wrk1', 'worker', 'drain', false, '10.1.0.21', { worker: 'app' }],
  ].map(([hostname, role, availability, leader, addr, labels], i) => ({
    ID: `node${i}abcdef`,
    Version: { Index: 10 + i },
    Spec: { Labels: labels, Role: role, Availability: availability },
    Description: {
      Hostname: hostname,
      Platform: { Architecture: 'x86_64', OS: 'linux' },
      Resources: { NanoCPUs: 4000000000, MemoryBytes: 8589934592 },
      Engine: { EngineVersion: '27.3.1', Labels: {} },
    },
    Status: { State: 'ready', Addr: addr },
    ...(role === 'manager'
      ? { ManagerStatus: { Leader: leader, Reachability: 'reachable', Addr: `${addr}:2377` } }
      : {}),
  })),
  null,
  2,
);

test('pasting docker node inspect JSON loads the running swarm as one undoable edit', async () => {
  const app = await openApp();
  const { page } = app;
  await testid(page, 'open-gallery').click();
  await testid(page, 'open-cluster-import').click();
  await testid(page, 'cluster-import').waitFor();
  assert.equal(await testid(page, 'cluster-load').isDisabled(), true, 'nothing to load yet');
  await testid(page, 'cluster-nodes').fill('[{');
  await testid(page, 'cluster-error').waitFor({ timeout: REACT_MS });
  assert.match(await testid(page, 'cluster-error').textContent(), /line \d+, column \d+/);
  await testid(page, 'cluster-nodes').fill(NODE_INSPECT);
  await until(
    page,
    () => /^4 nodes \(3 managers\)/.test(document.querySelector('[data-testid="cluster-summary"]')?.textContent ?? ''),
    null,
    'the preview counts the nodes',
  );
  assert.ok((await page.locator('[data-testid="cluster-findings"] li').count()) > 0, 'the import says what it could not know');
  await page.screenshot({ path: path.join(ARTIFACTS, 'cluster-import.png') });
  await testid(page, 'cluster-load').click();
  await until(page, () => !document.querySelector('[data-testid="cluster-import"]'), null, 'the dialog closes');
  await expectFigures(page, ['3', '2', '1'], 'three managers from the JSON');
  for (const name of ['mgr1', 'mgr2', 'mgr3', 'wrk1']) {
    await canvas(page).locator(`[data-node="${name}"]`).waitFor({ timeout: REACT_MS });
  }
  assert.equal(await canvas(page).locator('[data-role="manager"]').count(), 3);
  assert.match(await yaml(page).inputValue(), /name: wrk1[\s\S]*availability: drain/, 'the drained worker stays drained');
  await testid(page, 'undo').click();
  await until(page, () => !document.querySelector('[data-testid="topology"] [data-node="mgr1"]'), null, 'undo brings the plan back');
  assert.equal((await testid(page, 'plan-name').textContent()).trim(), 'MSactivator HA');
  await app.close();
});

test('comparing with a changed plan shows the added manager and the quorum before and after', async () => {
  const app = await openApp();
  const { page } = app;
  const changed = withFourthManager(await yaml(page).inputValue());
  await testid(page, 'tab-compare').click();
  await testid(page, 'compare-paste').click();
  await testid(page, 'compare-text').fill(changed);
  await testid(page, 'compare-go').click();
  const nodes = testid(page, 'diff-nodes');
  await nodes.waitFor({ timeout: REACT_MS });
  assert.match(await nodes.textContent(), /man4 \(manager\) added/);
  assert.equal(
    (await testid(page, 'diff-quorum').textContent()).trim(),
    '3 managers (majority 2, tolerates 1) → 4 managers (majority 3, tolerates 1)',
  );
  await page.screenshot({ path: path.join(ARTIFACTS, 'compare.png') });

  // The other way round, the manager is removed.
  await testid(page, 'compare-swap').click();
  await until(page, () => /man4 \(manager\) removed/.test(document.querySelector('[data-testid="diff-nodes"]')?.textContent ?? ''), null, 'swapped');

  // The version the page opened with is this plan: nothing differs, until the plan changes.
  await testid(page, 'compare-opened').click();
  await testid(page, 'diff-none').waitFor({ timeout: REACT_MS });
  await testid(page, 'tab-yaml').click();
  await yaml(page).fill(changed);
  await expectFigures(page, ['4', '3', '1'], 'four managers');
  await testid(page, 'tab-compare').click();
  await until(page, () => /man4 \(manager\) added/.test(document.querySelector('[data-testid="diff-nodes"]')?.textContent ?? ''), null, 'the edit shows as added since the page opened');
  await app.close();
});

test('the app starts without its chunks; a panel whose chunk cannot be fetched says so, and opening it again loads it', async () => {
  // The server refuses the app's chunks, as when it has gone away or serves a newer build.
  const refuse = (route) => route.abort('connectionrefused');
  const chunk = (url) => isChunk(url.href);
  const app = await openApp({}, { beforeLoad: (page) => page.route(chunk, refuse) });
  const { page } = app;
  await expectFigures(page, ['3', '2', '1'], 'the first view needs no chunk');
  // The top bar says that the app still needs its server.
  const offline = testid(page, 'offline-state');
  await until(page, () => document.querySelector('[data-testid="offline-state"]')?.dataset.state === 'incomplete', null, 'the background fetch ends');
  assert.equal((await offline.textContent()).trim(), 'Needs its server');
  await testid(page, 'tab-exports').click();
  const error = testid(page, 'chunk-error');
  await error.waitFor({ timeout: REACT_MS });
  assert.match(await error.textContent(), /could not be fetched/);
  assert.equal(await testid(page, 'export-files').count(), 0, 'no exports without their chunk');

  // The rest of the app still answers: an edit re-analyses the plan.
  await testid(page, 'tab-yaml').click();
  await yaml(page).fill(withFourthManager(await yaml(page).inputValue()));
  await expectFigures(page, ['4', '3', '1'], 'the app still analyses edits');

  // The server is back: opening the panel again fetches it.
  await page.unroute(chunk, refuse);
  await testid(page, 'tab-exports').click();
  await page.locator('[data-testid="export-files"] [data-path]').first().waitFor({ timeout: REACT_MS });
  assert.equal(await testid(page, 'chunk-error').count(), 0);

  // The refused fetches were reported, and nothing else went wrong.
  const unexpected = app.problems.filter(
    (p) =>
      !(p.startsWith('request failed: ') && isChunk(p.slice('request failed: '.length))) &&
      !/^console error: (Failed to load resource: net::ERR_CONNECTION_REFUSED|TypeError: Failed to fetch)/.test(p),
  );
  assert.deepEqual(unexpected, [], 'only the refused chunk fetches failed');
  app.problems.length = 0;
  await app.close();
});

test('once the page is up, every chunk arrives in the background: the app then works without its server', async () => {
  const app = await openApp();
  const { page } = app;
  const chunks = (await readdir(DIST)).filter((name) => isChunk(`${origin}/${name}`));
  assert.ok(chunks.length > 5, `the build has chunks: ${chunks}`);
  // The top bar says so once they are in.
  await until(page, () => document.querySelector('[data-testid="offline-state"]')?.dataset.state === 'ready', null, 'the top bar says the app works offline');
  assert.equal((await testid(page, 'offline-state').textContent()).trim(), 'Works offline');
  await until(
    page,
    (count) => performance.getEntriesByType('resource').filter((e) => /_(chunk_\d+|split_\w+)\.wasm$/.test(e.name)).length >= count,
    chunks.length,
    'every chunk fetched after start',
  );
  // The server goes away; every panel still opens.
  await page.route(() => true, (route) => route.abort('connectionrefused'));
  for (const [tab, ready] of [
    ['tab-services', 'services'],
    ['tab-firewall', 'firewall-matrix'],
    ['tab-exports', 'export-files'],
    ['tab-runbooks', 'runbook-steps'],
  ]) {
    await testid(page, tab).click();
    await testid(page, ready).waitFor({ timeout: REACT_MS });
  }
  assert.equal(await testid(page, 'chunk-error').count(), 0);
  await app.close();
});

test('the page refuses inline scripts: its policy has no unsafe-inline, and an injected script does not run', async () => {
  const app = await openApp();
  const { page } = app;
  const policy = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  const scriptSrc = policy
    .split(';')
    .map((d) => d.trim())
    .find((d) => d.startsWith('script-src'));
  assert.ok(scriptSrc && !scriptSrc.includes("'unsafe-inline'"), `script-src refuses inline scripts: ${scriptSrc}`);
  assert.equal(await page.locator('script:not([src])').count(), 0, 'the page itself has no inline script');
  const outcome = await page.evaluate(
    () =>
      new Promise((resolve) => {
        document.addEventListener('securitypolicyviolation', (e) => resolve({ refused: e.violatedDirective, ran: window.injected === true }), { once: true });
        const script = document.createElement('script');
        script.textContent = 'window.injected = true;';
        document.head.append(script);
        setTimeout(() => resolve({ refused: null, ran: window.injected === true }), 3000);
      }),
  );
  assert.equal(outcome.ran, false, 'the injected script did not run');
  assert.match(outcome.refused ?? '', /^script-src/, 'the policy refused it');
  const refused = app.problems.splice(0);
  assert.ok(refused.every((p) => /Content Security Policy/.test(p)), `only the refusal was reported: ${refused.join('\n')}`);

  // The app itself runs under the policy: an edit is analysed.
  await yaml(page).fill(withFourthManager(await yaml(page).inputValue()));
  await expectFigures(page, ['4', '3', '1'], 'four managers after the edit');
  await app.close();
});

test('every panel passes axe-core with no serious or critical violation, in light and dark mode', async () => {
  const axe = await readFile(path.join(path.dirname(fileURLToPath(import.meta.url)), 'node_modules/axe-core/axe.min.js'), 'utf8');
  const checked = [];
  for (const scheme of ['light', 'dark']) {
    const app = await openApp({ colorScheme: scheme });
    const { page } = app;
    // Injected through the DevTools protocol, which the page's policy does not govern.
    await page.evaluate(axe);
    const audit = async (what) => {
      const result = await page.evaluate(async () => {
        const { violations } = await window.axe.run(document, { resultTypes: ['violations'] });
        return violations
          .filter((v) => v.impact === 'serious' || v.impact === 'critical')
          .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(' | ')})`);
      });
      assert.deepEqual(result, [], `${scheme}, ${what}: axe-core finds no serious or critical violation`);
      checked.push(`${scheme} ${what}`);
    };
    for (const tab of ['yaml', 'services', 'firewall', 'exports', 'runbooks', 'compare']) {
      await testid(page, `tab-${tab}`).click();
      await page.locator('#side-panel [data-testid]').first().waitFor({ timeout: REACT_MS });
      await audit(`the ${tab} panel`);
    }
    // What-if mode with a host failed: the banner, the lost host, the moved tasks.
    await testid(page, 'mode-whatif').click();
    await canvas(page).locator('[data-host="esx1"]').first().focus();
    await page.keyboard.press('Enter');
    await until(page, () => document.querySelector('[data-testid="whatif-banner"]')?.dataset.state !== 'idle', null, 'the what-if applies');
    await audit('a what-if with esx1 failed');
    await app.close();
  }
  assert.equal(checked.length, 14, `every panel in both schemes: ${checked.join(', ')}`);
});

test('a runbook prints as a checklist on A4 and Letter: no step is split over a page, each has its id and node in the margin and a line to sign', async () => {
  const app = await openApp();
  const { page } = app;
  await testid(page, 'tab-runbooks').click();
  await testid(page, 'runbook-steps').locator('li[data-step]').first().waitFor({ timeout: REACT_MS });
  await page.emulateMedia({ media: 'print' });
  // Without white space, and without hyphens: pdftotext joins a word hyphenated at a line's end,
  // as an id wrapped in the margin is.
  const squeeze = (text) => text.replace(/[\s-]+/g, '');
  const steps = await testid(page, 'runbook-steps')
    .locator('li[data-step]')
    .evaluateAll((items) => items.map((li) => ({ id: li.dataset.step, node: li.dataset.runsOn, text: li.innerText })));
  assert.ok(steps.length > 10, 'a runbook of many steps');
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'swarmplan-print-'));
  for (const format of ['A4', 'Letter']) {
    const file = path.join(scratch, `install-${format}.pdf`);
    await writeFile(file, await page.pdf({ format }));
    const run = spawnSync('pdftotext', [file, '-'], { encoding: 'utf8' });
    assert.equal(run.status, 0, `pdftotext (poppler-utils; cargo xtask test installs it): ${run.stderr}`);
    const pages = run.stdout.split('\f').map(squeeze);
    assert.ok(pages.length > 2, `${format}: the runbook takes several pages (${pages.length})`);
    for (const step of steps) {
      // The margin says the step's id and node; the step's own text ends on that same page.
      const margin = squeeze(`${step.id}${step.node}`);
      const at = pages.findIndex((p) => p.includes(margin));
      assert.ok(at >= 0, `${format}: step ${step.id} has its id and node in the margin`);
      // The line to sign closes the step: it must be on the page the step starts on.
      const signed = squeeze(`done ${step.id} by`);
      assert.ok(pages[at].indexOf(signed, pages[at].indexOf(margin)) >= 0, `${format}: step ${step.id} ends on the page it starts on (page ${at + 1})`);
    }
    if (format === 'A4') await page.screenshot({ path: path.join(ARTIFACTS, 'runbook-print.png'), fullPage: true });
  }
  await page.emulateMedia({ media: 'screen' });
  await app.close();
});

test('the design report: the app downloads what `swarmplan report` prints, and every example prints on A4 and Letter with no table row split over a page', async () => {
  const app = await openApp({ acceptDownloads: true });
  const { page } = app;
  await testid(page, 'tab-exports').click();
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'swarmplan-report-'));
  const planFile = path.join(scratch, 'msactivator.yaml');
  await writeFile(planFile, swarmplanCli('example', 'msactivator'));
  for (const [button, name, format] of [['download-report', 'msactivator-ha-design.html', 'html'], ['download-report-md', 'msactivator-ha-design.md', 'md']]) {
    const [saved] = await Promise.all([page.waitForEvent('download'), testid(page, button).click()]);
    assert.equal(saved.suggestedFilename(), name);
    assert.equal(await readFile(await saved.path(), 'utf8'), swarmplanCli('report', planFile, '--format', format), `the app's ${format} report is the command line's`);
  }
  assert.deepEqual(app.requestsSinceLoad(), [], 'the report is made in the page');
  await app.close();

  // Each example's report, opened as the customer opens the file: nothing fetched, nothing run.
  const context = await browser.newContext({ viewport: VIEWPORT });
  const report = await context.newPage();
  const problems = [];
  report.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  report.on('console', (message) => message.type() === 'error' && problems.push(`console error: ${message.text()}`));
  report.on('request', (request) => problems.push(`request: ${request.url()}`));
  await report.emulateMedia({ media: 'print' });
  const squeeze = (text) => text.replace(/[\s-]+/g, '');
  const ids = swarmplanCli('example').trim().split('\n').map((line) => line.split(/\s+/)[0]);
  assert.ok(ids.length >= 5, `the examples: ${ids}`);
  // And a plan of 30 VMs and 300 tasks, whose long tables have rows of many lines at the foot of
  // a page: without the print stylesheet, Chromium splits some of them.
  const plans = [...ids.map((id) => [id, swarmplanCli('example', id)]), ['30-vms', generated(6, 30, 30)]];
  const counts = [];
  for (const [id, text] of plans) {
    const file = path.join(scratch, `${id}.yaml`);
    await writeFile(file, text);
    const html = swarmplanCli('report', file);
    assert.doesNotMatch(html, /<script|\b(?:src|href)="(?!#)|url\(/i, `${id}: the report refers to nothing outside itself`);
    await report.setContent(html);
    const sections = await report.locator('section h2').allTextContents();
    for (const title of ['Summary', 'Manager quorum', 'Failures', 'Where tasks run', 'Findings', 'Ports', 'Virtual machines and servers', 'Runbooks']) {
      assert.ok(sections.includes(title), `${id}: the report has its ${title}`);
    }
    const vms = await report.locator('section#machines table').first().locator('tbody tr').count();
    assert.equal(await report.locator('figure svg [data-node]').count(), vms, `${id}: the diagram draws every VM`);
    const rows = (await report.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.innerText))).map(squeeze);
    assert.ok(rows.length > 20, `${id}: tables of many rows (${rows.length})`);
    for (const format of ['A4', 'Letter']) {
      const pdf = path.join(ARTIFACTS, `report-${id}-${format}.pdf`);
      await writeFile(pdf, await report.pdf({ format }));
      const run = spawnSync('pdftotext', ['-raw', pdf, '-'], { encoding: 'utf8' });
      assert.equal(run.status, 0, `pdftotext (poppler-utils; cargo xtask test installs it): ${run.stderr}`);
      const pages = run.stdout.split('\f').filter((p) => p.trim() !== '').map(squeeze);
      assert.ok(pages.length >= 2, `${id} on ${format}: several pages (${pages.length})`);
      for (const row of rows) assert.ok(pages.some((p) => p.includes(row)), `${id} on ${format}: the row "${row}" lies on one page`);
      counts.push(`${id} ${format}: ${pages.length} pages`);
    }
    await report.emulateMedia({ media: 'screen' });
    await report.screenshot({ path: path.join(ARTIFACTS, `report-${id}.png`) });
    await report.emulateMedia({ media: 'print' });
  }
  console.log(`report pages: ${counts.join('; ')}`);
  assert.deepEqual(problems, [], 'no page error, console error or request');
  await context.close();
});
