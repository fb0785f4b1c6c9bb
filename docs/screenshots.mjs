// Screenshots of the Aspire dashboard for the README, taken with headless Chromium (Debian's chromium) through
// playwright-core, against a running `dotnet run --project VisionSearch.AppHost` that has built the tiny dataset:
//   npm install --no-save playwright-core@1.64 && node docs/screenshots.mjs <login URL the AppHost printed> <trace id>
// Writes docs/dashboard-resources.png and docs/dashboard-trace.png.
import { chromium } from 'playwright-core';

const [login, traceId] = process.argv.slice(2);
if (!login || !traceId) {
  console.error('usage: node docs/screenshots.mjs http://localhost:18888/login?t=... <32-hex trace id>');
  process.exit(2);
}
const origin = new URL(login).origin;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = await browser.newPage({ viewport: { width: 1440, height: 860 } });
await page.goto(login);
await page.waitForSelector('text=silo', { timeout: 60000 });
await page.waitForTimeout(3000); // health and URLs fill in
await page.screenshot({ path: new URL('dashboard-resources.png', import.meta.url).pathname });
await page.goto(`${origin}/traces/detail/${traceId}`);
await page.waitForSelector('text=index.search', { timeout: 60000 });
await page.waitForTimeout(2000);
await page.screenshot({ path: new URL('dashboard-trace.png', import.meta.url).pathname });
await browser.close();
