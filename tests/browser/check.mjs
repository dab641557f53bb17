// Opens the built site in a real browser (Debian's Chromium, driven by playwright-core)
// and checks what a reader would meet: no console error, no failed request, nothing
// fetched from any other host, the chronology filter, the skip link, and no axe-core
// violation of serious or critical impact, on a phone (360 px) and a desktop (1280 px),
// in light and dark mode. Screenshots go to tests/browser/screenshots/.
//
// The Korean, language-switcher and search checks run when the site declares those
// features (a second language in site.toml; a search page or search form in the output)
// and then fail, never skip, when the feature is missing or broken.
//
// Usage: node check.mjs SITE_DIR SITE_TOML

import { readFile, mkdir, access } from "node:fs/promises";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import axe from "axe-core";
import { serve } from "./serve.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const SCREENSHOTS = join(HERE, "screenshots");
const [siteDir, siteToml] = process.argv.slice(2);
if (!siteDir || !siteToml) {
  console.error("usage: node check.mjs SITE_DIR SITE_TOML");
  process.exit(2);
}

const VIEWPORTS = [
  { width: 360, height: 740 },
  { width: 1280, height: 900 },
];
const SCHEMES = ["light", "dark"];
const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"];
const FAILING_IMPACTS = new Set(["serious", "critical"]);

// ---------------------------------------------------------------------------------------
// A tiny runner: each check is named, runs once, and either passes or throws.

const results = [];
async function check(name, body) {
  const started = Date.now();
  try {
    await body();
    results.push({ name, ok: true });
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    results.push({ name, ok: false });
    console.log(`FAIL ${name}\n${indent(error.message ?? String(error))}`);
  }
}
const indent = (text) => text.replace(/^/gm, "     ");
function assert(condition, message) {
  if (!condition) throw new Error(message);
}

// ---------------------------------------------------------------------------------------
// Opening pages while watching everything the page does.

let browser;
let origin;

/** A fresh browser context (no cache, no storage) for one viewport and colour scheme. */
async function newContext({ width, height }, scheme = "light", javaScriptEnabled = true) {
  const context = await browser.newContext({
    viewport: { width, height },
    colorScheme: scheme,
    reducedMotion: "reduce",
    javaScriptEnabled,
  });
  // Nothing may leave the test server: requests to any other host are refused here
  // (so none reaches the network) and reported as failures by `watch`.
  await context.route(
    (url) => url.origin !== origin,
    (route) => route.abort("blockedbyclient"),
  );
  return context;
}

/** Records console errors, script errors, failed requests and foreign requests. */
function watch(page) {
  const problems = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(`console error: ${msg.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`script error: ${error.message}`));
  page.on("request", (request) => {
    const url = request.url();
    if (!url.startsWith(origin + "/") && !url.startsWith("data:")) {
      problems.push(`request to another host: ${url}`);
    }
  });
  page.on("requestfailed", (request) => {
    if (request.url().startsWith(origin + "/")) {
      problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`);
    }
  });
  page.on("response", (response) => {
    if (response.status() >= 400) {
      problems.push(`HTTP ${response.status()}: ${response.url()}`);
    }
  });
  return problems;
}

/** Opens `path`, returning the page and the list its problems are recorded in. */
async function open(context, path) {
  const page = await context.newPage();
  const problems = watch(page);
  const response = await page.goto(origin + path, { waitUntil: "load" });
  assert(response, `no response for ${path}`);
  assert(response.status() === 200, `${path} answered HTTP ${response.status()}`);
  return { page, problems };
}

function assertNoProblems(problems, where) {
  assert(problems.length === 0, `${where}:\n${problems.join("\n")}`);
}

/** Runs axe-core in the page; fails on any violation of serious or critical impact. */
async function assertAxeClean(page, where) {
  // `evaluate` runs in the page without going through its Content-Security-Policy.
  await page.evaluate(axe.source);
  const { violations } = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] }),
    AXE_TAGS,
  );
  const describe = (v) =>
    `${v.impact}: ${v.id}: ${v.help}\n` +
    v.nodes
      .slice(0, 4)
      .map((n) => `  at ${n.target.join(" ")}\n    ${n.failureSummary.replace(/\n/g, "\n    ")}`)
      .join("\n");
  const minor = violations.filter((v) => !FAILING_IMPACTS.has(v.impact));
  if (minor.length) console.log(indent(`note (${where}), not failing:\n${minor.map(describe).join("\n")}`));
  const serious = violations.filter((v) => FAILING_IMPACTS.has(v.impact));
  assert(serious.length === 0, `axe on ${where}:\n${serious.map(describe).join("\n")}`);
}

