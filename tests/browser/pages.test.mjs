// kbase's pages in a real headless Chromium: starts `kbase serve` on a free port over the
// seed article and the browser fixtures, drives Debian's /usr/bin/chromium through
// playwright-core, checks the rendered DOM, validates the HTML, and saves screenshots to
// target/screenshots/.
//
//   KBASE_BIN=target/debug/kbase npm test --prefix tests/browser
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { HtmlValidate } from "html-validate";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const bin = resolve(repo, process.env.KBASE_BIN ?? "target/debug/kbase");
const shots = join(repo, "target/screenshots");
const chromiumPath = process.env.CHROMIUM ?? "/usr/bin/chromium";

let server, base, browser, work, agentToken;

before(async () => {
  work = mkdtempSync(join(tmpdir(), "kbase-browser-"));
  const articles = join(work, "articles");
  mkdirSync(articles);
  cpSync(join(repo, "articles/Q190698.md"), join(articles, "Q190698.md"));
  cpSync(join(repo, "tests/fixtures/browser"), articles, { recursive: true });
  mkdirSync(shots, { recursive: true });
  agentToken = execFileSync(bin, ["token", "create", "--role", "agent", "--name", "browser",
    "--database-url", join(work, "kbase.db")]).toString().trim();
  server = spawn(bin, ["serve", "--articles", articles, "--data", join(work, "data"),
    "--addr", "127.0.0.1:0", "--templates", join(repo, "templates"), "--no-watch",
    "--database-url", join(work, "kbase.db")],
    { env: { ...process.env, RUST_LOG: "info" }, stdio: ["ignore", "ignore", "pipe"] });
  base = await new Promise((ok, fail) => {
    let log = "";
    server.stderr.on("data", (d) => {
      log += d;
      const m = log.match(/listening on (http:\/\/[0-9.:]+)\//);
      if (m) ok(m[1]);
    });
    server.on("exit", (code) => fail(new Error(`kbase exited with ${code}:\n${log}`)));
  });
  for (let i = 0; i < 200; i++) {
    const r = await fetch(`${base}/readyz`).catch(() => null);
    if (r && r.ok) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
  if (work) rmSync(work, { recursive: true, force: true });
});

/// A page whose every request is recorded, so a test can check nothing left the server.
async function open(options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const page = await context.newPage();
  const requests = [];
  page.on("request", (r) => requests.push(r.url()));
  const dialogs = [];
  page.on("dialog", (d) => { dialogs.push(d.message()); d.dismiss(); });
  return { context, page, requests, dialogs };
}

function assertLocal(requests) {
  for (const url of requests) {
    assert.ok(url.startsWith(base) || url.startsWith("data:"), `request left the server: ${url}`);
  }
}

test("the search for event id 5058 lists Q190698 with its fix, and the article's links work", async () => {
  const { context, page, requests } = await open();
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
  await page.goto(`${base}/`);
  assert.equal(await page.evaluate(() => document.activeElement.id), "q", "the search box has focus");
  await page.screenshot({ path: join(shots, "home.png") });

  await page.keyboard.type("event id 5058");
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/search\?q=event\+id\+5058/);
  const first = page.locator("ol.hits > li").first();
  assert.equal(await first.locator("h2 a").textContent(), "Microsoft Key Management Server Event ID 5058");
  assert.match(await first.locator(".fix").textContent(), /Restore the Kmsdata directory from an offline backup\./);
  assert.equal(await first.locator("mark").first().textContent(), "5058");
  await page.screenshot({ path: join(shots, "results.png"), fullPage: true });

  await first.locator("h2 a").click();
  await page.waitForURL(`${base}/kb/Q190698`);
  assert.equal(await page.locator("#workaround").count(), 1);
  await page.locator("#workaround button.copy").click();
  const expected = `${base}/kb/Q190698#workaround`;
  let copied = await page.evaluate(() => navigator.clipboard.readText()).catch(() => "");
  if (copied !== expected) {
    // No clipboard: the link is shown in a field instead.
    copied = await page.locator("#workaround .copied-url, .copied-url").first().inputValue();
  }
  assert.equal(copied, expected);
  await page.click("a[href='#workaround']");
  assert.equal(new URL(page.url()).hash, "#workaround");
  await page.screenshot({ path: join(shots, "article.png"), fullPage: true });
  assertLocal(requests);
  await context.close();
});

test("no script runs from an article", async () => {
  const { context, page, requests, dialogs } = await open();
  await page.goto(`${base}/kb/Q300100`);
  const title = await page.title();
  assert.match(title, /^Q300100: Hostile Markup Is Shown As Text/);
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  await page.locator("section#symptoms a", { hasText: "link" }).click().catch(() => {});
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  assert.equal(await page.title(), title);
  assert.deepEqual(dialogs, []);
  assert.equal(await page.locator("section iframe, section svg, section style").count(), 0);
  assertLocal(requests);
  await context.close();
});

test("the event page groups articles by source with their fixes", async () => {
  const { context, page, requests } = await open();
  await page.goto(`${base}/events/5058`);
  assert.match(await page.locator("h1").textContent(), /Event ID 5058/);
  assert.match(await page.locator(".group h2").first().textContent(), /MSExchangeKMS/);
  assert.match(await page.locator(".fix").first().textContent(), /Restore the Kmsdata directory/);
  await page.screenshot({ path: join(shots, "event.png"), fullPage: true });
  assertLocal(requests);
  await context.close();
});

test("an unknown page is a 404 that searches for what was typed", async () => {
  const { context, page } = await open();
  const response = await page.goto(`${base}/kmsdata-directory`);
  assert.equal(response.status(), 404);
  assert.equal(await page.locator("h1").textContent(), "Page not found");
  assert.equal(await page.locator("ol.hits a", { hasText: "Event ID 5058" }).count(), 1);
  await page.screenshot({ path: join(shots, "not-found.png") });
  await context.close();
});

test("the search page works with JavaScript disabled", async () => {
  const { context, page } = await open({ javaScriptEnabled: false });
  await page.goto(`${base}/`);
  await page.fill("#q", "Userenv 1030");
  await page.click("form[role=search] button");
  await page.waitForURL(/\/search\?q=/);
  assert.equal(await page.locator("ol.hits > li h2 a").first().textContent(), "Userenv Event 1030 When Group Policy Cannot Be Read");
  assert.match(await page.locator(".fix").first().textContent(), /domain controller/);
  await context.close();
});

test("the keyboard reaches the results: / focuses the box, Tab reaches the first result", async () => {
  const { context, page } = await open();
  await page.goto(`${base}/search?q=event+id+5058`);
  await page.locator("body").click({ position: { x: 5, y: 500 } });
  await page.keyboard.press("/");
  assert.equal(await page.evaluate(() => document.activeElement.id), "q");
  let reached = false;
  for (let i = 0; i < 12 && !reached; i++) {
    await page.keyboard.press("Tab");
    reached = await page.evaluate(() => !!document.activeElement.closest("ol.hits"));
  }
  assert.ok(reached, "Tab never reached a result");
  await context.close();
});

test("Did this fix it? is a plain form: it works with JavaScript off and thanks the reader", async () => {
  const { context, page } = await open({ javaScriptEnabled: false });
  await page.goto(`${base}/kb/Q190698`);
  const form = page.locator("#feedback form");
  assert.equal(await form.locator("h2").textContent(), "Did this fix it?");
  await form.locator("input[name=ticket]").fill("INC0012345");
  await form.locator("button[value=yes]").click();
  await page.waitForURL(/\/kb\/Q190698\?answered=yes#feedback$/);
  assert.match(await page.locator("#feedback .thanks").textContent(), /Your answer was recorded/);
  const counts = await (await fetch(`${base}/api/v1/articles/Q190698/tickets`)).json();
  assert.equal(counts.readers.yes, 1);
  // The same form posted from another site is refused.
  const forged = await fetch(`${base}/kb/Q190698/feedback`, {
    method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", origin: "https://evil.example" },
    body: "answer=yes", redirect: "manual" });
  assert.equal(forged.status, 403);
  await context.close();
});

test("Copy for ticket copies the title, the link to the fix and its first lines", async () => {
  for (const width of [1280, 390]) {
    const { context, page, requests } = await open({ viewport: { width, height: 900 } });
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
    await page.goto(`${base}/kb/Q190698`);
    await page.locator(".ticket-copy summary").click();
    const fix = `${base}/kb/Q190698#workaround`;
    const expected = {
      text: `Q190698: Microsoft Key Management Server Event ID 5058\n${fix}\nWorkaround: Restore the Kmsdata directory from an offline backup.\n`,
      markdown: `[Q190698: Microsoft Key Management Server Event ID 5058](${fix})\n\n> **Workaround:** Restore the Kmsdata directory from an offline backup.\n`,
      html: `<p><a href="${fix}">Q190698: Microsoft Key Management Server Event ID 5058</a></p><blockquote><p><strong>Workaround:</strong> Restore the Kmsdata directory from an offline backup.</p></blockquote>`,
    };
    for (const kind of ["text", "markdown", "html"]) {
      assert.equal(await page.locator(`#copy-${kind}`).inputValue(), expected[kind], kind);
      await page.locator(`button[data-copy=copy-${kind}]`).click();
      let copied = await page.evaluate(() => navigator.clipboard.readText()).catch(() => null);
      if (copied === null) {
        // No clipboard: the text is selected to copy by hand.
        copied = await page.evaluate(() => window.getSelection().toString() ||
          document.activeElement.value.slice(document.activeElement.selectionStart, document.activeElement.selectionEnd));
      }
      assert.equal(copied, expected[kind], `${kind} at ${width} px`);
    }
    const box = await page.locator("#copy-markdown").boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= width, `the copy fields fit a ${width} px screen`);
    await page.screenshot({ path: join(shots, `copy-for-ticket-${width}.png`), fullPage: true });
    assertLocal(requests);
    await context.close();
  }
});

test("the insights page signs an agent in and lists what is missing", async () => {
  await fetch(`${base}/api/v1/search?q=event+id+39117`);
  for (const width of [1280, 390]) {
    const { context, page, requests } = await open({ viewport: { width, height: 900 } });
    const response = await page.goto(`${base}/insights`);
    assert.equal(response.status(), 401);
    await page.fill("#token", agentToken);
    await page.click("form[action='/signin'] button");
    await page.waitForURL(`${base}/insights`);
    // The search above reaches the log within moments.
    for (let i = 0; i < 50 && !(await page.locator("table.gaps").count()); i++) {
      await new Promise((r) => setTimeout(r, 100));
      await page.reload();
    }
    const row = page.locator("table.gaps tr", { hasText: "event 39117" });
    assert.match(await row.textContent(), /no article/);
    assert.equal(await row.locator("a[download]").getAttribute("href"), "/insights/template?event=39117");
    const html = await page.content();
    const report = await new HtmlValidate({ extends: ["html-validate:standard"] }).validateString(html);
    assert.deepEqual(report.results.flatMap((r) => r.messages.map((m) => `${m.ruleId}: ${m.message}`)), []);
    await page.screenshot({ path: join(shots, `insights-${width}.png`), fullPage: true });
    assertLocal(requests);
    await context.close();
  }
});

test("an agent signs in, reads the internal article, signs out, and it is gone", async () => {
  for (const width of [1280, 390]) {
    const { context, page, requests } = await open({ viewport: { width, height: 900 } });
    // Anonymous: the internal article does not exist, in search or by its link.
    let response = await page.goto(`${base}/kb/Q300102`);
    assert.equal(response.status(), 404);
    assert.doesNotMatch(await page.content(), /pangolininternal/i);
    await page.goto(`${base}/search?q=pangolininternal`);
    assert.equal(await page.locator(".hit").count(), 0);
    // Signing in from the page frame comes back to where the reader was going.
    await page.goto(`${base}/signin?next=/kb/Q300102`);
    await page.fill("#token", agentToken);
    await page.click("form[action='/signin'] button");
    await page.waitForURL(`${base}/kb/Q300102`);
    assert.match(await page.locator("h1").textContent(), /Pangolininternal/);
    assert.match(await page.locator(".banner.internal").textContent(), /Only agents see this article/);
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === "kbase_session");
    assert.ok(session && session.httpOnly && session.sameSite === "Strict", JSON.stringify(cookies));
    assert.ok(!cookies.some((c) => c.value === agentToken), "the browser never keeps the token");
    await page.goto(`${base}/search?q=pangolininternal`);
    assert.match(await page.locator(".hit h2").first().textContent(), /Internal/);
    await page.goto(`${base}/review`);
    assert.match(await page.locator("main").textContent(), /Q300102/);
    const html = await page.content();
    const report = await new HtmlValidate({ extends: ["html-validate:standard"] }).validateString(html);
    assert.deepEqual(report.results.flatMap((r) => r.messages.map((m) => `${m.ruleId}: ${m.message}`)), []);
    await page.goto(`${base}/kb/Q300102`);
    await page.screenshot({ path: join(shots, `internal-article-${width}.png`), fullPage: true });
    // Signing out ends the session: the article is gone again.
    await page.click("a[href='/signout']");
    await page.click("form[action='/signout'] button");
    await page.waitForURL(`${base}/`);
    response = await page.goto(`${base}/kb/Q300102`);
    assert.equal(response.status(), 404);
    assert.ok(!(await context.cookies()).some((c) => c.name === "kbase_session"));
    assertLocal(requests);
    await context.close();
  }
});

