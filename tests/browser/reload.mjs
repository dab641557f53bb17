// Live reload in a real browser: `advocate serve` on a copy of the bundled site, three
// tabs open (an article scrolled down, a page that does not show it, a search with
// results), then the article is saved twice. Checks that the article's tab reloads and
// keeps its place, that the tab showing search results reloads once the index follows,
// and that the other tab is left alone. Run by run.sh after the release build.
//
//   node reload.mjs ROOT [BINARY]   (ROOT: the repository, whose bundled site is copied;
//                                    BINARY: advocate, by default ROOT/target/release/)

import { spawn } from "node:child_process";
import { cp, mkdtemp, readFile, rm, writeFile, access } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { chromium } from "playwright-core";

const root = process.argv[2];
const binary = process.argv[3] ?? join(root, "target", "release", "advocate");
const ARTICLE = "content/articles/october-2023-mass-return.md";
const ARTICLE_PATH = "/articles/october-2023-mass-return/";
const OTHER_PATH = "/methodology/";
const SEARCH_PATH = "/search/?q=china";
const results = [];

async function check(name, body) {
  try {
    await body();
    results.push({ name, ok: true });
    console.log(`ok   ${name}`);
  } catch (error) {
    results.push({ name, ok: false });
    console.log(`FAIL ${name}\n     ${error.message}`);
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

/// A copy of the bundled site, so that saving in it leaves the repository alone.
async function copySite() {
  const site = await mkdtemp(join(tmpdir(), "advocate-reload-"));
  for (const part of ["site.toml", "content", "themes", "static", "templates"]) {
    const from = join(root, part);
    const exists = await access(from).then(() => true, () => false);
    if (exists) await cp(from, join(site, part), { recursive: true });
  }
  return site;
}

/// Starts `advocate serve` on a free port; resolves with the process and its address.
function startServer(site) {
  const child = spawn(binary, ["--root", site, "serve", "--port", "0"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  const lines = createInterface({ input: child.stderr });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("serve did not start in 60 s")), 60000);
    lines.on("line", (line) => {
      const found = line.match(/^serving .* at (http:\/\/\S+?)\/? /);
      if (found) {
        clearTimeout(timer);
        resolve({ child, origin: found[1] });
      }
    });
    child.on("exit", (code) => reject(new Error(`serve exited with ${code}`)));
  });
}

/// Opens `path` in a tab of its own and marks the tab, so that a reload shows.
async function openMarked(context, origin, path) {
  const page = await context.newPage();
  await page.goto(origin + path);
  await page.evaluate(() => {
    window.advocateMark = true;
  });
  return page;
}

const marked = (page) => page.evaluate(() => window.advocateMark === true);

async function save(site, from, to) {
  const file = join(site, ARTICLE);
  const text = await readFile(file, "utf8");
  assert(text.includes(from), `${ARTICLE} has no ${JSON.stringify(from)}`);
  await writeFile(file, text.replace(from, to));
}

async function main() {
  const site = await copySite();
  const { child, origin } = await startServer(site);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
  });
  try {
    const context = await browser.newContext({ viewport: { width: 800, height: 600 } });
    const article = await openMarked(context, origin, ARTICLE_PATH);
    await article.evaluate(() => window.scrollTo(0, 300));
    const scrolled = await article.evaluate(() => window.scrollY);
    const other = await openMarked(context, origin, OTHER_PATH);
    const search = await openMarked(context, origin, SEARCH_PATH);
    await search.locator("#search-results li a").first().waitFor({ timeout: 10000 });

    // Its text only: the article's page first, then the search index.
    const text = await readFile(join(site, ARTICLE), "utf8");
    const lastLine = text.trimEnd().split("\n").pop();
    await save(site, lastLine, `${lastLine}\n\nA paragraph added while the preview was open.`);

    await check("the saved article's tab reloads with the new text", async () => {
      await article.waitForFunction(
        () => document.body.innerText.includes("A paragraph added while the preview was open."),
        null,
        { timeout: 10000 },
      );
      assert(!(await marked(article)), "the text changed without a reload");
    });
    await check("it keeps its scroll position", async () => {
      await article.waitForFunction((y) => Math.abs(window.scrollY - y) < 2, scrolled, {
        timeout: 5000,
      });
    });
    await check("the tab showing search results reloads once the index follows", async () => {
      await search.waitForFunction(() => window.advocateMark !== true, null, { timeout: 10000 });
      await search.locator("#search-results li a").first().waitFor({ timeout: 10000 });
    });

    // A new title: the article's page at once, lists after.
    await article.evaluate(() => {
      window.advocateMark = true;
    });
    await save(site, 'title = "', 'title = "Edited: ');
    await check("a new title shows on the article's tab", async () => {
      await article.waitForFunction(() => document.title.startsWith("Edited: "), null, {
        timeout: 10000,
      });
    });
    await check("a tab showing neither is not reloaded", async () => {
      // The title's full build takes a moment after the first step; let it finish.
      await new Promise((resolve) => setTimeout(resolve, 2000));
      assert(await marked(other), `${OTHER_PATH} reloaded though nothing on it changed`);
    });
  } finally {
    await browser.close();
    child.kill();
    await rm(site, { recursive: true, force: true });
  }
  const failed = results.filter((r) => !r.ok).length;
  console.log(`\nlive reload: ${results.length - failed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