/** The whole page, cut at 8,000 px: the chronology is several times taller on a phone. */
async function screenshot(page, name) {
  const { width } = page.viewportSize();
  const height = await page.evaluate(() => Math.min(document.documentElement.scrollHeight, 8000));
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true, clip: { x: 0, y: 0, width, height } });
}

/** The standard visit: open, check for problems and axe violations, screenshot. */
async function checkPage(name, path, viewport, scheme) {
  const context = await newContext(viewport, scheme);
  try {
    const { page, problems } = await open(context, path);
    await assertAxeClean(page, `${path} at ${viewport.width} px, ${scheme}`);
    await screenshot(page, `${name}-${viewport.width}-${scheme}`);
    assertNoProblems(problems, path);
  } finally {
    await context.close();
  }
}

/** The site path of the first link matching `selector` on the page at `path`. */
async function firstLink(path, selector) {
  const context = await newContext(VIEWPORTS[1]);
  try {
    const { page } = await open(context, path);
    const href = await page.locator(selector).first().getAttribute("href", { timeout: 2000 });
    return new URL(href, origin + path).pathname;
  } finally {
    await context.close();
  }
}

// ---------------------------------------------------------------------------------------
// What the site declares.

async function exists(path) {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Reads the site's features from site.toml and the output. */
async function declaredFeatures() {
  const toml = await readFile(siteToml, "utf8");
  const list = toml.match(/^\s*languages\s*=\s*\[([^\]]*)\]/m);
  const languages = list ? [...list[1].matchAll(/"([^"]+)"/g)].map((m) => m[1]) : [];
  const home = await readFile(join(siteDir, "index.html"), "utf8");
  const search =
    (await exists(join(siteDir, "search", "index.html"))) ||
    /role="?search/.test(home) ||
    /^\s*\[search\]/m.test(toml);
  return { languages, search };
}

// ---------------------------------------------------------------------------------------
// The checks every site gets.

async function checkEveryPage(pages) {
  for (const [name, path] of pages) {
    for (const viewport of VIEWPORTS) {
      for (const scheme of SCHEMES) {
        await check(`${name} (${path}) at ${viewport.width} px, ${scheme}: no errors, no foreign requests, axe clean`, () =>
          checkPage(name, path, viewport, scheme),
        );
      }
    }
  }
}

/** The chronology's instant filter, through the form chronology.js reveals. */
async function checkChronologyFilter(path) {
  for (const viewport of VIEWPORTS) {
    await check(`chronology filter at ${viewport.width} px`, async () => {
      const context = await newContext(viewport);
      try {
        const { page, problems } = await open(context, path);
        const form = page.locator("#chronology-filter");
        await form.waitFor({ state: "visible", timeout: 5000 });
        const cards = page.locator(".chronology [data-kind]");
        const visible = page.locator(".chronology [data-kind]:visible");
        const total = await cards.count();
        assert(total > 1, `the chronology has ${total} incidents; the filter needs more than one`);

        // Filter by the kind of the last incident: fewer than all, at least one, all of that kind.
        const kind = await cards.last().getAttribute("data-kind");
        await form.locator('select[name="kind"]').selectOption(kind);
        const expected = await page.locator(`.chronology [data-kind="${kind}"]`).count();
        const shown = await visible.count();
        assert(shown === expected, `kind ${kind}: ${shown} incidents shown, ${expected} expected`);
        assert(shown < total, `kind ${kind}: the filter hid nothing (${shown} of ${total})`);
        const kinds = await visible.evaluateAll((els) => [...new Set(els.map((e) => e.dataset.kind))]);
        assert(kinds.length === 1 && kinds[0] === kind, `kind ${kind}: shown kinds are ${kinds}`);
        const status = await page.locator("#chronology-count").textContent();
        assert(status.includes(String(shown)), `the status says "${status}", not ${shown}`);
        await screenshot(page, `chronology-filtered-${viewport.width}`);

        // A place on top of it narrows further; every shown incident names that place.
        const place = (await cards.last().getAttribute("data-places")).split(" ").find(Boolean);
        if (place) {
          await form.locator('select[name="place"]').selectOption(place);
          const places = await visible.evaluateAll((els) => els.map((e) => ` ${e.dataset.places} `));
          assert(places.length > 0, `kind ${kind} and place ${place}: nothing shown`);
          assert(
            places.every((p) => p.includes(` ${place} `)),
            `place ${place}: an incident elsewhere is shown`,
          );
        }

        await form.getByRole("button").click();
        await page.waitForFunction(
          (n) => document.querySelectorAll(".chronology [data-kind]:not([hidden])").length === n,
          total,
          { timeout: 2000 },
        );
        assert((await visible.count()) === total, "the reset button did not show every incident again");
        assertNoProblems(problems, path);
      } finally {
        await context.close();
      }
    });
  }
}

