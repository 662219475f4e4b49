// Browser test of the web console against a running Tongxin server.
//   TONGXIN_E2E_URL=http://127.0.0.1:18080 npm run test:e2e
// Uses Debian's /usr/bin/chromium through playwright-core (no browser download).
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { BASE, OUT, launchChromium } from './support/env.mjs'

const USER = process.env.TONGXIN_E2E_USER || 'admin'
const PASSWORD = process.env.TONGXIN_E2E_PASSWORD || 'district-demo-2026'
const WAIT = 30_000

let browser
let context
let page
const pageErrors = []

async function shot(name) {
  await page.screenshot({ path: path.join(OUT, name), fullPage: false })
}

describe('web console', { timeout: 240_000 }, () => {
  before(async () => {
    if (!BASE) return
    fs.mkdirSync(OUT, { recursive: true })
    browser = await launchChromium()
    context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' })
    context.setDefaultTimeout(WAIT)
    page = await context.newPage()
    page.on('pageerror', (err) => pageErrors.push(String(err)))
  })

  after(async () => {
    await browser?.close()
  })

  test('TONGXIN_E2E_URL is set', () => {
    assert.ok(
      BASE,
      'TONGXIN_E2E_URL is not set: start the server (e.g. tongxin serve with the demo data) and run ' +
        'TONGXIN_E2E_URL=http://127.0.0.1:18080 npm run test:e2e',
    )
  })

  test('an anonymous visitor is sent to the login page', async () => {
    assert.ok(BASE, 'TONGXIN_E2E_URL is not set')
    await page.goto(BASE + '/')
    await page.waitForURL((u) => u.pathname === '/login')
    const product = page.getByTestId('login-product')
    await product.waitFor()
    assert.equal((await product.textContent())?.trim(), '同心 · 基层治理')
    assert.ok(await page.getByTestId('login-submit').isVisible())
    await shot('login.png')
  })

  test('a wrong password shows the API problem, localised', async () => {
    assert.ok(page, 'no browser page')
    await page.getByTestId('login-username').fill(USER)
    await page.getByTestId('login-password').fill(PASSWORD + '-wrong')
    await page.getByTestId('login-submit').click()
    const err = page.getByTestId('login-error')
    await err.waitFor()
    const text = (await err.textContent())?.trim() ?? ''
    assert.ok(text.length > 0, 'the login error is empty')
    assert.match(text, /[\u4e00-\u9fff]/, `the login error is not in Chinese: ${text}`)
    assert.match(page.url(), /\/login/)
  })

  test('logging in shows the layout with the user name', async () => {
    assert.ok(page, 'no browser page')
    await page.getByTestId('login-username').fill(USER)
    await page.getByTestId('login-password').fill(PASSWORD)
    await page.getByTestId('login-submit').click()
    await page.waitForURL((u) => u.pathname === '/overview')
    const me = await page.evaluate(async () => (await fetch('/api/v1/auth/me')).json())
    const name = page.getByTestId('user-name')
    await name.waitFor()
    assert.ok(me.user.display_name, 'the user has no display name')
    assert.ok((await name.textContent()).includes(me.user.display_name), 'the header lacks the user name')
    assert.equal((await page.getByTestId('product-name').textContent())?.trim(), '同心 · 基层治理')
    const scope = (await page.getByTestId('user-scope').textContent()) ?? ''
    assert.ok(scope.includes(me.user.roles[0].area_name), `the header lacks the scope: ${scope}`)
    await page.getByTestId('overview-code').waitFor()
    assert.match((await page.getByTestId('overview-code').textContent()).trim(), /^\d{6,18}$/)
    await page.waitForFunction(() => !document.querySelector('[data-testid="overview-page"] .el-loading-mask'))
    await shot('overview.png')
  })

  test('the Areas page shows the area tree and a node’s details', async () => {
    assert.ok(page, 'no browser page')
    await page.getByTestId('nav-areas').click()
    await page.waitForURL((u) => u.pathname === '/areas')
    const nodes = page.locator('[data-testid="area-tree"] .tx-tree-node')
    await nodes.first().waitFor()
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="area-tree"] .tx-tree-node').length >= 2)
    // The second visible node is the first child of the root, expanded on load.
    const child = nodes.nth(1)
    const code = await child.getAttribute('data-code')
    assert.match(code ?? '', /^\d{9,18}$/)
    await child.click()
    const detailCode = page.locator('[data-testid="areas-page"] [data-testid="area-code"]')
    await page.waitForFunction(
      (c) => document.querySelector('[data-testid="areas-page"] [data-testid="area-code"]')?.textContent?.trim() === c,
      code,
    )
    assert.equal((await detailCode.textContent()).trim(), code)
    await shot('areas.png')
  })

  test('the Map page draws the grids and opens a grid’s panel', async () => {
    assert.ok(page, 'no browser page')
    await page.getByTestId('nav-map').click()
    await page.waitForURL((u) => u.pathname === '/map')
    await page.waitForFunction(() => (window.__txMap?.featureCount ?? 0) > 0, null, { timeout: 60_000 })
    await page.waitForFunction(() => document.querySelectorAll('path.tx-grid').length >= 10)
    await page.waitForFunction(() => !document.querySelector('[data-testid="map"] .el-loading-mask'))
    const count = await page.evaluate(() => window.__txMap.featureCount)
    assert.ok(count >= 10, `only ${count} features`)
    await shot('map.png')

    // Find a point that lies on a grid polygon (shapes can be concave, so test
    // points of the bounding boxes, starting from the middle of the list).
    const point = await page.evaluate(() => {
      const paths = [...document.querySelectorAll('path.tx-grid')]
      const order = paths.map((_, i) => (Math.floor(paths.length / 2) + i) % paths.length)
      for (const i of order) {
        const r = paths[i].getBoundingClientRect()
        for (const fy of [0.5, 0.35, 0.65, 0.2, 0.8]) {
          for (const fx of [0.5, 0.35, 0.65, 0.2, 0.8]) {
            const x = r.left + r.width * fx
            const y = r.top + r.height * fy
            const hit = document.elementFromPoint(x, y)
            if (hit && hit.matches('path.tx-grid')) return { x, y }
          }
        }
      }
      return null
    })
    assert.ok(point, 'no clickable grid polygon found')
    await page.mouse.click(point.x, point.y)
    const code = page.getByTestId('map-selected-code')
    await code.waitFor()
    assert.match((await code.textContent()).trim(), /^\d{15}$/)
    // Wait for the people on duty to load before the screenshot.
    await page.waitForFunction(() => {
      const el = document.querySelector('[data-testid="map-panel"] [data-testid="area-detail"]')
      return el && !el.querySelector('.el-loading-mask') && el.querySelector('.el-descriptions')
    })
    await shot('map-grid.png')
  })

  test('switching to English changes the labels and is remembered', async () => {
    assert.ok(page, 'no browser page')
    const mapItem = page.getByTestId('nav-map')
    assert.equal((await mapItem.textContent()).trim(), '地图')
    await page.getByTestId('lang-switch-button').click()
    await page.getByRole('menuitem', { name: 'English' }).click()
    await page.waitForFunction(() => document.querySelector('[data-testid="nav-map"]')?.textContent?.trim() === 'Map')
    assert.equal((await page.getByTestId('nav-areas').textContent()).trim(), 'Areas')
    assert.equal(await page.evaluate(() => localStorage.getItem('tongxin.locale')), 'en')
    await page.reload()
    await page.getByTestId('nav-map').waitFor()
    assert.equal((await page.getByTestId('nav-map').textContent()).trim(), 'Map')
    await page.waitForFunction(() => (window.__txMap?.featureCount ?? 0) > 0)
    await shot('map-en.png')
  })

  test('no uncaught errors in the page', () => {
    assert.deepEqual(pageErrors, [])
  })
})
