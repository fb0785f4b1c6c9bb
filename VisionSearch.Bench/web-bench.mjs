// web-bench.mjs: what the search page costs in a real browser (Debian's chromium, headless, through playwright-core):
// the bytes of its first load (before any result image), and the time from Enter to a grid whose images have all
// loaded, the median of 20 distinct texts. Against a running page whose dataset is built, e.g. the AppHost with the
// clip-tiny folder built as `tiny` (README, Quick start):
//   npm install --no-save playwright-core@1.64 && node VisionSearch.Bench/web-bench.mjs [http://127.0.0.1:5070] [tiny] [k=12]
import { chromium } from 'playwright-core';

const [base = 'http://127.0.0.1:5070', dataset = 'tiny', k = '12'] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

// First load: every response's bytes on the wire (compressed where the server compresses), until the page is interactive.
const context = await browser.newContext();
const page = await context.newPage();
const cdp = await context.newCDPSession(page);
await cdp.send('Network.enable');
let bytes = 0, requests = 0;
cdp.on('Network.loadingFinished', e => { bytes += e.encodedDataLength; requests++; });
await page.goto(`${base}/?dataset=${encodeURIComponent(dataset)}`, { waitUntil: 'networkidle' });
await page.waitForSelector('#q');
console.log(JSON.stringify({ first_load_bytes: bytes, first_load_requests: requests }));

// Enter to images loaded, each time a text not searched before (nothing cached on the way).
const times = [];
for (let i = 0; i < 20; i++) {
  const text = `a photo number ${i} of something ${Date.now()}`;
  await page.fill('#q', text);
  await page.fill('#k', k);
  const started = Date.now();
  await page.press('#q', 'Enter');
  await page.waitForFunction(({ k, text }) => {
    const images = [...document.querySelectorAll('.grid img')];
    return document.querySelector('.results')?.dataset.shown === text && images.length === Number(k) && images.every(i => i.complete && i.naturalWidth > 0);
  }, { k, text }, { timeout: 30000 });
  times.push(Date.now() - started);
}
times.sort((a, b) => a - b);
console.log(JSON.stringify({ enter_to_images_ms_median: times[10], min: times[0], max: times[19], runs: 20, k: Number(k) }));
await browser.close();
