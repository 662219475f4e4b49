// Browser test of the registry (实有人口 · 实有房屋 · 一户一档) against a running
// Tongxin server with the demo data: the secretary browses building → house →
// household file, reveals a member's numbers, searches by pinyin initials and
// opens a person's history; the grid worker adds a new citizen in the phone
// app, and the secretary then sees that person and the app-channel history.
//   TONGXIN_E2E_URL=http://127.0.0.1:18120 node --test e2e/registry.test.mjs
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { BASE, OUT, useBrowser, apiAs, consoleLogin, withCheckDigit } from './support/env.mjs'

const PASSWORD = 'tongxin-demo-2026'
const WAIT = 30_000
const STAMP = Date.now()

let browser
const pageErrors = []

async function shot(page, name) {
  await page.waitForTimeout(400)
  await page.screenshot({ path: path.join(OUT, name), fullPage: false })
}

/** A valid GB 11643 ID number, different on every run. */
function idNumber() {
  const seq = String(STAMP % 1000).padStart(3, '0')
  const day = String((Math.floor(STAMP / 1000) % 28) + 1).padStart(2, '0')
  const first = `371302199603${day}${seq}`
  return withCheckDigit(first)
}

describe('registry', () => {
  let secretary // browser page of the console
  let target // { household, house, building } the secretary browses
  const NEW_NAME = ['韩雨桐', '邵子涵', '贺思远', '龚晓雯', '程嘉怡'][STAMP % 5]
  let newHousehold // the household the grid worker adds to

  useBrowser((b) => (browser = b))

  test('the secretary browses building → house → household file and reveals a member', async () => {
    assert.ok(browser, 'no browser')
    const api = await apiAs(browser, 'secretary')
    const hhs = await api.get('/registry/households?limit=100')
    const hh = hhs.items.find((h) => h.members >= 3) ?? hhs.items[0]
    assert.ok(hh, 'the demo has no households')
    const house = await api.get(`/registry/houses/${hh.house_id}`)
    const building = await api.get(`/registry/buildings/${house.building_id}`)
    target = { household: hh, house, building }
    await api.ctx.close()

    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' })
    ctx.setDefaultTimeout(WAIT)
    secretary = await ctx.newPage()
    secretary.on('pageerror', (err) => pageErrors.push(String(err)))
    await consoleLogin(secretary, 'secretary')

    await secretary.goto(`${BASE}/registry/buildings`)
    await secretary.getByTestId('reg-building-link').first().waitFor()
    assert.ok((await secretary.getByTestId('reg-building-link').count()) >= 10, 'fewer than 10 buildings listed')
    await shot(secretary, 'registry-buildings.png')

    await secretary.getByTestId('reg-building-q').fill(building.address)
    await secretary.getByTestId('reg-building-search').click()
    await secretary.getByTestId('reg-building-link').filter({ hasText: building.address }).first().click()
    await secretary.waitForURL((u) => u.pathname === `/registry/buildings/${building.id}`)
    // The building's houses export as a workbook with a row per house.
    const href = await secretary.getByTestId('reg-houses-export').getAttribute('href')
    assert.equal(href, `/api/v1/registry/houses/export.xlsx?building_id=${building.id}`)
    const xlsx = await secretary.context().request.get(`${BASE}${href}`)
    assert.equal(xlsx.status(), 200)
    assert.match(xlsx.headers()['content-type'], /spreadsheetml/)
    assert.equal((await xlsx.body()).subarray(0, 2).toString(), 'PK', 'not an xlsx (zip) file')
    await secretary.locator(`[data-house-id="${house.id}"]`).click()
    await secretary.waitForURL((u) => u.pathname === `/registry/houses/${house.id}`)
    await secretary.getByTestId('reg-household-link').first().click()
    await secretary.waitForURL((u) => u.pathname === `/registry/households/${hh.id}`)

    const ids = secretary.getByTestId('reg-member-id')
    await ids.first().waitFor()
    const masked = (await ids.first().textContent()).trim()
    assert.match(masked, /\*/, `the ID number is not masked: ${masked}`)
    await secretary.getByTestId('reg-reveal').first().click()
    await secretary.waitForFunction(() => /^\d{17}[\dX]$/.test(document.querySelector('[data-testid="reg-member-id"]')?.textContent?.trim() ?? ''))
    assert.ok(await secretary.getByTestId('reg-print').isVisible(), 'no print button')
    await secretary.mouse.move(700, 120)
    await secretary.evaluate(() => {
      window.scrollTo(0, 0)
      for (const el of document.querySelectorAll('.tx-main, .tx-body')) el.scrollTop = 0
    })
    await shot(secretary, 'registry-household-file.png')
  })

  test('the secretary finds a person by pinyin initials and opens the history', async () => {
    assert.ok(secretary && target, 'no console page')
    const api = await apiAs(browser, 'secretary')
    const people = await api.get(`/registry/persons?household_id=${target.household.id}`)
    await api.ctx.close()
    const person = people.items[0]
    assert.ok(person?.name_initials, 'the person has no initials')

    await secretary.goto(`${BASE}/registry/persons`)
    await secretary.getByTestId('reg-search-q').fill(person.name_initials)
    await secretary.getByTestId('reg-search-submit').click()
    const hit = secretary.getByTestId('reg-search-name').filter({ hasText: person.name }).first()
    await hit.waitFor()
    await shot(secretary, 'registry-search.png')

    await hit.click()
    await secretary.waitForURL((u) => u.pathname === `/registry/persons/${person.id}`)
    await secretary.getByTestId('reg-history').locator('tbody tr').first().waitFor()
    await shot(secretary, 'registry-person.png')
  })

  test('the grid worker adds a new citizen in the phone app', async () => {
    assert.ok(browser, 'no browser')
    const api = await apiAs(browser, 'gridworker')
    const hhs = await api.get('/registry/households?limit=50')
    await api.ctx.close()
    newHousehold = hhs.items.find((h) => h.members < 4) ?? hhs.items[0]
    assert.ok(newHousehold, 'the grid worker sees no household')
    const api2 = await apiAs(browser, 'gridworker')
    const house = await api2.get(`/registry/houses/${newHousehold.house_id}`)
    await api2.ctx.close()

    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN' })
    ctx.setDefaultTimeout(WAIT)
    const page = await ctx.newPage()
    page.on('pageerror', (err) => pageErrors.push(String(err)))
    await page.goto(`${BASE}/m/`)
    await page.waitForURL((u) => u.pathname === '/m/login')
    await page.getByTestId('login-username').locator('input').fill('gridworker')
    await page.getByTestId('login-password').locator('input').fill(PASSWORD)
    await page.getByTestId('login-submit').click()
    await page.waitForURL((u) => u.pathname !== '/m/login')

    await page.getByTestId('tab-grid').click()
    await page.waitForURL((u) => u.pathname === '/m/app/grid')
    await page.locator(`[data-building-id="${house.building_id}"]`).click()
    await page.waitForURL((u) => u.pathname === `/m/app/grid/buildings/${house.building_id}`)
    await page.locator(`[data-house-id="${house.id}"]`).click()
    await page.waitForURL((u) => u.pathname === `/m/app/grid/houses/${house.id}`)
    await page.getByTestId('m-member').first().waitFor()
    await shot(page, 'm-registry-house.png')

    await page.getByTestId('m-add-new-citizen').first().click()
    await page.waitForURL((u) => u.pathname.endsWith('/new-citizen'))
    const good = idNumber()
    const bad = good.slice(0, 17) + (good[17] === '0' ? '1' : '0')
    await page.getByTestId('m-nc-name').locator('input').fill(NEW_NAME)
    await page.getByTestId('m-nc-id').locator('input').fill(bad)
    await page.getByTestId('m-nc-phone').locator('input').fill('1865' + String(STAMP % 10_000_000).padStart(7, '0'))
    await page.getByTestId('m-nc-origin').locator('input').fill('山东省临沂市兰山区')
    await page.getByTestId('m-nc-employer').locator('input').fill('顺丰速运黄岛营业部')
    await page.getByTestId('m-nc-submit').click()
    // The server refuses the wrong check digit, and the form says so at the field.
    const err = page.getByTestId('m-nc-id').locator('.van-field__error-message')
    await err.waitFor()
    assert.match((await err.textContent()) ?? '', /[\u4e00-\u9fff]/, 'the field error is not in Chinese')

    await page.getByTestId('m-nc-id').locator('input').fill(good)
    await shot(page, 'm-registry-new-citizen.png')
    await page.getByTestId('m-nc-submit').click()
    await page.waitForURL((u) => u.pathname === `/m/app/grid/houses/${house.id}`)
    await page.getByTestId('m-member').filter({ hasText: NEW_NAME }).first().waitFor()
    await ctx.close()
  })

  test('the secretary sees the new citizen and the app-channel history', async () => {
    assert.ok(secretary && newHousehold, 'nothing to check')
    await secretary.goto(`${BASE}/registry/households/${newHousehold.id}`)
    const name = secretary.getByTestId('reg-member-name').filter({ hasText: NEW_NAME }).last()
    await name.waitFor()
    await name.click()
    await secretary.waitForURL((u) => /^\/registry\/persons\/\d+$/.test(u.pathname))
    await secretary.getByTestId('history-channel').filter({ hasText: '网格员App' }).first().waitFor()
  })

  test('no page errors', () => {
    assert.deepEqual(pageErrors, [])
  })
})