test("no page scrolls sideways on a 360 px phone: long words, paths and URLs wrap", async () => {
  const { context, page } = await open({ viewport: { width: 360, height: 740 } });
  for (const path of ["/", "/search?q=event+id+5058", "/search?q=0x80070005", "/search?q=printer+driver+share+path",
    "/search?q=zzyzzx+qqqq", `/search?q=${"averyveryverylongwordthatisnotthere".repeat(3)}`, "/kb/Q190698",
    "/kb/Q300100", "/kb/Q300101", "/kb/Q300103", "/events", "/events/1030", "/events/372", "/products",
    "/products/microsoft-exchange-server", "/no/such/page/with-a-rather-long-name-in-it.html", "/insights",
    "/signin", "/review"]) {
    await page.goto(`${base}${path}`);
    const [scroll, width] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    assert.ok(scroll <= width, `${path} is ${scroll} px wide on a ${width} px screen`);
  }
  await page.goto(`${base}/kb/Q300103`);
  await page.screenshot({ path: join(shots, "long-urls-360.png"), fullPage: true });
  await context.close();
});

test("every page is valid HTML", async () => {
  const validator = new HtmlValidate({ extends: ["html-validate:standard"] });
  for (const path of ["/", "/search?q=event+id+5058", "/search?q=zzyzzx+qqqq", "/kb/Q190698",
    "/kb/Q300100", "/kb/Q300101", "/events", "/events/1030", "/products",
    "/products/microsoft-exchange-server", "/no/such/page", "/insights", "/review", "/signin"]) {
    const html = await (await fetch(`${base}${path}`, { headers: { accept: "text/html" } })).text();
    const report = await validator.validateString(html);
    const errors = report.results.flatMap((r) => r.messages.map((m) => `${m.line}:${m.column} ${m.ruleId}: ${m.message}`));
    assert.deepEqual(errors, [], `${path} is not valid HTML`);
  }
});
