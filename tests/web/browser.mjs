// browser.mjs BATON EXAMPLES OUTDIR - the web UI in a real browser.
//
// Drives Debian's headless Chromium (/usr/bin/chromium) with playwright-core
// (no browser download): starts `baton serve` on a fresh example database
// on a free port, opens the home page, follows the navigation to a role,
// logs in with a token made by `baton token create`, and checks what a
// person would see. Screenshots go to OUTDIR. The server is stopped at the
// end even on failure. Prints "browser: N passed, N failed".
import { chromium } from 'playwright-core';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const [baton, examples, outdir] = process.argv.slice(2).map((p) => resolve(p));
const env = { ...process.env, BATON_NOW: '2026-11-23T10:00:00Z', USER: 'tester' };
delete env.BATON_DB;
let passed = 0, failed = 0;
function check(cond, what, detail = '') {
	if (cond) { passed++; return; }
	failed++;
	console.log(`FAIL browser: ${what}`);
	if (detail) console.log(`     ${String(detail).slice(0, 400)}`);
}

function freePort() {
	return new Promise((res, rej) => {
		const s = createServer();
		s.on('error', rej);
		s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); });
	});
}

const scratch = mkdtempSync(join(tmpdir(), 'baton-browser-'));
const db = join(scratch, 'b.db');
const run = (...args) => execFileSync(baton, ['--db', db, ...args], { env, encoding: 'utf8' });
let server = null, browser = null;

try {
	mkdirSync(outdir, { recursive: true });
	run('import', examples);
	const token = run('token', 'create', 'browser').trim().split('\n').pop();
	run('offboard', 'james.thornton', '--to', 'sofia.rossi'); // handover 1
	const port = await freePort();
	const base = `http://127.0.0.1:${port}`;
	server = spawn(baton, ['--db', db, 'serve', '--listen', `127.0.0.1:${port}`],
		{ env, stdio: 'ignore' });
	let up = false;
	for (let i = 0; i < 100 && !up; i++) { // at most ~10 s
		try { up = (await fetch(`${base}/static/baton.css`)).ok; } catch { /* not yet */ }
		if (!up) await new Promise((r) => setTimeout(r, 100));
	}
	if (!up) throw new Error('server did not start');

	// A fresh profile each run (playwright passes it as --user-data-dir).
	browser = await chromium.launchPersistentContext(join(scratch, 'profile'), {
		executablePath: '/usr/bin/chromium',
		headless: true,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
			'--no-first-run', '--disable-background-networking',
			'--disable-component-update', '--disable-sync'],
		viewport: { width: 390, height: 844 }, // a phone
	});
	const page = browser.pages()[0] || await browser.newPage();
	const errors = [];
	page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
	page.on('pageerror', (e) => errors.push(String(e)));

	// Home, as on a phone: stylesheet applied (CSP allows it), leaver shown.
	let resp = await page.goto(`${base}/`);
	check(resp.status() === 200, 'home page loads', resp.status());
	check(await page.locator('h1').innerText() === 'Who handles…?', 'home heading');
	check(await page.getByRole('link', { name: 'James Thornton' }).count() >= 1, 'home shows the leaver');
	const bg = await page.evaluate(() => getComputedStyle(document.querySelector('header')).backgroundColor);
	check(bg === 'rgb(29, 35, 48)', 'the stylesheet is applied', bg);
	const wide = await page.evaluate(() => document.documentElement.scrollWidth);
	check(wide <= 390, 'the home page fits a phone screen without scrolling sideways', wide);
	await page.screenshot({ path: join(outdir, 'web-home-phone.png'), fullPage: true });

	// Search "Who handles…?" from the home page.
	await page.goto(`${base}/`);
	await page.fill('input[name=q]', 'refund for an enterprise customer');
	await page.click('form.search button[type=submit]');
	check(page.url().startsWith(`${base}/route?`), 'the search goes to /route', page.url());
	check(await page.locator('main a[href="/roles/financial-controller"]').count() >= 1,
		'the answer names the Financial Controller role');
	await page.screenshot({ path: join(outdir, 'web-route.png'), fullPage: true });

	// Navigate to a role by links only (no JavaScript needed).
	await page.setViewportSize({ width: 1100, height: 900 });
	await page.getByRole('link', { name: 'Roles', exact: true }).click();
	check(page.url() === `${base}/roles`, 'nav link to roles', page.url());
	await page.getByRole('link', { name: 'Billing Lead', exact: true }).first().click();
	check(page.url() === `${base}/roles/billing-lead`, 'role link opens the role', page.url());
	check(await page.locator('h1').innerText() === 'Billing Lead', 'role page heading');
	check(await page.getByRole('heading', { name: 'Relationships' }).count() === 1, 'role page lists relationships');
	await page.screenshot({ path: join(outdir, 'web-role.png'), fullPage: true });

	// The relationship map renders as inline SVG under the CSP.
	await page.goto(`${base}/map?team=finance`);
	const paths = await page.locator('svg path').count();
	check(paths >= 3, 'the finance map draws its relationships', paths);
	await page.screenshot({ path: join(outdir, 'web-map.png'), fullPage: true });

	// The audit page: filters and the truck-factor chart.
	await page.goto(`${base}/audit?severity=error`);
	check(await page.locator('h1').innerText() === 'Audit', 'audit page opens');
	check(await page.locator('svg rect').count() >= 3, 'truck factor bars are drawn');
	await page.screenshot({ path: join(outdir, 'web-audit.png'), fullPage: true });

	// Log in with the token through the form.
	check(errors.length === 0, 'no console errors or CSP violations while reading', errors.join(' | '));
	await page.goto(`${base}/login`);
	await page.fill('#token', 'not-a-token');
	await page.click('button[type=submit]');
	check(await page.locator('.msg').innerText() === 'unknown or revoked token', 'a wrong token is refused');
	errors.length = 0; // the 401 of the wrong token above is expected
	await page.fill('#token', token);
	await page.click('main button[type=submit]');
	check(page.url() === `${base}/`, 'login goes home', page.url());
	check((await page.locator('header .user').innerText()).includes('signed in as browser'), 'signed in');
	const cookies = await browser.cookies();
	const c = cookies.find((k) => k.name === 'baton_session');
	check(c && c.httpOnly && c.sameSite === 'Strict', 'session cookie is HttpOnly and SameSite=Strict', JSON.stringify(c));
	await page.screenshot({ path: join(outdir, 'web-signed-in.png') });
	// Tick the first item of the handover started by `baton offboard`.
	await page.goto(`${base}/handovers/1`);
	const before = await page.locator('td.tick.done').count();
	await page.locator('button:has-text("Tick")').first().click();
	check(page.url() === `${base}/handovers/1`, 'ticking returns to the checklist', page.url());
	const after = await page.locator('td.tick.done').count();
	check(after === before + 1, 'the ticked item shows as done', `${before} -> ${after}`);
	check((await page.locator('h2').first().innerText()).includes(`${after}/`), 'the done count moved');
	await page.screenshot({ path: join(outdir, 'web-handover.png'), fullPage: true });
	await page.click('header button[type=submit]');
	check((await page.locator('header .user').innerText()).includes('Log in'), 'log out');

	check(errors.length === 0, 'no console errors after logging in', errors.join(' | '));
} catch (e) {
	check(false, 'browser test aborted', e && e.stack);
} finally {
	if (browser) await browser.close().catch(() => {});
	if (server && server.exitCode === null) {
		server.kill('SIGTERM');
		await new Promise((r) => { server.once('exit', r); setTimeout(r, 10000); });
	}
	rmSync(scratch, { recursive: true, force: true });
}
console.log(`browser: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