/** The skip link is the first stop of the keyboard, visible when focused, and moves focus to main. */
async function checkSkipLink(path) {
  await check(`skip link on ${path}`, async () => {
    const context = await newContext(VIEWPORTS[0]);
    try {
      const { page } = await open(context, path);
      await page.keyboard.press("Tab");
      const link = page.locator(":focus");
      assert((await link.getAttribute("class"))?.includes("skip-link"), "the first Tab does not reach the skip link");
      const box = await link.boundingBox();
      assert(box && box.y >= 0 && box.height > 0, "the focused skip link is not on screen");
      await page.keyboard.press("Enter");
      const focused = await page.evaluate(() => document.activeElement?.id);
      assert(focused === "main", `after the skip link, focus is on "${focused}", not on main`);
    } finally {
      await context.close();
    }
  });
}

// ---------------------------------------------------------------------------------------
// Features other parts of the site declare. Each fails when declared and missing.

/** Korean pages: `/ko/` and its chronology exist, say lang="ko", and pass the page checks. */
async function checkKoreanPages() {
  await check("Korean home at /ko/ has lang=ko", async () => {
    const context = await newContext(VIEWPORTS[1]);
    try {
      const { page, problems } = await open(context, "/ko/");
      const lang = await page.getAttribute("html", "lang");
      assert(lang === "ko", `/ko/ has <html lang="${lang}">`);
      assertNoProblems(problems, "/ko/");
    } finally {
      await context.close();
    }
  });
  await checkEveryPage([
    ["ko-home", "/ko/"],
    ["ko-chronology", "/ko/chronology/"],
  ]);
}

/** The switcher: a `nav` whose links carry hreflang, leading to the translation and back. */
async function checkLanguageSwitcher(languages) {
  const [first, second] = languages;
  const switcherLink = (lang) => `nav a[hreflang="${lang}"]`;

  async function follow(context, from, lang) {
    const { page, problems } = await open(context, from);
    const link = page.locator(switcherLink(lang));
    assert((await link.count()) > 0, `${from} has no language switcher link (${switcherLink(lang)})`);
    await Promise.all([page.waitForEvent("load"), link.first().click()]);
    const landed = new URL(page.url()).pathname;
    const htmlLang = await page.getAttribute("html", "lang");
    assert(htmlLang === lang, `the ${lang} link on ${from} led to ${landed}, whose lang is "${htmlLang}"`);
    assertNoProblems(problems, from);
    return landed;
  }

  await check(`language switcher: home in ${first} → ${second} and back`, async () => {
    const context = await newContext(VIEWPORTS[0]);
    try {
      const there = await follow(context, "/", second);
      assert(there === `/${second}/`, `the switcher on / led to ${there}, not /${second}/`);
      const back = await follow(context, there, first);
      assert(back === "/", `the switcher on ${there} led back to ${back}, not /`);
    } finally {
      await context.close();
    }
  });

  await check(`language switcher: an article → its ${second} translation and back`, async () => {
    const context = await newContext(VIEWPORTS[1]);
    try {
      const { page } = await open(context, "/articles/");
      const articles = await page
        .locator("main .items a")
        .evaluateAll((links) => links.map((a) => new URL(a.href).pathname));
      let translated;
      for (const path of articles) {
        const { page: article } = await open(context, path);
        const alternate = await article.locator(`link[rel="alternate"][hreflang="${second}"]`).count();
        await article.close();
        if (alternate) {
          translated = path;
          break;
        }
      }
      assert(translated, `no article on /articles/ has a <link rel="alternate" hreflang="${second}">`);
      const there = await follow(context, translated, second);
      assert(there.startsWith(`/${second}/`), `the translation of ${translated} is at ${there}, outside /${second}/`);
      const back = await follow(context, there, first);
      assert(back === translated, `the switcher on ${there} led back to ${back}, not ${translated}`);
    } finally {
      await context.close();
    }
  });
}

