// Swarmplan's browser app, driven in a real headless Chromium.
//
//   SWARMPLAN_DIST=/abs/path/to/dist [CHROMIUM=/usr/bin/chromium] node --test tests/browser/
//
// The built dist/ directory is served by a small static server on 127.0.0.1 (an ephemeral
// port); every request the page makes is recorded, and each test ends by checking that none
// went anywhere else. Screenshots go to tests/browser/artifacts/ (not committed).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const DIST = process.env.SWARMPLAN_DIST;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ARTIFACTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'artifacts');
const VIEWPORT = { width: 1440, height: 960 };
/** How long the app may take to react to an edit (the wasm runs in a 2-core CI box). */
const REACT_MS = 10_000;

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

let server;
let origin;
let browser;

/** Serves `root` read-only: files only, nothing outside it, `/` is index.html. */
function serveStatic(root) {
  return createServer(async (request, response) => {
    try {
      const url = new URL(request.url, 'http://localhost');
      const relative = decodeURIComponent(url.pathname).replace(/^\/+/, '') || 'index.html';
      const file = path.resolve(root, relative);
      if (file !== root && !file.startsWith(root + path.sep)) {
        response.writeHead(403).end();
        return;
      }
      if (!(await stat(file)).isFile()) throw new Error('not a file');
      const body = await readFile(file);
      response.writeHead(200, {
        'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream',
        'Cache-Control': 'no-store',
      });
      response.end(request.method === 'HEAD' ? undefined : body);
    } catch {
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
    }
  });
}

before(async () => {
  assert.ok(DIST, 'set SWARMPLAN_DIST to the absolute path of the built dist/ directory');
  assert.ok(path.isAbsolute(DIST), `SWARMPLAN_DIST must be absolute, not ${DIST}`);
  const root = path.resolve(DIST);
  assert.ok((await stat(path.join(root, 'index.html'))).isFile(), `${root}/index.html is missing: build with trunk first`);
  server = serveStatic(root);
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
async function openApp(options = {}) {
  const context = await browser.newContext({ viewport: VIEWPORT, ...options });
  const requests = [];
  const problems = [];
  context.on('request', (request) => requests.push(request.url()));
  const page = await context.newPage();
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  await page.goto(`${origin}/`);
  try {
    await page.locator('[data-testid="quorum-managers"]').waitFor({ timeout: 30_000 });
  } catch (error) {
    await context.close();
    throw new Error(`the app did not start: ${error.message}\n${problems.join('\n')}`);
  }
  return {
    page,
    requests,
    async close() {
      await context.close();
      assert.ok(requests.length > 0, 'the page made its requests through the recorder');
      const elsewhere = requests.filter((url) => !url.startsWith(`${origin}/`));
      assert.deepEqual(elsewhere, [], 'no request goes anywhere but the local server');
      assert.deepEqual(problems, [], 'no page error, console error or failed request');
    },
  };
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
    () => document.querySelector('[data-testid="plan-name"]').textContent.trim() === 'MSactivator HA lab',
    null,
    { timeout: REACT_MS },
  );
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
    () => document.querySelector('[data-testid="plan-name"]').textContent.trim() === 'Two sites',
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
      (id) => document.querySelector('[data-testid="example-select"]').value === id,
      id,
      { timeout: REACT_MS },
    );
    const text = await yaml(page).inputValue();
    const name = text.match(/^name: (.+)$/m)[1];
    await page.waitForFunction(
      (name) => document.querySelector('[data-testid="plan-name"]').textContent.trim() === name,
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
  await page.waitForFunction(() => document.querySelector('[data-testid="example-select"]').value === '', null, {
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
