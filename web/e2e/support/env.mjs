// What every browser test shares: where the server is, where screenshots go,
// and how to start Debian's Chromium (never a downloaded browser) with the
// flags this closed network needs.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { after, before, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

export const WEB_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const BASE = (process.env.TONGXIN_E2E_URL ?? '').replace(/\/+$/, '')
export const OUT = path.resolve(WEB_DIR, process.env.TONGXIN_E2E_OUT || '../test-output/e2e')
export const CHROMIUM = process.env.TONGXIN_E2E_CHROMIUM || '/usr/bin/chromium'

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

export function launchChromium() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS })
}

export const DEMO_PASSWORD = 'tongxin-demo-2026'

/** An API session (cookie) as a demo user, in its own browser context. */
export async function apiAs(browser, username, password = DEMO_PASSWORD) {
  const ctx = await browser.newContext()
  const res = await ctx.request.post(`${BASE}/api/v1/auth/login`, { data: { username, password } })
  if (res.status() !== 200) throw new Error(`${username} cannot log in: ${res.status()} ${await res.text()}`)
  const get = async (p) => {
    const r = await ctx.request.get(`${BASE}/api/v1${p}`)
    if (!r.ok()) throw new Error(`GET ${p} → ${r.status()} ${await r.text()}`)
    return r.json()
  }
  return { ctx, get }
}

/** Logs a console page in through the login form. */
export async function consoleLogin(page, username, password = DEMO_PASSWORD) {
  await page.goto(`${BASE}/login`)
  await page.getByTestId('login-username').fill(username)
  await page.getByTestId('login-password').fill(password)
  await page.getByTestId('login-submit').click()
  await page.waitForURL((u) => u.pathname !== '/login')
}

/** Completes 17 digits into a GB 11643 ID number with its check character. */
export function withCheckDigit(first17) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  let s = 0
  for (let i = 0; i < 17; i++) s += Number(first17[i]) * w[i]
  return first17 + '10X98765432'[s % 11]
}

/**
 * What a describe block of browser tests shares: Chromium launched before its tests
 * (handed to launched) and closed after them, and a first test that fails when
 * TONGXIN_E2E_URL is not set.
 */
export function useBrowser(launched) {
  let browser
  before(async () => {
    if (!BASE) return
    fs.mkdirSync(OUT, { recursive: true })
    browser = await launchChromium()
    launched(browser)
  })
  after(async () => {
    await browser?.close()
  })
  test('TONGXIN_E2E_URL is set', () => {
    assert.ok(BASE, 'TONGXIN_E2E_URL is not set: start `tongxin serve --demo` and set TONGXIN_E2E_URL')
  })
}