/** The longest word of a page's title, to search for. */
async function titleWord(page) {
  const title = await page.locator("main h1").first().textContent();
  const words = title.split(/[\s.,:;!?()"“”‘’'«»–—-]+/u).filter((w) => [...w].length >= 2);
  assert(words.length, `no word to search for in the title "${title}"`);
  return words.reduce((a, b) => ([...b].length > [...a].length ? b : a));
}

/** Search: the header form leads to /search/, which lists the article a title word names. */
async function checkSearch(prefix) {
  const home = `${prefix}/`;
  for (const viewport of VIEWPORTS) {
    await check(`search from ${home} at ${viewport.width} px finds an article by a word of its title`, async () => {
      const context = await newContext(viewport);
      try {
        const article = await firstLink(`${prefix}/articles/`, "main .items a");
        const { page: articlePage } = await open(context, article);
        const word = await titleWord(articlePage);
        await articlePage.close();

        const { page, problems } = await open(context, home);
        const form = page.locator("header form[role=search]");
        assert((await form.count()) === 1, `${home} has no header form[role=search]`);
        const input = form.locator("input#search-q");
        assert((await input.count()) === 1, `the search form on ${home} has no input#search-q`);
        await input.fill(word);
        await Promise.all([page.waitForEvent("load"), input.press("Enter")]);
        const landed = new URL(page.url()).pathname;
        assert(landed === `${prefix}/search/`, `searching led to ${landed}, not ${prefix}/search/`);
        const results = page.locator("#search-results li a");
        await results.first().waitFor({ timeout: 10000 }).catch(() => {});
        const hrefs = await results.evaluateAll((links) => links.map((a) => new URL(a.href).pathname));
        assert(hrefs.length > 0, `searching for "${word}" gave no #search-results li a`);
        assert(hrefs.includes(article), `searching for "${word}" did not list ${article}; got ${hrefs.join(", ")}`);
        await assertAxeClean(page, `${landed} with results, ${viewport.width} px`);
        await screenshot(page, `search${prefix.replace("/", "-")}-${viewport.width}`);
        assertNoProblems(problems, `search on ${home}`);
      } finally {
        await context.close();
      }
    });
  }

  await check(`search from ${home} without JavaScript leads to a page that exists`, async () => {
    const context = await newContext(VIEWPORTS[0], "light", false);
    try {
      const { page } = await open(context, home);
      const input = page.locator("header form[role=search] input#search-q");
      assert((await input.count()) === 1, `${home} has no header form[role=search] with input#search-q`);
      await input.fill("test");
      const [response] = await Promise.all([page.waitForEvent("response"), input.press("Enter")]);
      assert(response.status() < 400, `without JavaScript, searching led to HTTP ${response.status()} at ${response.url()}`);
    } finally {
      await context.close();
    }
  });
}

// ---------------------------------------------------------------------------------------

async function main() {
  await mkdir(SCREENSHOTS, { recursive: true });
  const features = await declaredFeatures();
  const server = await serve(siteDir);
  origin = server.origin;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    // launch() starts from a fresh temporary profile (user-data-dir) every time.
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  try {
    const article = await firstLink("/articles/", "main .items a");
    const incident = await firstLink("/chronology/", ".chronology .card-title a");
    const filtered = await firstLink("/chronology/", ".filters a");
    const tag = await firstLink("/tags/", ".tag-index a");
    await checkEveryPage([
      ["home", "/"],
      ["article", article],
      ["incident", incident],
      ["chronology", "/chronology/"],
      ["chronology-filter-page", filtered],
      ["articles", "/articles/"],
      ["tag", tag],
      ["not-found", "/404.html"],
    ]);
    await checkChronologyFilter("/chronology/");
    await checkSkipLink("/");

    const [first, ...others] = features.languages;
    if (others.includes("ko")) await checkKoreanPages();
    if (others.length) await checkLanguageSwitcher([first, others[0]]);
    if (features.search) {
      await checkSearch("");
      for (const lang of others) await checkSearch(`/${lang}`);
    }
  } finally {
    await browser.close();
    await server.close();
  }

  const failed = results.filter((r) => !r.ok).length;
  console.log(`\nbrowser: ${results.length - failed} passed, ${failed} failed`);
  console.log(`screenshots: ${SCREENSHOTS}`);
  process.exit(failed ? 1 : 0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
